"""Printable documents (PDF) made from records: the shared service of DESIGN.md.

It knows no area. An area registers each of its document kinds here (``register``): the
kind's name and a *build* function ``build(session, actor, record_id) -> Document`` that
loads the record through the area's own access function (so whoever may not see the record
gets that function's 404 or 403, and nothing else) and lays out the paper as plain data
(:class:`Document`). The wiring is in ``marketplace.app.connect_hooks``.

``fetch`` is the one way a document is made for a reader: it builds, renders (``render``:
ReportLab, A4, the standard CJK CID font STSong-Light, so the text is real, extractable text
and no font file or system package is needed) and writes an audit entry for the download.

A document that a third party must be able to check (the certificate of unemployment
registration) carries a verification code (``codes``): the kind's prefix, the record id and
a keyed MAC, checked on the public page ``/verify/<code>`` by the kind's registered
*verify* function, which returns only what the page may show (a masked name and dates).
"""
from __future__ import annotations

from collections.abc import Callable

from marketplace.core import audit
from marketplace.documents import codes
from marketplace.documents.render import render
from marketplace.documents.types import HEADING, KINDS, Document, Fields, Table, Text, mask_name
from marketplace.errors import NotFound

__all__ = ["HEADING", "KINDS", "Document", "Fields", "Table", "Text", "check", "fetch", "mask_name", "register", "registered"]

Build = Callable[..., Document]
_builders: dict[str, Build] = {}
_verifiers: dict[str, Callable] = {}


def register(kind: str, build: Build, verify: Callable | None = None) -> None:
    """Register ``build(session, actor, record_id) -> Document`` for ``kind`` (one of
    ``KINDS``); ``verify(session, record_id) -> dict | None`` for kinds with a verification
    code. Registering the same kind again replaces it (building several apps in one process)."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    _builders[kind] = build
    if verify is not None:
        _verifiers[kind] = verify


def registered() -> list[str]:
    return [k for k in KINDS if k in _builders]


def fetch(session, actor, kind: str, record_id: int, verify_base: str = "") -> tuple[bytes, str]:
    """The PDF of ``kind`` for record ``record_id`` as ``actor`` may see it, and its file
    name; the download is audited. 404 for a kind nobody registered."""
    build = _builders.get(kind)
    if build is None:
        raise NotFound("文件类型", "document kind")
    doc = build(session, actor, record_id)
    pdf = render(doc, verify_base)
    entity, entity_id = doc.record or (kind, record_id)
    audit.record(session, actor, entity, entity_id, "document_download",
                 after={"document": kind, "number": doc.number})
    return pdf, doc.filename


def check(session, code: str) -> dict | None:
    """What the public check page shows for ``code``: None when it is no genuine code of a
    record that still exists; otherwise the kind's verify answer (masked name, dates, valid)."""
    parsed = codes.parse(code)
    if parsed is None:
        return None
    kind, record_id = parsed
    verify = _verifiers.get(kind)
    if verify is None:
        return None
    answer = verify(session, record_id)
    if answer is None:
        return None
    return dict(answer, kind=kind, title=KINDS[kind])
