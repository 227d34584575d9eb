"""The hall display's pages (issue 16): the screen itself, opened by the link's secret
without logging in (``/fairs/hall/<token>``, its fragment ``?partial=1`` re-read every few
seconds by ``static/fairs_display.js``), and the organiser's page that makes, shows once and
revokes that link (``/organiser/fairs/<id>/display``). The operations are ``fairs.display``.

The secret is in the URL, so these answers carry ``Referrer-Policy: no-referrer`` (no
request from the screen names it to anyone) and ``Cache-Control: no-store``; a log line
about a failed request shows only its first characters (``web.errors``).
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.errors import DomainError
from marketplace.fairs import display
from marketplace.web import db
from marketplace.web.forms import act_then_back, message, require_role
from marketplace.web.i18n import current_lang

bp = Blueprint("fairs_display", __name__)
ORGANISER = ("organiser", "admin")
POLL_MS = 5000  # how often a screen re-reads its fragment
TOKEN_MAX = 100  # a link's secret is 43 characters; anything much longer is not one


PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _private(body: str, status: int = 200):
    """The answer with the headers a page holding (or reached by) a secret link needs."""
    return body, status, PRIVATE


def _screen(name: str, **ctx) -> str:
    """A template of the screen, rendered without the app's context processors: those serve
    the site's own pages (the training-set banner reads the policy sets) and would add
    queries to every refresh of every screen, which stays at two."""
    return current_app.jinja_env.get_template(name).render(lang=current_lang(), **ctx)


@bp.get("/fairs/hall/<token>")
def screen(token: str):
    """The fair's board for a screen in the hall: no login, no navigation; masked names and counts."""
    try:
        if len(token) > TOKEN_MAX:
            raise display.LinkGone(404)
        board = display.display_board(db(), token)
    except display.LinkGone as exc:
        return _private(_screen("fairs/display_gone.html"), exc.status)
    if request.args.get("partial") == "1":
        return _private(_screen("fairs/_display.html", b=board))
    poll = url_for("fairs_display.screen", token=token, partial=1, lang=current_lang())
    return _private(_screen("fairs/display.html", b=board, poll=poll, every=POLL_MS))


def _link_page(fair_id: int, token: str | None = None, status: int = 200, error: str | None = None):
    view = display.current_link(db(), current_user, fair_id)
    url = url_for("fairs_display.screen", token=token, _external=True) if token else None
    return _private(render_template("fairs/display_link.html", url=url, error=error, **view), status)


@bp.get("/organiser/fairs/<int:fair_id>/display")
@login_required
def link_page(fair_id: int):
    """The organiser's page of the fair's display link: whether one works, until when; make or revoke it."""
    require_role(*ORGANISER)
    return _link_page(fair_id)


@bp.post("/organiser/fairs/<int:fair_id>/display")
@login_required
def make_link(fair_id: int):
    """A new display link (the old one stops working), shown on this answer only: only its hash is kept."""
    require_role(*ORGANISER)
    try:
        _, token = display.issue_link(db(), current_user, fair_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _link_page(fair_id, status=exc.status, error=message(exc))
    return _link_page(fair_id, token=token)


@bp.post("/organiser/fairs/<int:fair_id>/display/revoke")
@login_required
def revoke_link(fair_id: int):
    """Revoke the fair's display link: the screens showing it say so at their next refresh."""
    require_role(*ORGANISER)
    return act_then_back(lambda: display.revoke_link(db(), current_user, fair_id),
                         url_for("fairs_display.link_page", fair_id=fair_id),
                         _("Display link revoked: screens showing it say so at their next refresh."))
