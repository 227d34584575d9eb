"""Verification codes printed on documents a third party checks (``/verify/<code>``).

A code is the kind's prefix, the record id and a keyed MAC of both: ``SY42-7KQ3M9XA2D``.
Nothing is stored: the MAC, keyed by a key derived from the installation's data key (which
never rotates, as the encrypted ID numbers depend on it), proves the office issued it, and
the record itself says whether it is still valid. A guessed or altered code fails the MAC;
the check page then says only "not a valid code" (no record is looked up)."""
from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app

#: Code prefix of each kind that carries a code.
PREFIXES = {"unemployment_certificate": "SY"}
_KINDS = {v: k for k, v in PREFIXES.items()}
MAC_CHARS = 10


def _key() -> bytes:
    return hashlib.sha256(b"document-code:" + current_app.config["MARKETPLACE"].data_key).digest()


def _mac(kind: str, record_id: int) -> str:
    digest = hmac.new(_key(), f"{kind}:{record_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:MAC_CHARS]


def make(kind: str, record_id: int) -> str:
    return f"{PREFIXES[kind]}{record_id}-{_mac(kind, record_id)}"


def parse(code: str) -> tuple[str, int] | None:
    """(kind, record_id) of a genuine code; None for anything else."""
    code = (code or "").strip().upper()
    head, sep, mac = code.partition("-")
    prefix, digits = head[:2], head[2:]
    kind = _KINDS.get(prefix)
    if not sep or kind is None or not digits.isdigit() or len(digits) > 12:
        return None
    record_id = int(digits)
    if not hmac.compare_digest(mac, _mac(kind, record_id)):
        return None
    return kind, record_id
