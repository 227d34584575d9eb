"""The notification centre's pages (every signed-in role): the list, mark read, mark all
read, and the settings (channels, phone and e-mail verified by a code). The bell in the
navigation gets its count from :func:`bell_count`, a context processor."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import clock
from marketplace.errors import DomainError
from marketplace.notifications import contacts, registry, service
from marketplace.web import cipher, db
from marketplace.web.forms import field_errors, local_url, message
from marketplace.web.i18n import current_lang

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.app_context_processor
def bell_count():
    """``notification_unread`` for the bell in base.html (None when nobody is signed in)."""
    try:
        signed_in = current_user.is_authenticated
    except Exception:  # a page rendered outside a request with a user (an error page)
        signed_in = False
    if not signed_in:
        return {"notification_unread": None}
    return {"notification_unread": service.unread_count(db(), current_user)}


@bp.get("/notifications")
@login_required
def centre():
    lang = current_lang()
    items = [dict(service.to_dict(n, lang), shown_at=clock.local_time(n.created_at, "%Y-%m-%d %H:%M"))
             for n in service.centre(db(), current_user, 100)]
    return render_template("notifications/centre.html", items=items)


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_one(notification_id):
    n = service.mark_read(db(), current_user, notification_id)
    return redirect(local_url(n.link, url_for("notifications.centre")))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    service.mark_all_read(db(), current_user)
    flash(_("All notifications marked read."), "ok")
    return redirect(url_for("notifications.centre"))


def _settings(errors=None, error=None, status=200):
    view = contacts.settings_view(db(), cipher(), current_user)
    lang = current_lang()
    kinds = sorted((k.label(lang), ", ".join(c for c in k.channels if c != "app"))
                   for k in registry.registered().values())
    return render_template("notifications/settings.html", view=view, kinds=kinds, errors=errors or {},
                           error=error), status


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "GET":
        return _settings()
    f = request.form
    action = f.get("action", "")
    try:
        if action == "channels":
            contacts.set_channels(db(), current_user, f.get("sms") == "1", f.get("email") == "1")
            flash(_("Your choice is saved."), "ok")
        elif action == "add":
            contacts.add(db(), cipher(), current_user, f.get("channel", ""), f.get("address", ""))
            flash(_("A code was sent. Type it below to confirm."), "ok")
        elif action == "confirm":
            contacts.confirm(db(), current_user, f.get("channel", ""), f.get("code", ""))
            flash(_("Confirmed. You can now choose this channel."), "ok")
        else:
            return redirect(url_for("notifications.settings"))
    except DomainError as exc:
        if action == "confirm":
            contacts.keep_failures(db())  # wrong codes count although the answer is a refusal
        return _settings(field_errors(exc), message(exc), exc.status)
    return redirect(url_for("notifications.settings"))
