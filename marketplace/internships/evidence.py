"""Evidence a claim carries: attendance records (考勤), the labour contract, the
social-insurance payment record, as the claim's policy set lists per claim kind
(``PolicySet.evidence_required``; a set that does not list it requires none).

Uploads: PDF, JPEG or PNG of at most ``MAX_BYTES``, the type decided by the content's magic
bytes (the name and the browser's declared type are ignored); images are decoded and
re-encoded with Pillow (which drops anything hidden after or inside them: metadata, a
script appended to a PNG); everything is stored under ``<instance>/evidence/`` (outside the
web root) under a random name. Served only to the claiming unit's staff and the caseworkers
who may see the claim (``get_claim``: 404 for everyone else).

Retention: evidence is the unit's record of public money. It is kept
``EVIDENCE_RETENTION_YEARS`` (config, default 5) after its upload, even after the person asks
for deletion (``on_person_deleted`` then restricts it to caseworkers), and the periodic task
``marketplace.internships_evidence_purge`` removes the file at the period's end (the row stays,
saying it was removed)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
import warnings
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import clock, policies
from marketplace import policy as pol
from marketplace.core import audit
from marketplace.core.models import User, utcnow
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.internships.agreements import EMPLOYER_ROLES, visible_to
from marketplace.internships.models import ClaimEvidence, SubsidyClaim
from marketplace.policy import add_months
from marketplace.policy.policy_set import EVIDENCE_KINDS

MAX_BYTES = 10 * 1024 * 1024
#: the largest image (in pixels) decoded for re-encoding; beyond it a "decompression bomb"
MAX_PIXELS = 50_000_000
#: states in which the unit may still add papers: before submission, and after a refusal
#: that it answers by resubmitting
OPEN_STATES = ("draft", "rejected")
REVIEWERS = ("caseworker", "admin")


def kind_name(kind: str) -> str:
    return EVIDENCE_KINDS.get(kind, (kind, kind))[0]


def folder() -> Path:
    path = Path(clock.current_config().INSTANCE_DIR) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sniff(data: bytes) -> str | None:
    """The content type by magic bytes, or None for anything but PDF, PNG and JPEG."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def get_claim(session: Session, actor: User, claim_id: int, lock: bool = False) -> SubsidyClaim:
    """The claim by the claims' own rule (``agreements.visible_to``; 404 for others)."""
    c = session.get(SubsidyClaim, claim_id, with_for_update=lock or None, populate_existing=lock)
    if c is None or not visible_to(actor, c):
        raise NotFound("补贴申领", "subsidy claim")
    return c


def _refuse(zh: str, en: str) -> ValidationFailed:
    return ValidationFailed(zh, en, field="file")


def _reencode(data: bytes, content_type: str) -> bytes:
    fmt = "PNG" if content_type == "image/png" else "JPEG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format != fmt:
                    raise _refuse("图片内容与其格式不符", "the image's content does not match its format")
                if img.width * img.height > MAX_PIXELS:
                    raise _refuse("图片尺寸过大", "the image has too many pixels")
                img.load()
                clean = img.convert("RGBA" if fmt == "PNG" and img.mode in ("RGBA", "LA", "P") else "RGB")
    except ValidationFailed:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("图片无法读取（文件已损坏或不是图片）", "the image cannot be read (damaged, or not an image)") from None
    out = io.BytesIO()
    clean.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {"optimize": True}))
    return out.getvalue()


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise _refuse("PDF 文件不完整", "the PDF file is incomplete")


def _open_claim(session: Session, actor: User, claim_id: int) -> SubsidyClaim:
    if actor.role not in EMPLOYER_ROLES:
        raise Forbidden("只有申领单位可以上传材料", "only the claiming unit uploads evidence")
    c = get_claim(session, actor, claim_id, lock=True)
    if c.state not in OPEN_STATES:
        raise Conflict("申领已提交，不能再更改材料；如被驳回，可补充材料后重新提交",
                       "the claim is submitted: its evidence cannot change now (after a refusal it can)",
                       field="state")
    return c


def upload(session: Session, actor: User, claim_id: int, kind: str, filename: str, data: bytes,
           today: dt.date | None = None) -> ClaimEvidence:
    """Store one paper for the claim (the unit's own, in draft or after a refusal)."""
    today = today or clock.today()
    c = _open_claim(session, actor, claim_id)
    if kind not in EVIDENCE_KINDS:
        raise ValidationFailed("材料类别应为考勤记录、劳动合同或社会保险缴费记录",
                               "kind must be attendance, labour_contract or social_insurance", field="kind")
    if not data:
        raise _refuse("请选择要上传的文件", "choose a file to upload")
    if len(data) > MAX_BYTES:
        raise _refuse("文件超过 10 MB", "the file is larger than 10 MB")
    content_type = sniff(data)
    if content_type is None:
        raise _refuse("只接受 PDF、JPEG 或 PNG 文件（按文件内容判断，而非文件名）",
                      "only PDF, JPEG or PNG files are accepted (judged by the content, not the name)")
    if content_type == "application/pdf":
        _check_pdf(data)
    else:
        data = _reencode(data, content_type)
    stored = secrets.token_hex(16)
    (folder() / stored).write_bytes(data)
    years = clock.current_config().EVIDENCE_RETENTION_YEARS
    ev = ClaimEvidence(claim_id=c.id, kind=kind, stored_name=stored, original_name=(filename or "")[:200],
                       content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                       uploaded_by_id=actor.id, retain_until_on=add_months(today, 12 * years))
    session.add(ev)
    session.flush()
    audit.record(session, actor, "claim_evidence", ev.id, "upload",
                 after={"claim_id": c.id, "kind": kind, "sha256": ev.sha256, "size": ev.size})
    return ev


