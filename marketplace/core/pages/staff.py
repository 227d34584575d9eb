"""Staff pages: the caseworker's desk (profiles, category confirmation), the admin's
accounts, and the people search for employers and caseworkers."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core import accounts, profiles, searching
from marketplace.core.models import CATEGORIES, DISTRICTS, EDUCATION_LEVELS
from marketplace.core.pages.common import bp, norm
from marketplace.core.pages.person import _profile_ctx, _profile_form_data, _profile_form_from
from marketplace.core.schemas import ProfileIn, UserIn, validate
from marketplace.db import paginate
from marketplace.errors import DomainError, ValidationFailed
from marketplace.web import cipher, db, runtime
from marketplace.web.forms import _opt, education_name, field_errors, message, name_of, page_args, require_role
from marketplace.web.i18n import current_lang


@bp.get("/caseworker")
@login_required
def caseworker_home():
    require_role("caseworker", "admin")
    q = norm(request.args.get("q", ""))[:64]
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
    accounts.admin_toggle_user(db(), current_user, user_id)
    return redirect(url_for("pages.admin_users"))


@bp.get("/people")
@login_required
def people_search():
    """Employers and caseworkers search people who consented to be found."""
    require_role("employer", "agency", "caseworker", "admin")

    q = norm((request.args.get("q") or "").strip())[:100]
    district = request.args.get("district") if request.args.get("district") in DISTRICTS else None
    education = request.args.get("education", "")
    education = int(education) if education in tuple("01234567") else None
    page, per_page = page_args()
    result = searching.search_profiles(db(), runtime(), current_user, q=q, district=district,
                                       education_min=education, page=page, per_page=per_page)
    notice = result.notice[0 if current_lang() == "zh" else 1] if result.notice else None
    items = [profiles.profile_to_dict(p, cipher(), current_user) for p in result.items]
    return render_template("people.html", items=items, total=result.total, page=page, per_page=per_page, q=q,
                           district=district, education=education, districts=[(d, d) for d in DISTRICTS],
                           educations=[(k, education_name(k)) for k in EDUCATION_LEVELS if k], facets=result.facets,
                           notice=notice)
