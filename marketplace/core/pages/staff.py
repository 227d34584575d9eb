"""Staff pages: the caseworker's district list and ID-number duplicates, the admin's
accounts, and the people search for employers and caseworkers (a person's page and the
walk-in registration: ``desk``)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core import accounts, id_duplicates, profiles, searching, verification
from marketplace.core.models import DISTRICTS, EDUCATION_LEVELS, ROLES
from marketplace.core.pages.common import bp, norm
from marketplace.core.schemas import DuplicateResolution, UserIn, UserPatch, validate
from marketplace.db import paginate
from marketplace.errors import DomainError
from marketplace.web import cipher, db, runtime
from marketplace.web.forms import (
    _opt,
    act_then_back,
    education_name,
    field_errors,
    message,
    name_of,
    page_args,
    require_role,
    whole_number,
)
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


@bp.get("/caseworker/id-duplicates")
@login_required
def caseworker_id_duplicates():
    """ID numbers typed by people of the district that another profile already holds."""
    require_role("caseworker", "admin")
    page, per_page = page_args()
    items, total = paginate(db(), id_duplicates.open_duplicates(db(), current_user), page, per_page)
    items = [id_duplicates.duplicate_to_dict(d, cipher(), current_user) for d in items]
    return render_template("caseworker/id_duplicates.html", items=items, total=total, page=page, per_page=per_page)


@bp.post("/caseworker/id-duplicates/<int:duplicate_id>")
@login_required
def caseworker_resolve_id_duplicate(duplicate_id):
    require_role("caseworker", "admin")
    data = {"resolution": request.form.get("resolution", ""), "note": request.form.get("note", "")}

    def run():
        d = validate(DuplicateResolution, data)
        id_duplicates.resolve(db(), cipher(), current_user, duplicate_id, d.resolution, d.note)

    return act_then_back(run, url_for("pages.caseworker_id_duplicates"), _("Duplicate ID number resolved."))


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
    a = request.args
    org_arg = a.get("organisation_id", "")
    filters = {"role": a.get("role") if a.get("role") in ROLES else None,
               "organisation_id": whole_number(org_arg, 1),
               "district": a.get("district") if a.get("district") in DISTRICTS else None,
               "q": norm(a.get("q", "")).strip()[:64]}
    page, per_page = page_args(50)
    items, total = paginate(s, accounts.admin_list_users(s, current_user, **filters), page, per_page)
    return render_template("admin/users.html", items=items, total=total, page=page, per_page=per_page, form=form,
                           errors=errors, error=error, filters=filters, all_roles=[(k, name_of("role", k)) for k in ROLES],
                           organisations=[(o.id, o.name) for o in accounts.admin_organisations(s, current_user)],
                           **ctx), status


@bp.post("/admin/users/<int:user_id>/toggle")
@login_required
def admin_toggle(user_id):
    require_role("admin")
    accounts.admin_toggle_user(db(), current_user, user_id)
    return redirect(url_for("pages.admin_users"))


def _admin_user_page(user, errors=None, error=None, status=200):
    s = db()
    return render_template("admin/user.html", u=user, errors=errors or {}, error=error,
                           roles=[(k, name_of("role", k)) for k in ROLES], districts=[(d, d) for d in DISTRICTS],
                           organisations=[(o.id, o.name) for o in accounts.admin_organisations(s, current_user)]), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def admin_user(user_id):
    """An admin edits an account: name, role, district, organisation, active (audited)."""
    require_role("admin")
    s = db()
    user = accounts.admin_get_user(s, current_user, user_id)
    if request.method == "GET":
        return _admin_user_page(user)
    f = request.form
    data = {"display_name": f.get("display_name", ""), "role": f.get("role", ""), "district": _opt(f.get("district")),
            "organisation_id": _opt(f.get("organisation_id")), "is_active": f.get("is_active") == "1"}
    try:
        accounts.admin_update_user(s, current_user, user_id, validate(UserPatch, data))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _admin_user_page(user, field_errors(exc), message(exc), exc.status)
    flash(_("Account saved."), "ok")
    return redirect(url_for("pages.admin_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/<any(password, 'sign-out'):action>")
@login_required
def admin_user_action(user_id, action):
    """An admin sets a temporary password (changed at the next login) or signs the account
    out everywhere; both end its sessions and revoke its API tokens."""
    require_role("admin")
    s = db()
    try:
        if action == "password":
            accounts.admin_reset_password(s, current_user, user_id, request.form.get("password", ""))
            flash(_("Temporary password set. The person must choose a new one at the next login."), "ok")
        else:
            accounts.admin_sign_out(s, current_user, user_id)
            flash(_("Signed out everywhere: sessions ended and API tokens revoked."), "ok")
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _admin_user_page(accounts.admin_get_user(s, current_user, user_id), field_errors(exc), message(exc),
                                exc.status)
    return redirect(url_for("pages.admin_user", user_id=user_id))


@bp.get("/people")
@login_required
def people_search():
    """Employers and caseworkers search people who consented to be found."""
    require_role("employer", "agency", "caseworker", "admin")
    verification.require_verified(current_user)  # the employer's entry point; scoping is searching's
    q = norm((request.args.get("q") or "").strip())[:100]
    district = request.args.get("district") if request.args.get("district") in DISTRICTS else None
    education = request.args.get("education", "")
    education = int(education) if education in tuple("01234567") else None
    page, per_page = page_args()
    result = searching.search_profiles(db(), runtime(), current_user, q=q, district=district,
                                       education_min=education, page=page, per_page=per_page,
                                       facets=("district",))  # the page shows the districts' counts only
    notice = result.notice[0 if current_lang() == "zh" else 1] if result.notice else None
    items = [profiles.profile_to_dict(p, cipher(), current_user) for p in result.items]
    return render_template("people.html", items=items, total=result.total, page=page, per_page=per_page, q=q,
                           district=district, education=education, districts=[(d, d) for d in DISTRICTS],
                           educations=[(k, education_name(k)) for k in EDUCATION_LEVELS if k], facets=result.facets,
                           notice=notice)