def evidence_of(session: Session, claim: SubsidyClaim) -> list[ClaimEvidence]:
    return list(session.scalars(select(ClaimEvidence).where(ClaimEvidence.claim_id == claim.id)
                                .order_by(ClaimEvidence.id)))


def papers_for(session: Session, actor: User, claims: list[SubsidyClaim]) -> dict[int, dict]:
    """For a page's claims: {claim id: {"papers": [...], "missing": [names]}} (the missing
    ones by the claim's own set, for drafts and refused claims)."""
    from_set = {}
    out = {}
    for c in claims:
        papers = [ev for ev in evidence_of(session, c) if _readable(actor, ev) and ev.removed_at is None]
        lacking: list[str] = []
        if c.state in OPEN_STATES:
            # the version that priced the claim (stored in the database), else the city's set in force
            key = (c.policy_set, c.policy_version)
            if key not in from_set:
                from_set[key] = (policies.named(c.policy_set, c.policy_version, session) if c.policy_set
                                 else policies.in_force(None, session))
            have = {ev.kind for ev in papers}
            lacking = [kind_name(k) for k in from_set[key].evidence_required(c.kind) if k not in have]
        out[c.id] = {"papers": papers, "missing": lacking}
    return out


def _readable(actor: User, ev: ClaimEvidence) -> bool:
    return not ev.restricted or actor.role in REVIEWERS


def list_for(session: Session, actor: User, claim_id: int) -> list[dict]:
    c = get_claim(session, actor, claim_id)
    return [to_dict(ev) for ev in evidence_of(session, c) if _readable(actor, ev)]


def get_file(session: Session, actor: User, evidence_id: int) -> tuple[ClaimEvidence, bytes]:
    """The paper and its bytes, for the claim's readers (404 for everyone else, and for a
    removed file); the reading is audited."""
    ev = session.get(ClaimEvidence, evidence_id)
    if ev is None:
        raise NotFound("申领材料", "claim evidence")
    get_claim(session, actor, ev.claim_id)  # the claim's own rule: 404 for those who may not see it
    if not _readable(actor, ev) or ev.removed_at is not None:
        raise NotFound("申领材料", "claim evidence")
    data = (folder() / ev.stored_name).read_bytes()
    audit.record(session, actor, "claim_evidence", ev.id, "read")
    return ev, data


def missing(session: Session, claim: SubsidyClaim, ps: pol.PolicySet) -> list[str]:
    """The evidence codes the claim's policy set ``ps`` requires and the claim lacks."""
    required = ps.evidence_required(claim.kind)
    have = {ev.kind for ev in evidence_of(session, claim) if ev.removed_at is None}
    return [k for k in required if k not in have]


def require(session: Session, claim: SubsidyClaim, ps: pol.PolicySet) -> None:
    """Refuse a submission that lacks required evidence, naming each paper."""
    lacking = missing(session, claim, ps)
    if lacking:
        zh = "、".join(kind_name(k) for k in lacking)
        en = ", ".join(EVIDENCE_KINDS[k][1] for k in lacking)
        raise Conflict(f"缺少申领材料：{zh}。请上传后再提交", f"evidence missing: {en}; upload it, then submit",
                       field="evidence")


def to_dict(ev: ClaimEvidence) -> dict:
    return {"id": ev.id, "claim_id": ev.claim_id, "kind": ev.kind, "kind_name": kind_name(ev.kind),
            "original_name": ev.original_name, "content_type": ev.content_type, "size": ev.size,
            "uploaded_at": ev.uploaded_at.isoformat(), "retain_until_on": ev.retain_until_on.isoformat(),
            "restricted": ev.restricted, "removed": ev.removed_at is not None}


# --- retention ------------------------------------------------------------------------

def on_person_deleted(session: Session, profile, **_kw) -> None:
    """``hooks.person_deleted``: the evidence of the person's claims is kept (the unit's record
    of public money) but restricted to caseworkers until its retention period ends."""
    for ev in session.scalars(select(ClaimEvidence).join(SubsidyClaim, SubsidyClaim.id == ClaimEvidence.claim_id)
                              .where(SubsidyClaim.profile_id == profile.id, ClaimEvidence.restricted.is_(False))):
        ev.restricted = True
    session.flush()


def purge(session: Session, today: dt.date) -> int:
    """Remove the files whose retention period has ended; idempotent (a removed one is
    skipped, a file already gone is fine)."""
    done = 0
    for ev in session.scalars(select(ClaimEvidence).where(ClaimEvidence.retain_until_on < today,
                                                           ClaimEvidence.removed_at.is_(None))):
        (folder() / ev.stored_name).unlink(missing_ok=True)
        ev.removed_at = utcnow()
        audit.record(session, None, "claim_evidence", ev.id, "retention_removed",
                     reason=f"保存期满（{ev.retain_until_on.isoformat()}）")
        done += 1
    session.flush()
    return done
