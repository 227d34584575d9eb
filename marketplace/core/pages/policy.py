"""The policy administrator's pages (``admin``): the sets and their versions with the
version in force on a date, a version's parameters (a draft's in a form validated like the
set files), its preview beside the version in force, activation from a date, retirement,
and the city's set. The banner that marks a training set in force on every page is here too."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import clock, policies
from marketplace.core import policy_admin, policy_form, policy_preview
from marketplace.core.pages.common import bp
from marketplace.errors import DomainError, ValidationFailed
from marketplace.web import db
from marketplace.web.forms import field_errors, message, require_role
from marketplace.web.i18n import current_lang


@bp.app_context_processor
def _training_banner():
    """Every page says so, in the page's language, while the city's set in force is a training set."""
    try:
        if policies.is_training(policies.active_name()):
            return {"training_policy": "演示/培训用，非本市现行政策" if current_lang() == "zh"
                    else "demo/training policy set, not the city's policy"}
    except Exception:  # noqa: BLE001  (a page must render even where no set is stored yet)
        pass
    return {"training_policy": None}


def _date(name: str, default: dt.date | None = None) -> dt.date | None:
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD", field=name) from None


@bp.get("/admin/policy")
@login_required
def policy_sets():
    require_role("admin")
    try:
        on = _date("on", clock.today())
    except DomainError as exc:
        flash(message(exc), "error")
        on = clock.today()
    return render_template("admin/policy_sets.html", data=policy_admin.sets_to_dict(db(), on), on=on)


@bp.post("/admin/policy/city-default")
@login_required
def policy_city_default():
    require_role("admin")
    try:
        policy_admin.set_city_default(db(), current_user, request.form.get("name", ""), clock.today())
        flash(_("The city's policy set in force was changed."), "ok")
    except DomainError as exc:
        flash(message(exc), "error")
    return redirect(url_for("pages.policy_sets"))


@bp.post("/admin/policy/<name>/copy")
@login_required
def policy_copy(name):
    require_role("admin")
    try:
        v = policy_admin.create_draft(db(), current_user, name, int(request.form.get("from_version") or 0))
    except DomainError as exc:
        flash(message(exc), "error")
        return redirect(url_for("pages.policy_sets"))
    flash(_("A draft copy was made. Edit it, preview it, then make it effective."), "ok")
    return redirect(url_for("pages.policy_version", name=name, version=v.number))


def _render_version(name: str, version: int, errors=None, error=None, typed=None, status=200):
    s, v = policy_admin.get_version(db(), name, version)
    groups = policy_form.fields(v.document)
    names = {f["name"] for g in groups for f in g["fields"]}
    # an error on a whole window is shown beside its first day
    errors = {(k if k in names or f"{k}.from" not in names else f"{k}.from"): m for k, m in (errors or {}).items()}
    if typed:
        for g in groups:
            for f in g["fields"]:
                f["value"] = typed.get(f["name"], f["value"])
    return render_template("admin/policy_version.html", s=s, v=v, groups=groups, errors=errors or {}, error=error,
                           today=clock.today(), info=policy_admin.version_to_dict(v, clock.today(), s)), status


@bp.get("/admin/policy/<name>/<int:version>")
@login_required
def policy_version(name, version):
    require_role("admin")
    return _render_version(name, version)


@bp.post("/admin/policy/<name>/<int:version>")
@login_required
def policy_save(name, version):
    require_role("admin")
    s, v = policy_admin.get_version(db(), name, version)
    try:
        rules = policy_form.read(v.document, request.form)
        policy_admin.update_draft(db(), current_user, name, version, {"rules": rules})
    except DomainError as exc:
        errors = {k.removeprefix("rules."): m for k, m in field_errors(exc).items()}
        return _render_version(name, version, errors, message(exc), request.form.to_dict(), exc.status)
    flash(_("Draft saved."), "ok")
    return redirect(url_for("pages.policy_version", name=name, version=version))


@bp.get("/admin/policy/<name>/<int:version>/preview")
@login_required
def policy_preview_page(name, version):
    require_role("admin")
    try:
        day = _date("effective_from")
        result = policy_preview.preview(db(), current_user, name, version, clock.today(), day)
    except DomainError as exc:
        flash(message(exc), "error")
        return redirect(url_for("pages.policy_version", name=name, version=version))
    return render_template("admin/policy_preview.html", name=name, version=version, p=result)


@bp.post("/admin/policy/<name>/<int:version>/activate")
@login_required
def policy_activate(name, version):
    require_role("admin")
    try:
        day = _date("effective_from")
        if day is None:
            raise ValidationFailed("请填写生效日期", "give the date it takes effect from", field="effective_from")
        policy_admin.activate(db(), current_user, name, version, day, clock.today(),
                              request.form.get("justification", ""))
    except DomainError as exc:
        return _render_version(name, version, field_errors(exc), message(exc), None, exc.status)
    flash(_("The version is effective from the date given."), "ok")
    return redirect(url_for("pages.policy_version", name=name, version=version))


@bp.post("/admin/policy/<name>/<int:version>/retire")
@login_required
def policy_retire(name, version):
    require_role("admin")
    try:
        policy_admin.retire(db(), current_user, name, version, clock.today())
        flash(_("The version was retired."), "ok")
    except DomainError as exc:
        flash(message(exc), "error")
    return redirect(url_for("pages.policy_version", name=name, version=version))
