"""Calendar dates (no times) and the date arithmetic of POLICY.md section 1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")


def add_months(d: date, n: int) -> date:
    """Calendar addition clamping to the month's last day (2020-01-31 + 1 = 2020-02-29)."""
    return d + relativedelta(months=n)


def days_between(start: date, end: date) -> int:
    """Whole calendar days from `start` to `end` (negative when end is earlier)."""
    return (end - start).days


def parse_iso_date(text: str) -> date:
    """Parse exactly YYYY-MM-DD; raise ValueError otherwise.

    `date.fromisoformat` alone also accepts forms such as '20200301'; the
    contract promises ISO calendar dates, so anything else is refused.
    """
    if not isinstance(text, str) or not _ISO_DATE.match(text):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {text!r}")
    return date.fromisoformat(text)


def parse_iso_month(text: str) -> tuple[int, int]:
    """Parse YYYY-MM into (year, month)."""
    if not isinstance(text, str) or not _ISO_MONTH.match(text):
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range in {text!r}")
    return year, month


@dataclass(frozen=True)
class Window:
    """An effective window [start, end], both inclusive; None means open on that side."""

    start: date | None
    end: date | None

    def contains(self, d: date) -> bool:
        return (self.start is None or self.start <= d) and (self.end is None or d <= self.end)

    def describe(self) -> str:
        left = self.start.isoformat() if self.start else "…"
        right = self.end.isoformat() if self.end else "…"
        return f"{left}..{right}"


OPEN_WINDOW = Window(None, None)
