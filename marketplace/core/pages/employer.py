"""An employer's (or agency's) pages: its postings, the posting form, a posting's
applicants, recommended candidates and invitations."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import clock, policies
from marketplace.core import applications, eligibility, postings, recommend, screens, verification
from marketplace.core.hiring_conditions import HIRING_CONDITIONS
from marketplace.core.models import DISTRICTS, EDUCATION_LEVELS
from marketplace.core.pages.common import bp, lang_text
from marketplace.core.pages.verification import status_names
from marketplace.core.schemas import PostingIn, validate
from marketplace.errors import DomainError, ValidationFailed
from marketplace.web import db, runtime
from marketplace.web.forms import (
    _opt,
    _split,
    act_then_back,
    education_name,
    field_errors,
    message,
    name_of,
    options,
    page_args,
    require_role,
)
from marketplace.web.i18n import current_lang


@bp.get("/employer")
@login_required
def employer_home():
    require_role("employer", "agency")
    page, per_page = page_args()
    items, total, counts = screens.employer_home_page(db(), current_user, page, per_page)
    return render_template("employer/home.html", org=current_user.organisation, items=items, total=total, page=page,
                           per_page=per_page, app_counts=counts, v=verification.my_status(db(), current_user),
                           status_names=status_names(), today=screens.employer_today(db(), current_user, clock.today()))


def _posting_form_data(f) -> dict:
    kind = f.get("kind", "")
    data = {"kind": kind, "title": f.get("title", ""), "description": f.get("description", ""),
            "requirements": f.get("requirements", ""), "skills": _split(f.get("skills", "")),
            "education_min": f.get("education_min", "0"), "salary_min": _opt(f.get("salary_min")),
            "salary_max": _opt(f.get("salary_max")), "headcount": f.get("headcount") or 1,
            "district": f.get("district", ""), "close_on": _opt(f.get("close_on")),
            "target_group": _opt(f.get("target_group")), "hiring_conditions": f.getlist("hiring_conditions"),
            "for_graduates": f.get("for_graduates") == "1"}
    if kind == "internship":
        data.update(period_months=_opt(f.get("period_months")), stipend=_opt(f.get("stipend")))
    if kind == "public_welfare":
        temp = f.get("temporary")
        data.update(temporary=None if temp in ("", None) else temp == "1", term_months=_opt(f.get("term_months")))
    return data


def _posting_form_ctx(picked) -> dict:
    zh = current_lang() == "zh"
    groups = eligibility.known_target_groups(policies.active(), clock.today())
    return {"kinds": options("kind"), "districts": [(d, d) for d in DISTRICTS],
            "educations": [(k, education_name(k)) for k in EDUCATION_LEVELS],
            "target_groups": [("", _("none"))] + [(g.code, g.zh if zh else g.en) for g in groups],
            "hiring_conditions": [(k, v[0] if zh else v[1]) for k, v in HIRING_CONDITIONS.items()],
            "picked": picked}


@bp.route("/employer/postings/new", methods=["GET", "POST"])
@login_required
def new_posting():
    require_role("employer", "agency")
    ctx = _posting_form_ctx(request.form.getlist("hiring_conditions"))
    if request.method == "GET":
        return render_template("employer/posting_form.html", form={"district": current_user.organisation.district},
                               errors={}, **ctx)
    s = db()
    try:
        p = postings.create_posting(s, current_user, validate(PostingIn, _posting_form_data(request.form)))
        problem = verification.gate_problem(current_user)
        if request.form.get("publish") == "1" and problem is not None:
            flash(_("Saved as a draft: %(why)s", why=message(problem)), "warn")  # it publishes once verified
            return redirect(url_for("pages.employer_posting", posting_id=p.id))
        if request.form.get("publish") == "1":
            postings.publish_posting(s, current_user, p.id)
    except DomainError as exc:
        return render_template("employer/posting_form.html", form=request.form, errors=field_errors(exc),
                               error=message(exc), **ctx), exc.status
    flash(_("Posting saved."), "ok")
    return redirect(url_for("pages.employer_posting", posting_id=p.id))


def _posting_form_values(p) -> dict:
    """A posting's fields as the form shows them (strings, as a submitted form has them)."""
    def s(v):
        return "" if v is None else str(v)
    return {"kind": p.kind, "title": p.title, "description": p.description, "requirements": p.requirements,
            "skills": "，".join(p.skills or []), "education_min": s(p.education_min), "salary_min": s(p.salary_min),
            "salary_max": s(p.salary_max), "headcount": s(p.headcount), "district": p.district,
            "close_on": p.close_on.isoformat() if p.close_on else "", "target_group": p.target_group or "",
            "for_graduates": "1" if p.for_graduates else "", "period_months": s(p.period_months),
            "stipend": s(p.stipend), "temporary": "" if p.temporary is None else ("1" if p.temporary else "0"),
            "term_months": s(p.term_months)}


