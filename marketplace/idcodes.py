"""Check digits of Chinese identifiers (pure functions).

* Resident ID number (GB 11643-1999): 17 digits + check character (ISO 7064 MOD 11-2,
  ``X`` for 10); the birth date inside must be a real date.
* Unified social credit code (GB 32100-2015): 18 characters from a 31-character alphabet
  (no I, O, S, V, Z); the last is a MOD 31 check character.
"""
from __future__ import annotations

import datetime as dt
import re

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def id_number_problem(value: str) -> str | None:
    """None when ``value`` is a valid 18-character ID number, else a short reason code:
    ``format``, ``birth_date`` or ``check_digit``."""
    if not re.fullmatch(r"\d{17}[\dX]", value or ""):
        return "format"
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birth_date"
    total = sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS))
    if _ID_CHECK[total % 11] != value[17]:
        return "check_digit"
    return None


def id_number_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def id_birth_date(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_gender(value: str) -> str:
    """``男`` or ``女`` from the 17th digit (odd: male)."""
    return "男" if int(value[16]) % 2 else "女"


def credit_code_problem(value: str) -> str | None:
    """None when ``value`` is a valid unified social credit code, else ``format`` or
    ``check_digit``."""
    if not value or len(value) != 18 or any(c not in _USCC_ALPHABET for c in value):
        return "format"
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(value[:17], _USCC_WEIGHTS))
    if _USCC_ALPHABET[(31 - total % 31) % 31] != value[17]:
        return "check_digit"
    return None


def credit_code_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31]
