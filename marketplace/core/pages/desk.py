"""The caseworker's desk for one person (issue 16): ONE page per person, in sections
(profile, categories and verification, applications, internships and claims, contact and
follow-up, corrections), the areas adding theirs through ``hooks.person_page`` (welfare:
registration, status, referrals, placements, follow-ups). The walk-in registration form.

The old addresses stay: ``/caseworker/profiles/<id>`` (the profile form's own POST, and a
302 to the person's page on GET) and welfare's ``/welfare/people/<id>`` (a 302 here)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core import profiles, screens
from marketplace.core.models import CATEGORIES, PURPOSES
from marketplace.core.pages.common import bp, lang_text, norm
from marketplace.core.pages.person import _profile_ctx, _profile_form_data, _profile_form_from
from marketplace.core.schemas import ProfileIn, validate
from marketplace.errors import DomainError, ValidationFailed
from marketplace.web import cipher, db
from marketplace.web.forms import field_errors, message, require_role
from marketplace.web.i18n import current_lang

STAFF = ("caseworker", "admin")


def _sections() -> list[dict]:
    """The core's sections of the page, in order; an area's part names one to join, or
    brings a panel of its own placed by its ``order``."""
    return [{"key": "profile", "order": 10, "title": _("Profile"), "include": "caseworker/_person_profile.html"},
            {"key": "categories", "order": 20, "title": _("Categories and verification"),
             "include": "caseworker/_person_categories.html"},
            {"key": "applications", "order": 40, "title": _("Applications"),
             "include": "caseworker/_person_applications.html"},
            {"key": "internships", "order": 60, "title": _("Internships and subsidy claims"), "include": None},
            {"key": "contact", "order": 70, "title": _("Contact and follow-up"),
             "include": "caseworker/_person_contact.html"},
            {"key": "corrections", "order": 80, "title": _("Corrections"),
             "include": "caseworker/_person_corrections.html"}]


def _title(t) -> str:
    return t if isinstance(t, str) else lang_text(t)


def _arrange(parts: list[dict]) -> list[dict]:
    """The page's panels: the core's sections with the areas' parts that join them, and the
    areas' own panels, by order; a core section with nothing to show (no include, no part)
    is left out."""
    sections = {s["key"]: dict(s, parts=[]) for s in _sections()}
    for part in parts:
        key = part.get("section") or "other"
        if key not in sections:
            sections[key] = {"key": key, "order": part.get("order", 100), "title": _title(part.get("title", "")),
                             "include": None, "parts": []}
        sections[key]["parts"].append(part)
    return sorted((s for s in sections.values() if s["include"] or s["parts"]), key=lambda s: s["order"])


def _person_page(profile_id: int, form: dict | None = None, errors: dict | None = None, error: str | None = None,
                 status: int = 200):
    s = db()
    view = screens.caseworker_person_page(s, current_user, profile_id, dict(request.args))
    p = view["profile"]
    return render_template(
        "caseworker/person.html", **view, sections=_arrange(view["parts"]), title=p.name,
        form=form if form is not None else _profile_form_from(p, staff=True), errors=errors or {}, error=error,
        duplicate=getattr(errors, "duplicate", None), purposes=[(k, v[0] if current_lang() == "zh" else v[1]) for k, v in PURPOSES.items()],
        **_profile_ctx(p, staff=True)), status


@bp.get("/caseworker/people/<int:profile_id>")
@login_required
def caseworker_person(profile_id):
    """The caseworker's one page of a person."""
    require_role(*STAFF)
    return _person_page(profile_id)


@bp.route("/caseworker/profiles/<int:profile_id>", methods=["GET", "POST"])
@login_required
def caseworker_profile(profile_id):
    """GET: the old address of the profile page, now a section of the person's page (302).
    POST: the profile form's correction (with its reason); a refusal shows the page again
    with the typed form and each problem beside its field."""
    require_role(*STAFF)
    s = db()
    p = profiles.get_profile(s, current_user, profile_id)  # 404 before any redirect
    if request.method == "GET":
        return redirect(url_for("pages.caseworker_person", profile_id=p.id, **request.args))
    data = _profile_form_data(request.form)
    if not data["birth_on"]:
        data["birth_on"] = p.birth_on.isoformat()  # left blank: the date on file stays
    try:
        profiles.caseworker_save_profile(s, cipher(), current_user, profile_id, validate(ProfileIn, data),
                                         reason=norm(request.form.get("reason", "")).strip()[:500])
    except DomainError as exc:
        if exc.status == 404:
            raise
        form = dict(request.form, category_list=request.form.getlist("category"), published=data["published"])
        return _person_page(profile_id, form, _Errors(exc), message(exc), exc.status)
    flash(_("Profile saved."), "ok")
    return redirect(url_for("pages.caseworker_person", profile_id=profile_id) + "#profile")


class _Errors(dict):
    """The form's errors beside their fields, and the existing record an ID number clash
    found (``profiles``: a person the caseworker may see, else only the district)."""

    def __init__(self, exc: DomainError):
        super().__init__(field_errors(exc))
        self.duplicate = next((d for d in exc.details if d.get("code") == "id_number_registered"), None)


@bp.route("/caseworker/profiles/new", methods=["GET", "POST"])
@login_required
def caseworker_new_profile():
    """A person registered at the desk (walk-in). An ID number already on file is refused:
    nothing is created, the typed form is kept, and the refusal links to that person's page
    when the caseworker may see them, else names only the district to contact."""
    require_role(*STAFF)
    ctx = _profile_ctx(None, staff=True)
    if request.method == "GET":
        return render_template("caseworker/walk_in.html", form={"district": current_user.district, "category_list": []},
                               errors={}, title=_("Register a person"), **ctx)
    data = _profile_form_data(request.form)
    try:
        p = profiles.caseworker_save_profile(db(), cipher(), current_user, None, validate(ProfileIn, data))
    except DomainError as exc:
        if exc.status == 404:
            raise
        errors = _Errors(exc)
        form = dict(request.form, category_list=request.form.getlist("category"), published=data["published"])
        return render_template("caseworker/walk_in.html", form=form, errors=errors, error=message(exc),
                               duplicate=errors.duplicate, title=_("Register a person"), **ctx), exc.status
    flash(_("Profile saved."), "ok")
    return redirect(url_for("pages.caseworker_person", profile_id=p.id))


@bp.post("/caseworker/profiles/<int:profile_id>/confirm/<category>")
@login_required
def caseworker_confirm(profile_id, category):
    require_role(*STAFF)
    if category not in CATEGORIES:
        raise ValidationFailed("未知类别", "unknown category", field="category")
    profiles.confirm_category(db(), current_user, profile_id, category)
    return redirect(url_for("pages.caseworker_person", profile_id=profile_id) + "#categories")
