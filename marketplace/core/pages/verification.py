"""Pages of the verification of organisations: the organisation's own standing and its ask
(``/employer/verification``), and the caseworker's queue of their district's organisations
with each one's credit code, named documents and the verify / refuse / revoke forms."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core import verification
from marketplace.core.models import ORG_TYPES
from marketplace.core.pages.common import bp
from marketplace.core.schemas import ReasonIn, VerificationAsk, VerifyIn, validate
from marketplace.db import paginate
from marketplace.errors import DomainError
from marketplace.web import db
from marketplace.web.forms import _opt, field_errors, message, name_of, page_args, require_role

STATUSES = ("pending", "verified", "refused", "revoked", "reverify", "superseded")


def status_names() -> dict:
    """How each standing reads on the pages (pending review: 待审核)."""
    return {"pending": _("pending review"), "verified": _("verified"), "refused": _("refused"),
            "revoked": _("verification revoked"), "reverify": _("awaiting re-verification"),
            "superseded": _("replaced by a later request")}


def ask_form_data(f, prefix: str = "") -> dict:
    """The verification ask of a form (the registration page's fields carry ``organisation.``)."""
    docs = []
    for i in range(3):
        name = (f.get(f"{prefix}doc_name_{i}") or "").strip()
        number = (f.get(f"{prefix}doc_number_{i}") or "").strip()
        if name or number:
            docs.append({"name": name, "number": number})
    return {"org_type": f.get(f"{prefix}org_type", ""), "is_internship_base": f.get(f"{prefix}is_internship_base") == "1",
            "internship_base_since_on": _opt(f.get(f"{prefix}internship_base_since_on")),
            "is_epidemic_supply": f.get(f"{prefix}is_epidemic_supply") == "1", "documents": docs}


def _ctx() -> dict:
    return {"org_types": [(k, name_of("org_type", k)) for k in ORG_TYPES], "status_names": status_names()}


@bp.route("/employer/verification", methods=["GET", "POST"])
@login_required
def employer_verification():
    require_role("employer", "agency")
    s = db()
    form, errors, error, status = {}, {}, None, 200
    if request.method == "POST":
        try:
            verification.ask(s, current_user, validate(VerificationAsk, ask_form_data(request.form)))
            flash(_("Your request was sent to the caseworker of your district."), "ok")
            return redirect(url_for("pages.employer_verification"))
        except DomainError as exc:
            form, errors, error, status = request.form, field_errors(exc), message(exc), exc.status
    return render_template("employer/verification.html", v=verification.my_status(s, current_user), form=form,
                           errors=errors, error=error, **_ctx()), status


@bp.get("/caseworker/organisations")
@login_required
def caseworker_organisations():
    require_role("caseworker", "admin")
    state = request.args.get("status") if request.args.get("status") in STATUSES else "pending"
    page, per_page = page_args()
    items, total = paginate(db(), verification.queue(current_user, state), page, per_page)
    return render_template("caseworker/organisations.html", items=items, total=total, page=page, per_page=per_page,
                           state=state, **_ctx())


@bp.get("/caseworker/organisations/<int:organisation_id>")
@login_required
def caseworker_organisation(organisation_id):
    require_role("caseworker", "admin")
    s = db()
    org = verification.organisation_for_review(s, current_user, organisation_id)
    return render_template("caseworker/organisation.html", v=verification.status_to_dict(s, org), form={},
                           errors={}, **_ctx())


@bp.post("/caseworker/organisations/<int:organisation_id>/<any(verify, refuse, revoke):action>")
@login_required
def caseworker_decide(organisation_id, action):
    require_role("caseworker", "admin")
    s = db()
    f = request.form
    try:
        if action == "verify":
            data = {"checked": f.get("checked", ""), "org_type": _opt(f.get("org_type")),
                    "is_internship_base": f.get("is_internship_base") == "1",
                    "internship_base_since_on": _opt(f.get("internship_base_since_on")),
                    "is_epidemic_supply": f.get("is_epidemic_supply") == "1"}
            verification.verify(s, current_user, organisation_id, validate(VerifyIn, data))
            flash(_("Organisation verified."), "ok")
        else:
            data = validate(ReasonIn, {"reason": f.get("reason", "")})
            (verification.refuse if action == "refuse" else verification.revoke)(s, current_user, organisation_id,
                                                                                data)
            flash(_("Refused; the organisation sees the reason.") if action == "refuse"
                  else _("Verification revoked; the organisation sees the reason."), "ok")
    except DomainError as exc:
        if exc.status == 404:
            raise
        org = verification.organisation_for_review(s, current_user, organisation_id)
        return render_template("caseworker/organisation.html", v=verification.status_to_dict(s, org), form=f,
                               errors=field_errors(exc), error=message(exc), action=action, **_ctx()), exc.status
    return redirect(url_for("pages.caseworker_organisation", organisation_id=organisation_id))
