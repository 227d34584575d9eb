"""HTML pages (zh-CN first, English second). Thin views: parse the form, call a
service, render. A refused form is shown again with each problem beside its field, in
the person's language, and nothing is saved."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

import chinese
from marketplace.core import accounts, applications, postings, profiles, recommend, searching
from marketplace.core.models import (
    CATEGORIES,
    DISTRICTS,
    EDUCATION_LEVELS,
    KINDS,
    OPEN_STAGES,
    Application,
    Posting,
    User,
)
from marketplace.core.schemas import PostingIn, ProfileIn, RegisterEmployer, RegisterPerson, UserIn, UserPatch, validate
from marketplace.crypto import mask_id_number, mask_phone
from marketplace.db import paginate
from marketplace.errors import DomainError, ValidationFailed
from marketplace.internships import introductions
from marketplace.privacy import operations as privacy
from marketplace.web import cipher, db, runtime, settings
from marketplace.web.forms import (
    _opt,
    _split,
    education_name,
    field_errors,
    message,
    name_of,
    options,
    page_args,
    page_url,
    require_role,
)
from marketplace.web.i18n import current_lang

bp = Blueprint("pages", __name__, template_folder="templates")

def next_stages(stage: str) -> list[str]:
    if stage == "invited":
        return []
    forward = list(applications.FORWARD)
    return forward[forward.index(stage) + 1:] + ["rejected"]


@bp.app_context_processor
def _helpers():
    return {"kind_name": lambda k: name_of("kind", k), "status_name": lambda k: name_of("status", k),
            "stage_name": lambda k: name_of("stage", k), "org_type_name": lambda k: name_of("org_type", k),
            "category_name": lambda k: name_of("category", k), "role_name": lambda k: name_of("role", k),
            "education_name": education_name, "page_url": page_url, "next_stages": next_stages,
            "open_stages": OPEN_STAGES}


# --- public ---------------------------------------------------------------------------

@bp.get("/")
def home():
    s = db()
    latest = list(s.scalars(postings.public_postings().limit(12)))
    counts = dict(s.execute(select(Posting.kind, func.count()).where(Posting.status == "published")
                            .group_by(Posting.kind)).all())
    return render_template("home.html", latest=latest, counts=counts)


def postings_page():
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    district = request.args.get("district") if request.args.get("district") in DISTRICTS else None
    education = request.args.get("education", "")
    education = int(education) if education.isdigit() and int(education) <= 7 else None
    q = _norm((request.args.get("q") or "").strip())[:100]
    page, per_page = page_args()
    rt = runtime()
    result = searching.search_postings(db(), rt, searching.PostingSearch(
        q=q, kind=kind, district=district, education_max=education, page=page, per_page=per_page,
        sort="relevance" if q else "date"))
    notice = result.notice[0 if current_lang() == "zh" else 1] if result.notice else None
    return render_template("postings.html", items=result.items, total=result.total, page=page, per_page=per_page,
                           q=q, kind=kind, district=district, education=education, kinds=options("kind"),
                           districts=[(d, d) for d in DISTRICTS],
                           educations=[(k, education_name(k)) for k in EDUCATION_LEVELS if k],
                           facets=result.facets, notice=notice)


bp.add_url_rule("/postings", "postings", postings_page)


def _norm(text: str) -> str:
    return chinese.normalize(text)


@bp.get("/postings/<int:posting_id>")
def posting(posting_id):
    s = db()
    actor = current_user if current_user.is_authenticated else None
    p = postings.get_posting(s, actor, posting_id)
    applied = None
    if actor is not None and actor.role == "person":
        prof = profiles.my_profile(s, actor)
        if prof is not None:
            applied = s.scalar(select(Application).where(Application.posting_id == p.id,
                                                         Application.profile_id == prof.id))
    return render_template("posting.html", p=p, applied=applied)


@bp.post("/postings/<int:posting_id>/apply")
@login_required
def apply(posting_id):
    require_role("person")
    try:
        applications.apply(db(), current_user, posting_id, _norm(request.form.get("note", ""))[:1000])
    except DomainError as exc:
        if exc.status >= 500:
            raise
        flash(message(exc), "error")
        return redirect(url_for("pages.posting", posting_id=posting_id)), 303
    flash(_("Application sent. You can follow it under My applications."), "ok")
    return redirect(url_for("pages.posting", posting_id=posting_id))


# --- accounts -------------------------------------------------------------------------

def _safe_next(target: str | None) -> str:
    if target and urlparse(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("pages.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next"), username="")
    cfg = settings()
    try:
        user = accounts.authenticate(db(), request.form.get("username", ""), request.form.get("password", ""),
                                     cfg.LOGIN_MAX_FAILURES, cfg.LOGIN_LOCK_MINUTES)
    except DomainError as exc:
        # The failed-login counter must be saved even though the page reports an error.
        db().commit()
        return render_template("login.html", error=message(exc), next=request.form.get("next"),
                               username=request.form.get("username", "")[:64]), exc.status
    login_user(user)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("pages.home"))


def _register(employer: bool):
    org_types = [(k, v) for k, v in options("org_type")]
    ctx = {"employer": employer, "org_types": org_types, "districts": [(d, d) for d in DISTRICTS]}
    if request.method == "GET":
        return render_template("register.html", form={}, errors={}, **ctx)
    f = request.form
    data = {"username": f.get("username", ""), "password": f.get("password", ""),
            "display_name": f.get("display_name", ""), "locale": current_lang()}
    try:
        if employer:
            data["organisation"] = {k: f.get(f"organisation.{k}", "") for k in
                                    ("name", "org_type", "industry", "district", "credit_code")}
            user = accounts.register_employer(db(), validate(RegisterEmployer, data))
        else:
            user = accounts.register_person(db(), validate(RegisterPerson, data))
    except DomainError as exc:
        errors = {k.replace("organisation.", "organisation."): v for k, v in field_errors(exc).items()}
        return render_template("register.html", form=f, errors=errors, error=message(exc), **ctx), exc.status
    login_user(user)
    return redirect(url_for("pages.my_profile" if not employer else "pages.employer_home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    return _register(False)


@bp.route("/register/employer", methods=["GET", "POST"])
def register_employer():
    return _register(True)


# --- person ---------------------------------------------------------------------------

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


def _profile_form_from(p) -> dict:
    if p is None:
        return {"category_list": []}
    return {"name": p.name, "gender": p.gender, "birth_on": p.birth_on.isoformat(), "hukou_place": p.hukou_place,
            "district": p.district, "education": p.education, "major": p.major,
            "graduation_year": p.graduation_year, "skills": "、".join(p.skills), "experience": p.experience,
            "summary": p.summary, "desired_jobs": p.desired_jobs, "desired_salary_min": p.desired_salary_min,
            "published": p.published, "category_list": [c.category for c in p.categories],
            "unemployed_since": next((c.since_on.isoformat() for c in p.categories
                                      if c.category == "registered_unemployed" and c.since_on), "")}


def _profile_ctx(p) -> dict:
    return {"districts": [(d, d) for d in DISTRICTS], "educations": [(k, education_name(k)) for k in EDUCATION_LEVELS],
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
        return render_template("person/profile.html", form=_profile_form_from(p), errors={}, **_profile_ctx(p))
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
    items, total = paginate(db(), applications.applications_for(current_user), page, per_page)
    return render_template("person/applications.html", items=items, total=total, page=page, per_page=per_page)


@bp.post("/applications/<int:application_id>/stage")
@login_required
def move_stage(application_id):
    require_role("person", "employer", "agency")
    stage = request.form.get("stage", "")
    try:
        app = applications.move_stage(db(), current_user, application_id, stage,
                                      _norm(request.form.get("note", ""))[:1000])
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(message(exc), "error")
        return redirect(request.referrer if _safe_next(urlparse(request.referrer or "").path) != url_for("pages.home")
                        else url_for("pages.home")), 303
    flash(_("Moved to: %(s)s", s=name_of("stage", app.stage)), "ok")
    if current_user.role == "person":
        return redirect(url_for("pages.my_applications"))
    return redirect(url_for("pages.employer_posting", posting_id=app.posting_id))


# --- employer -------------------------------------------------------------------------

@bp.get("/employer")
@login_required
def employer_home():
    require_role("employer", "agency")
    s = db()
    page, per_page = page_args()
    items, total = paginate(s, postings.org_postings(current_user), page, per_page)
    counts = dict(s.execute(select(Application.posting_id, func.count()).join(Posting)
                            .where(Posting.organisation_id == current_user.organisation_id)
                            .group_by(Application.posting_id)).all())
    return render_template("employer/home.html", org=current_user.organisation, items=items, total=total, page=page,
                           per_page=per_page, app_counts=counts)


def _posting_form_data(f) -> dict:
    kind = f.get("kind", "")
    data = {"kind": kind, "title": f.get("title", ""), "description": f.get("description", ""),
            "requirements": f.get("requirements", ""), "skills": _split(f.get("skills", "")),
            "education_min": f.get("education_min", "0"), "salary_min": _opt(f.get("salary_min")),
            "salary_max": _opt(f.get("salary_max")), "headcount": f.get("headcount") or 1,
            "district": f.get("district", ""), "close_on": _opt(f.get("close_on"))}
    if kind == "internship":
        data.update(period_months=_opt(f.get("period_months")), stipend=_opt(f.get("stipend")))
    if kind == "public_welfare":
        temp = f.get("temporary")
        data.update(temporary=None if temp in ("", None) else temp == "1", term_months=_opt(f.get("term_months")))
    return data


@bp.route("/employer/postings/new", methods=["GET", "POST"])
@login_required
def new_posting():
    require_role("employer", "agency")
    ctx = {"kinds": options("kind"), "districts": [(d, d) for d in DISTRICTS],
           "educations": [(k, education_name(k)) for k in EDUCATION_LEVELS]}
    if request.method == "GET":
        return render_template("employer/posting_form.html", form={"district": current_user.organisation.district},
                               errors={}, **ctx)
    s = db()
    try:
        p = postings.create_posting(s, current_user, validate(PostingIn, _posting_form_data(request.form)))
        if request.form.get("publish") == "1":
            postings.publish_posting(s, current_user, p.id)
    except DomainError as exc:
        return render_template("employer/posting_form.html", form=request.form, errors=field_errors(exc),
                               error=message(exc), **ctx), exc.status
    flash(_("Posting saved."), "ok")
    return redirect(url_for("pages.employer_posting", posting_id=p.id))


@bp.get("/employer/postings/<int:posting_id>")
@login_required
def employer_posting(posting_id):
    require_role("employer", "agency")
    s = db()
    p = postings.own_posting(s, current_user, posting_id)
    page, per_page = page_args(50)
    items, total = paginate(s, applications.applications_for(current_user, posting_id), page, per_page)

    # which agency introduced an applicant (职业介绍): the employer may dispute a referral claim
    introduced = introductions.credited_many(s, items)
    return render_template("employer/posting.html", p=p, items=items, total=total, page=page, per_page=per_page,
                           introduced=introduced)


@bp.post("/employer/postings/<int:posting_id>/<any(publish, close):action>")
@login_required
def posting_action(posting_id, action):
    require_role("employer", "agency")
    try:
        (postings.publish_posting if action == "publish" else postings.close_posting)(db(), current_user, posting_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(message(exc), "error")
        return redirect(url_for("pages.employer_posting", posting_id=posting_id)), 303
    return redirect(url_for("pages.employer_posting", posting_id=posting_id))


# --- caseworker -----------------------------------------------------------------------

@bp.get("/caseworker")
@login_required
def caseworker_home():
    require_role("caseworker", "admin")
    q = _norm(request.args.get("q", ""))[:64]
    page, per_page = page_args()
    items, total = paginate(db(), profiles.district_profiles(current_user, q), page, per_page)
    items = [profiles.profile_to_dict(p, cipher(), current_user) for p in items]
    return render_template("caseworker/home.html", items=items, total=total, page=page, per_page=per_page, q=q)


@bp.route("/caseworker/profiles/new", methods=["GET", "POST"], defaults={"profile_id": None},
          endpoint="caseworker_new_profile")
@bp.route("/caseworker/profiles/<int:profile_id>", methods=["GET", "POST"])
@login_required
def caseworker_profile(profile_id):
    require_role("caseworker", "admin")
    s = db()
    p = profiles.get_profile(s, current_user, profile_id) if profile_id else None
    title = p.name if p else _("Register a person")
    if request.method == "GET":
        form = _profile_form_from(p) if p else {"district": current_user.district, "category_list": []}
        return render_template("caseworker/profile.html" if p else "person/profile.html", form=form, errors={},
                               profile=p, title=title, **_profile_ctx(p))
    data = _profile_form_data(request.form)
    try:
        p = profiles.caseworker_save_profile(s, cipher(), current_user, profile_id, validate(ProfileIn, data))
    except DomainError as exc:
        if exc.status == 404:
            raise
        form = dict(request.form, category_list=request.form.getlist("category"), published=data["published"])
        return render_template("caseworker/profile.html" if p else "person/profile.html", form=form,
                               errors=field_errors(exc), error=message(exc), profile=p, title=title,
                               **_profile_ctx(p)), exc.status
    flash(_("Profile saved."), "ok")
    return redirect(url_for("pages.caseworker_profile", profile_id=p.id))


@bp.post("/caseworker/profiles/<int:profile_id>/confirm/<category>")
@login_required
def caseworker_confirm(profile_id, category):
    require_role("caseworker", "admin")
    if category not in CATEGORIES:
        raise ValidationFailed("未知类别", "unknown category", field="category")
    profiles.confirm_category(db(), current_user, profile_id, category)
    return redirect(url_for("pages.caseworker_profile", profile_id=profile_id))


# --- admin ----------------------------------------------------------------------------

@bp.route("/admin/users", methods=["GET", "POST"])
@login_required
def admin_users():
    require_role("admin")
    s = db()
    ctx = {"roles": [(k, name_of("role", k)) for k in ("caseworker", "organiser", "admin")],
           "districts": [(d, d) for d in DISTRICTS]}
    form, errors, error, status = {}, {}, None, 200
    if request.method == "POST":
        f = request.form
        data = {"username": f.get("username", ""), "password": f.get("password", ""),
                "display_name": f.get("display_name", ""), "role": f.get("role", ""),
                "district": _opt(f.get("district"))}
        try:
            accounts.admin_create_user(s, current_user, validate(UserIn, data))
            flash(_("Account created."), "ok")
            return redirect(url_for("pages.admin_users"))
        except DomainError as exc:
            form, errors, error, status = f, field_errors(exc), message(exc), exc.status
    page, per_page = page_args(50)
    items, total = paginate(s, accounts.admin_list_users(s, current_user), page, per_page)
    return render_template("admin/users.html", items=items, total=total, page=page, per_page=per_page, form=form,
                           errors=errors, error=error, **ctx), status


@bp.post("/admin/users/<int:user_id>/toggle")
@login_required
def admin_toggle(user_id):
    require_role("admin")

    s = db()
    user = s.get(User, user_id)
    if user is None:
        from marketplace.errors import NotFound

        raise NotFound("用户", "user")
    accounts.admin_update_user(s, current_user, user_id, UserPatch(is_active=not user.is_active))
    return redirect(url_for("pages.admin_users"))


# --- my data (PIPL) -------------------------------------------------------------------

@bp.route("/me/data", methods=["GET", "POST"])
@login_required
def my_data():
    require_role("person")

    if request.method == "GET":
        if request.args.get("download") == "1":
            import json

            from flask import Response

            body = json.dumps(privacy.export(db(), cipher(), current_user), ensure_ascii=False, indent=2)
            return Response(body, mimetype="application/json",
                            headers={"Content-Disposition": "attachment; filename=my-data.json"})
        return render_template("person/data.html")
    try:
        privacy.delete_account(db(), current_user, request.form.get("password", ""))
    except DomainError as exc:
        return render_template("person/data.html", error=message(exc)), exc.status
    logout_user()
    flash(_("Your account and personal data were deleted."), "ok")
    return redirect(url_for("pages.home"))


# --- matching -------------------------------------------------------------------------

def _lang_text(d: dict | None) -> str:
    if not d:
        return ""
    return d.get("zh" if current_lang() == "zh" else "en", "")


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
    return render_template("person/recommendations.html", result=result, items=result["items"], total=result["total"],
                           page=page, per_page=per_page, kind=kind, kinds=options("kind"), text=_lang_text)


@bp.get("/employer/postings/<int:posting_id>/candidates")
@login_required
def employer_candidates(posting_id):
    require_role("employer", "agency")

    s = db()
    p = postings.own_posting(s, current_user, posting_id)
    page, per_page = page_args(10)
    result = recommend.candidates(s, runtime(), current_user, posting_id, offset=(page - 1) * per_page, limit=per_page,
                                  include_ineligible=request.args.get("all") == "1")
    existing = {a.profile_id: a.stage for a in s.scalars(select(Application).where(Application.posting_id == p.id))}
    return render_template("employer/candidates.html", p=p, items=result["items"], total=result["total"],
                           excluded=result["excluded"], page=page, per_page=per_page, existing=existing, text=_lang_text)


@bp.post("/employer/postings/<int:posting_id>/invite/<int:profile_id>")
@login_required
def employer_invite(posting_id, profile_id):
    require_role("employer", "agency")
    try:
        applications.invite(db(), current_user, posting_id, profile_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(message(exc), "error")
        return redirect(url_for("pages.employer_candidates", posting_id=posting_id)), 303
    flash(_("Invitation sent. The person will see it under My applications."), "ok")
    return redirect(url_for("pages.employer_candidates", posting_id=posting_id))


@bp.get("/people")
@login_required
def people_search():
    """Employers and caseworkers search people who consented to be found."""
    require_role("employer", "agency", "caseworker", "admin")

    q = _norm((request.args.get("q") or "").strip())[:100]
    district = request.args.get("district") if request.args.get("district") in DISTRICTS else None
    education = request.args.get("education", "")
    education = int(education) if education.isdigit() and int(education) <= 7 else None
    page, per_page = page_args()
    result = searching.search_profiles(db(), runtime(), current_user, q=q, district=district,
                                       education_min=education, page=page, per_page=per_page)
    notice = result.notice[0 if current_lang() == "zh" else 1] if result.notice else None
    items = [profiles.profile_to_dict(p, cipher(), current_user) for p in result.items]
    return render_template("people.html", items=items, total=result.total, page=page, per_page=per_page, q=q,
                           district=district, education=education, districts=[(d, d) for d in DISTRICTS],
                           educations=[(k, education_name(k)) for k in EDUCATION_LEVELS if k], facets=result.facets,
                           notice=notice)
