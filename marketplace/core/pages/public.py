"""Public pages: home, the postings list and a posting (apply), login, logout, register."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

import chinese
from marketplace import clock
from marketplace.core import accounts, applications, eligibility, saved_searches, screens, searching
from marketplace.core.models import DISTRICTS, EDUCATION_LEVELS, KINDS
from marketplace.core.pages.common import bp, landing_url, lang_text, norm
from marketplace.core.pages.verification import ask_form_data
from marketplace.core.schemas import RegisterEmployer, RegisterPerson, validate
from marketplace.errors import DomainError, ValidationFailed
from marketplace.web import client_address, db, login_limits, runtime, session_key, sign_in, sign_out
from marketplace.web.forms import education_name, field_errors, local_url, message, options, page_args, require_role
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
    salary = request.args.get("salary_min", "")
    salary_min = int(salary) if salary.isascii() and salary.isdigit() and int(salary) <= 1_000_000 else None
    sort = request.args.get("sort") if request.args.get("sort") in searching.SORTS else None
    page, per_page = page_args()
    rt = runtime()
    # the light rows the API serves (cards: the template reads p.title, p.organisation.name ...),
    # with only the facet counts the page shows
    result = searching.search_posting_cards(db(), rt, searching.PostingSearch(
        q=q, kind=kind, district=district, education_max=education, salary_min=salary_min, page=page,
        per_page=per_page, sort=sort or ("relevance" if q else "date"), facets=("kind", "district")))
    page = result.page  # a page past the last was answered with the last
    notice = result.notice[0 if current_lang() == "zh" else 1] if result.notice else None
    # a signed-in person sees, on each result, whether they may apply and why not (core.eligibility)
    actor = current_user if current_user.is_authenticated else None
    verdicts = eligibility.for_person(db(), actor, result.items, clock.today())
    return render_template("postings.html", verdicts=verdicts, text=lang_text, items=result.items, total=result.total, page=page, per_page=per_page,
                           q=q, kind=kind, district=district, education=education, kinds=options("kind"),
                           districts=[(d, d) for d in DISTRICTS],
                           educations=[(k, education_name(k)) for k in EDUCATION_LEVELS if k],
                           facets=result.facets, notice=notice, exact_total=result.exact_total,
                           first_related=result.first_related,
                           can_save=actor is not None and actor.role == "person", salary_min=salary_min, sort=sort or "",
                           sorts=[("", _("Best match")), ("date", _("Newest")), ("pay", _("Highest pay"))])


bp.add_url_rule("/postings", "postings", postings_page)


@bp.post("/postings/save-search")
@login_required
def save_search():
    """Save the search on the page: new matching postings are notified at most once a day."""
    require_role("person")
    form = request.form
    filters = {"kind": form.get("kind") or None, "district": form.get("district") or None}
    for name in ("education", "salary_min"):
        raw = form.get(name, "")
        filters[name] = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 8 else None
    q = norm((form.get("q") or "").strip())
    try:
        saved_searches.save(db(), current_user, q, filters)
    except DomainError as exc:
        if exc.status >= 500:
            raise
        flash(message(exc), "error")
    else:
        flash(_("Search saved. We will tell you about new matching postings, at most once a day."), "ok")
    back = {k: v for k, v in {"q": q, **filters}.items() if v not in (None, "")}
    return redirect(url_for("pages.postings", **back)), 303


@bp.get("/postings/<int:posting_id>")
def posting(posting_id):
    actor = current_user if current_user.is_authenticated else None
    p, applied, verdict = screens.posting_page(db(), actor, posting_id)
    return render_template("posting.html", p=p, applied=applied, verdict=verdict, text=lang_text)


@bp.post("/postings/<int:posting_id>/apply")
@login_required
def apply(posting_id):
    require_role("person")
    try:
        applications.apply(db(), current_user, posting_id, chinese.tidy(request.form.get("note", ""))[:1000])
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
    try:
        user = accounts.authenticate(db(), request.form.get("username", ""), request.form.get("password", ""),
                                     client_address(), login_limits())
    except DomainError as exc:
        accounts.keep_failed_login(db())  # the failure counts must be saved although the page reports an error
        return render_template("login.html", error=message(exc), next=request.form.get("next"),
                               username=request.form.get("username", "")[:64]), exc.status
    sign_in(user)
    if user.must_change_password:
        flash(_("An administrator reset your password. Choose a new one to continue."), "warn")
        return redirect(url_for("pages.change_password"))
    # the page asked for before the login, else the role's own page
    return redirect(local_url(request.form.get("next"), landing_url(user)))


@bp.post("/logout")
def logout():
    sign_out()
    return redirect(url_for("pages.home"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    """End every session of this account (other browsers and phones too) and revoke its API tokens."""
    accounts.log_out_everywhere(db(), current_user)
    sign_out()
    flash(_("You are logged out everywhere: on every device, and every API token is revoked."), "ok")
    return redirect(url_for("pages.login"))


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "GET":
        return render_template("account/password.html", errors={})
    f = request.form
    try:
        if f.get("new_password", "") != f.get("confirm_password", ""):
            raise ValidationFailed("两次输入的新密码不一致", "the two new passwords differ", field="confirm_password")
        accounts.change_password(db(), current_user, f.get("old_password", ""), f.get("new_password", ""),
                                 client_address(), login_limits(), keep_session_key=session_key())
    except DomainError as exc:
        accounts.keep_failed_login(db())
        return render_template("account/password.html", errors=field_errors(exc), error=message(exc)), exc.status
    flash(_("Password changed. Your other sessions have ended and your API tokens are revoked."), "ok")
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
            data["organisation"] = dict(ask_form_data(f, "organisation."), **{
                k: f.get(f"organisation.{k}", "") for k in ("name", "industry", "district", "credit_code")})
            user = accounts.register_employer(db(), validate(RegisterEmployer, data))
        else:
            user = accounts.register_person(db(), validate(RegisterPerson, data))
    except DomainError as exc:
        errors = {k.replace("organisation.", "organisation."): v for k, v in field_errors(exc).items()}
        return render_template("register.html", form=f, errors=errors, error=message(exc), **ctx), exc.status
    sign_in(user)
    return redirect(url_for("pages.my_profile" if not employer else "pages.employer_home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    return _register(False)


@bp.route("/register/employer", methods=["GET", "POST"])
def register_employer():
    return _register(True)
