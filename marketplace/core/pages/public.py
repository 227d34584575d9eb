"""Public pages: home, the postings list and a posting (apply), login, logout, register."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.core import accounts, applications, screens, searching
from marketplace.core.models import DISTRICTS, EDUCATION_LEVELS, KINDS
from marketplace.core.pages.common import bp, norm, safe_next
from marketplace.core.schemas import RegisterEmployer, RegisterPerson, validate
from marketplace.errors import DomainError
from marketplace.web import db, runtime, settings
from marketplace.web.forms import education_name, field_errors, message, options, page_args, require_role
from marketplace.web.i18n import current_lang


@bp.get("/")
def home():
    latest, counts = screens.home_page(db())
    return render_template("home.html", latest=latest, counts=counts)


def postings_page():
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    district = request.args.get("district") if request.args.get("district") in DISTRICTS else None
    education = request.args.get("education", "")
    education = int(education) if education in tuple("01234567") else None
    q = norm((request.args.get("q") or "").strip())[:100]
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


@bp.get("/postings/<int:posting_id>")
def posting(posting_id):
    actor = current_user if current_user.is_authenticated else None
    p, applied = screens.posting_page(db(), actor, posting_id)
    return render_template("posting.html", p=p, applied=applied)


@bp.post("/postings/<int:posting_id>/apply")
@login_required
def apply(posting_id):
    require_role("person")
    try:
        applications.apply(db(), current_user, posting_id, norm(request.form.get("note", ""))[:1000])
    except DomainError as exc:
        if exc.status >= 500:
            raise
        flash(message(exc), "error")
        return redirect(url_for("pages.posting", posting_id=posting_id)), 303
    flash(_("Application sent. You can follow it under My applications."), "ok")
    return redirect(url_for("pages.posting", posting_id=posting_id))


# --- accounts -------------------------------------------------------------------------

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
    return redirect(safe_next(request.form.get("next")))


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
