"""The HR agency's referral-claim page (R7 职业介绍补贴, issue 16): its hires to claim for,
each with what R7 would pay, the claim made from one, and its referral claims with their
papers. The operations are ``referral_claims`` (the API's own ``claims.create_hire_claim``
underneath); nothing the agency types decides money."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import clock, policies
from marketplace.errors import DomainError, ValidationFailed
from marketplace.internships import claims, referral_claims
from marketplace.web import db
from marketplace.web.forms import act_then_back, field_errors, message, require_role, whole_number
from marketplace.web.i18n import current_lang

bp = Blueprint("internships_agency", __name__)


def _funds() -> list[tuple[str, str]]:
    r7 = policies.named(policies.active_name()).versions("R7")
    zh = current_lang() == "zh"
    return [(f.code, f.zh if zh else f.en) for f in (r7[-1].funding_sources if r7 else ())]


def _page(errors: dict | None = None, failed: int | None = None, status: int = 200):
    s, day = db(), clock.today()
    items = referral_claims.claims_of(s, current_user)
    return render_template("internships/agency_claims.html", offers=referral_claims.offers(s, current_user, day),
                           items=items, papers=referral_claims.papers(s, current_user, items), funds=_funds(),
                           errors=errors or {}, failed=failed, form=request.form), status


@bp.route("/agency/claims", methods=["GET", "POST"])
@login_required
def agency_claims():
    """GET: the hires the agency's introductions brought about, with R7's answer for each;
    POST: claim the referral subsidy for one of them (``application_id``, ``funding_source``)."""
    require_role("agency")
    if request.method == "GET":
        return _page()
    raw = request.form.get("application_id", "")
    app_id = whole_number(raw, 1)
    try:
        if app_id is None:
            raise ValidationFailed("请选择录用记录", "choose the hire", field="application_id")
        fund = request.form.get("funding_source", "")
        if fund and fund not in dict(_funds()):
            raise ValidationFailed("资金来源不在政策所列之内", "the fund is not one the policy lists",
                                   field="funding_source")
        c = referral_claims.claim(db(), current_user, app_id, fund, clock.today())
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(message(exc), "error")
        return _page(field_errors(exc), app_id, exc.status)
    if c.state == "draft":
        flash(_("Claim #%(id)s prepared for %(amount)s yuan: upload the papers it needs, then submit it.",
                id=c.id, amount=str(c.amount)), "ok")
    else:
        flash(_("Claim #%(id)s for %(amount)s yuan submitted: a caseworker reviews it.", id=c.id,
                amount=str(c.amount)), "ok")
    return redirect(url_for("internships_agency.agency_claims") + f"#claim-{c.id}")


@bp.post("/agency/claims/<int:claim_id>/submit")
@login_required
def agency_submit(claim_id: int):
    """Submit a prepared (or refused) referral claim once its papers are uploaded."""
    require_role("agency")
    back = url_for("internships_agency.agency_claims") + f"#claim-{claim_id}"
    return act_then_back(lambda: claims.submit_claim(db(), current_user, claim_id, policies.active_name(),
                                                     clock.today()), back, _("Claim submitted."))
