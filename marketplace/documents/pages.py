"""The documents for a signed-in browser (``/documents/<kind>/<id>.pdf``, the same papers as
the API, linked from each area's pages) and the public check page ``/verify/<code>``, which
shows only whether a code is genuine and valid, a masked name and the dates."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from marketplace import documents
from marketplace.documents.api import pdf_response, verify_base
from marketplace.web import db

bp = Blueprint("documents", __name__, template_folder="templates")


@bp.route("/documents/<kind>/<int:record_id>.pdf")
@login_required
def document(kind: str, record_id: int):
    if kind not in documents.KINDS:
        abort(404)
    return pdf_response(*documents.fetch(db(), current_user, kind, record_id, verify_base()))


@bp.route("/verify/<code>")
def verify(code: str):
    answer = documents.check(db(), code[:64])
    return render_template("documents/verify.html", code=code[:64], answer=answer), 200 if answer else 404
