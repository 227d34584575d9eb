"""The employer's evidence form on the claims page and the papers' downloads for a
signed-in browser (the same operations as the API: ``internships.evidence``)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.errors import DomainError
from marketplace.internships import evidence
from marketplace.policy.policy_set import EVIDENCE_KINDS
from marketplace.web import db
from marketplace.web.forms import local_url, message, require_role
from marketplace.web.i18n import current_lang

bp = Blueprint("internships_evidence", __name__)


@bp.app_context_processor
def _helpers():
    lang_zh = current_lang() == "zh"
    names = [(k, zh if lang_zh else en) for k, (zh, en) in EVIDENCE_KINDS.items()]
    return {"evidence_kinds": names, "evidence_name": lambda k: dict(names).get(k, k)}


@bp.post("/employer/claims/<int:claim_id>/evidence")
@login_required
def upload(claim_id: int):
    require_role("employer", "agency")
    request.max_content_length = 2 * evidence.MAX_BYTES
    f = request.files.get("file")
    try:
        data = f.read(evidence.MAX_BYTES + 1) if f else b""
    finally:
        for part in request.files.values():
            part.close()
    # back to the page the form is on (the employer's claims, the agency's referral claims)
    back = local_url(request.form.get("back"), url_for("internships.my_claims")) + f"#claim-{claim_id}"
    try:
        evidence.upload(db(), current_user, claim_id, request.form.get("kind", ""), f.filename if f else "", data)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(message(exc), "error")
        return redirect(back)
    flash(_("Evidence uploaded."), "ok")
    return redirect(back)


@bp.get("/claims/evidence/<int:evidence_id>")
@login_required
def download(evidence_id: int):
    ev, data = evidence.get_file(db(), current_user, evidence_id)
    ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[ev.content_type]
    return Response(data, mimetype=ev.content_type, headers={
        "Content-Disposition": f'attachment; filename="evidence-{ev.id}.{ext}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})
