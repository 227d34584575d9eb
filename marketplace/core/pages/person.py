"""A person's pages: the profile (theirs, or a caseworker's form for them), their
applications and the stage moves, recommendations."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

import chinese
from marketplace import clock
from marketplace.core import applications, profiles, recommend, screens
from marketplace.core.models import DISTRICTS, EDUCATION_LEVELS, KINDS
from marketplace.core.pages.common import bp, lang_text, safe_next
from marketplace.core.schemas import ProfileIn, validate
from marketplace.crypto import mask_id_number, mask_phone
from marketplace.errors import DomainError
from marketplace.web import cipher, db, runtime
from marketplace.web.forms import (
    _opt,
    _split,
    education_name,
    field_errors,
    message,
    name_of,
    options,
    page_args,
    require_role,
)


def _profile_form_data(f) -> dict:
    cats = f.getlist("category")
    unemployed_since = _opt(f.get("unemployed_since"))
    return {
        "name": f.get("name", ""), "gender": f.get("gender", ""), "birth_on": f.get("birth_on", ""),
        "id_number": _opt(f.get("id_number", "").strip()), "phone": _opt(f.get("phone", "").strip()),
        "hukou_place": f.get("hukou_place", ""), "district": f.get("district", ""),
        "education": f.get("education", "0"), "major": f.get("major", ""),
        "graduation_year": _opt(f.get("graduation_year")), "skills": _split(f.get("skills", "")),
        "experience": f.get("experience", ""), "summary": f.get("summary", ""),
        "desired_jobs": f.get("desired_jobs", ""), "desired_salary_min": _opt(f.get("desired_salary_min")),
        "published": f.get("published") == "1",
        "categories": [{"category": c, "since_on": unemployed_since if c == "registered_unemployed" else None}
                       for c in cats],
    }


def _profile_form_from(p, staff: bool = False) -> dict:
    if p is None:
        return {"category_list": []}
    return {"name": p.name, "gender": p.gender, "birth_on": "" if staff else p.birth_on.isoformat(),
            "hukou_place": p.hukou_place,
            "district": p.district, "education": p.education, "major": p.major,
            "graduation_year": p.graduation_year, "skills": "、".join(p.skills), "experience": p.experience,
            "summary": p.summary, "desired_jobs": p.desired_jobs, "desired_salary_min": p.desired_salary_min,
            "published": p.published, "category_list": [c.category for c in p.categories],
            "unemployed_since": next((c.since_on.isoformat() for c in p.categories
                                      if c.category == "registered_unemployed" and c.since_on), "")}


def _profile_ctx(p, staff: bool = False) -> dict:
    """The form's context. For staff (``staff``) the birth date on file is not shown, only
    the age, beside the masked ID: see ``profiles.profile_to_dict``."""
    return {"age_on_file": profiles.age_on(p.birth_on, clock.today()) if staff and p else None, "districts": [(d, d) for d in DISTRICTS], "educations": [(k, education_name(k)) for k in EDUCATION_LEVELS],
            "categories": options("category"),
            "confirmed": [c.category for c in p.categories if c.confirmed_at] if p else [],
            "masked_id": mask_id_number(cipher().decrypt(p.id_number_enc)) if p else "",
            "masked_phone": mask_phone(cipher().decrypt(p.phone_enc)) if p else ""}


@bp.route("/me/profile", methods=["GET", "POST"])
@login_required
def my_profile():
    require_role("person")
    s = db()
    p = profiles.my_profile(s, current_user)
    if request.method == "GET":
        return render_template("person/profile.html", form=_profile_form_from(p), errors={}, **_profile_ctx(p),
                               corrections=profiles.corrections_of(s, p) if p else [])
    data = _profile_form_data(request.form)
    try:
        profiles.save_my_profile(s, cipher(), current_user, validate(ProfileIn, data))
    except DomainError as exc:
        form = dict(request.form, category_list=request.form.getlist("category"), published=data["published"])
        return render_template("person/profile.html", form=form, errors=field_errors(exc), error=message(exc),
                               **_profile_ctx(p)), exc.status
    flash(_("Profile saved."), "ok")
    return redirect(url_for("pages.my_profile"))


@bp.get("/me/applications")
@login_required
def my_applications():
    require_role("person")
    page, per_page = page_args()
    items, total, views = screens.my_applications_page(db(), current_user, page, per_page)
    return render_template("person/applications.html", items=items, total=total, page=page, per_page=per_page,
                           views=views, text=lang_text)


@bp.post("/applications/<int:application_id>/stage")
@login_required
def move_stage(application_id):
    require_role("person", "employer", "agency")
    stage = request.form.get("stage", "")
    try:
        app = applications.move_stage(db(), current_user, application_id, stage,
                                      chinese.tidy(request.form.get("note", ""))[:1000])
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(message(exc), "error")
        return redirect(safe_next(request.referrer)), 303
    flash(_("Moved to: %(s)s", s=name_of("stage", app.stage)), "ok")
    if current_user.role == "person":
        return redirect(url_for("pages.my_applications"))
    return redirect(url_for("pages.employer_posting", posting_id=app.posting_id))


@bp.get("/me/recommendations")
@login_required
def my_recommendations():
    require_role("person")

    profile = profiles.my_profile(db(), current_user)
    if profile is None:
        flash(_("Fill in your profile first: recommendations are made from it."), "warn")
        return redirect(url_for("pages.my_profile"))
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    page, per_page = page_args(10)
    result = recommend.recommendations(db(), runtime(), current_user, profile.id, offset=(page - 1) * per_page,
                                       limit=per_page, kind=kind)
    # the posts the person may not take follow the ranked ones (with the reason): page through both
    return render_template("person/recommendations.html", result=result, items=result["items"],
                           total=result["total"] + result["excluded"],
                           page=page, per_page=per_page, kind=kind, kinds=options("kind"), text=lang_text)