@bp.route("/employer/postings/<int:posting_id>/edit", methods=["GET", "POST"])
@login_required
def edit_posting(posting_id):
    """Edit any field of a draft or published posting (issue 15): validated as on creation,
    the applicants told of a material change, the reason kept in the audit log."""
    require_role("employer", "agency")
    s = db()
    p = postings.own_posting(s, current_user, posting_id)
    if request.method == "GET":
        ctx = _posting_form_ctx(list(p.hiring_conditions or []))
        return render_template("employer/posting_form.html", form=_posting_form_values(p), errors={}, editing=p,
                               **ctx)
    ctx = _posting_form_ctx(request.form.getlist("hiring_conditions"))
    try:
        data = _posting_form_data(request.form)
        data["kind"] = p.kind  # the kind is fixed once created
        postings.update_posting(s, current_user, posting_id, validate(PostingIn, data),
                                reason=request.form.get("reason", "").strip()[:500])
    except DomainError as exc:
        if exc.status == 404:
            raise
        return render_template("employer/posting_form.html", form=request.form, errors=field_errors(exc),
                               error=message(exc), editing=p, **ctx), exc.status
    flash(_("Posting updated. People who applied were told of the change."), "ok")
    return redirect(url_for("pages.employer_posting", posting_id=posting_id))


@bp.route("/employer/postings/<int:posting_id>/close", methods=["GET", "POST"])
@login_required
def close_posting(posting_id):
    """Closing asks for a confirmation first (the applicants are told it closed)."""
    require_role("employer", "agency")
    s = db()
    p = postings.own_posting(s, current_user, posting_id)
    if request.method == "GET" or request.form.get("confirm") != "1":
        return render_template("employer/posting_close.html", p=p)
    postings.close_posting(s, current_user, posting_id, reason=request.form.get("reason", "").strip()[:500])
    flash(_("Posting closed."), "ok")
    return redirect(url_for("pages.employer_posting", posting_id=posting_id))


@bp.post("/employer/postings/<int:posting_id>/reopen")
@login_required
def reopen_posting(posting_id):
    """Extend a published posting or reopen a closed one with a new closing date."""
    require_role("employer", "agency")
    raw = request.form.get("close_on", "").strip()

    def run():
        try:
            close_on = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            raise ValidationFailed("日期格式应为 YYYY-MM-DD", "a date is written YYYY-MM-DD", field="close_on") from None
        postings.reopen_posting(db(), current_user, posting_id, close_on, reason=request.form.get("reason", "")[:500])

    return act_then_back(run, url_for("pages.employer_posting", posting_id=posting_id),
                         _("Posting open until the new closing date."))


@bp.get("/employer/postings/<int:posting_id>")
@login_required
def employer_posting(posting_id):
    require_role("employer", "agency")
    page, per_page = page_args(50)
    # the areas' notes on each applicant (internships: the agency that introduced them, 经…推荐)
    view = screens.employer_posting_page(db(), current_user, posting_id, page, per_page)
    return render_template("employer/posting.html", p=view.posting, items=view.items, total=view.total, page=page,
                           per_page=per_page, notes=view.notes, views=view.eligibility, text=lang_text)


@bp.post("/employer/postings/<int:posting_id>/<any(publish):action>")
@login_required
def posting_action(posting_id, action):
    """Publishing (closing asks for a confirmation on its own page, ``close_posting``)."""
    require_role("employer", "agency")
    return act_then_back(lambda: postings.publish_posting(db(), current_user, posting_id),
                         url_for("pages.employer_posting", posting_id=posting_id))


@bp.get("/employer/postings/<int:posting_id>/candidates")
@login_required
def employer_candidates(posting_id):
    require_role("employer", "agency")

    s = db()
    p, existing = screens.candidates_stages(s, current_user, posting_id)
    page, per_page = page_args(10)
    result = recommend.candidates(s, runtime(), current_user, posting_id, offset=(page - 1) * per_page, limit=per_page,
                                  include_ineligible=request.args.get("all") == "1")
    return render_template("employer/candidates.html", p=p, items=result["items"], total=result["total"],
                           excluded=result["excluded"], page=page, per_page=per_page, existing=existing, text=lang_text,
                           refused=result["ineligible_applicants"])


@bp.post("/employer/postings/<int:posting_id>/invite/<int:profile_id>")
@login_required
def employer_invite(posting_id, profile_id):
    require_role("employer", "agency")
    return act_then_back(lambda: applications.invite(db(), current_user, posting_id, profile_id),
                         url_for("pages.employer_candidates", posting_id=posting_id),
                         _("Invitation sent. The person will see it under My applications."))


@bp.post("/employer/applications/<int:application_id>/reverse")
@login_required
def reverse_stage(application_id):
    """Undo the last stage move of an application (已入职 included) with a reason (issue 15)."""
    require_role("employer", "agency")
    try:
        app = applications.reverse_stage(db(), current_user, application_id,
                                         request.form.get("reason", "").strip()[:1000])
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(message(exc), "error")
        return redirect(request.referrer or url_for("pages.employer_home")), 303
    flash(_("Moved back to: %(s)s", s=name_of("stage", app.stage)), "ok")
    return redirect(url_for("pages.employer_posting", posting_id=app.posting_id))
