"""The person's "my data" page (PIPL): download everything held about them, or delete it."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from marketplace import clock
from marketplace.core import accounts
from marketplace.errors import DomainError
from marketplace.privacy import operations as privacy
from marketplace.privacy.readable import readable
from marketplace.web import cipher, client_address, db, login_limits
from marketplace.web.forms import message, require_role
from marketplace.web.i18n import current_lang

bp = Blueprint("privacy", __name__, template_folder="templates")


def _retention_years() -> int:
    """How long claim evidence outlives a deletion (``internships.evidence``), for the notice."""
    return clock.current_config().EVIDENCE_RETENTION_YEARS


@bp.route("/me/data", methods=["GET", "POST"])
@login_required
def my_data():
    require_role("person")
    if request.method == "GET":
        if request.args.get("download") == "1":
            body = json.dumps(privacy.export(db(), cipher(), current_user), ensure_ascii=False, indent=2)
            return Response(body, mimetype="application/json",
                            headers={"Content-Disposition": "attachment; filename=my-data.json"})
        return render_template("person/data.html", retention_years=_retention_years(),
                               data=readable(privacy.export(db(), cipher(), current_user), current_lang()))
    try:
        privacy.delete_account(db(), current_user, request.form.get("password", ""), client_address(), login_limits())
    except DomainError as exc:
        accounts.keep_failed_login(db())  # the throttle's counts stay although the request is refused
        return render_template("person/data.html", error=message(exc), retention_years=_retention_years(),
                               data=readable(privacy.export(db(), cipher(), current_user), current_lang())), exc.status
    logout_user()
    flash(_("Your account and personal data were deleted."), "ok")
    return redirect(url_for("pages.home"))
