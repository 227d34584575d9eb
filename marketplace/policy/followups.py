"""R12 monthly follow-up of registered unemployed people (plan item (十九)).

**[choice]** "每月至少进行1次跟踪调查" is read per calendar month: every month in
which the person was registered on at least one day needs one contact in that
month; a month becomes overdue when it has ended without one (the current
month is "due", not yet overdue). Grading by need (分级分类) is the services'
ordering of the task list; hard-to-employ people come first.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable


def _month(d: date) -> int:
    return d.year * 12 + d.month - 1


def _text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_without_contact(registered_on: date, contacts: Iterable[date], on: date,
                           ended_on: date | None = None) -> list[str]:
    """Ended calendar months (YYYY-MM) of the registration with no follow-up contact."""
    contacted = {_month(c) for c in contacts}
    last = _month(on) - 1 if ended_on is None or ended_on >= on else _month(ended_on)
    return [_text(m) for m in range(_month(registered_on), last + 1) if m not in contacted]


def contact_due_this_month(registered_on: date, contacts: Iterable[date], on: date,
                           ended_on: date | None = None) -> bool:
    """Whether the month containing `on` still needs its follow-up contact."""
    if registered_on > on or (ended_on is not None and ended_on < on):
        return False
    return _month(on) not in {_month(c) for c in contacts}


def follow_up_order(hard_to_employ: bool, overdue_months: int) -> tuple[int, int]:
    """Sort key for the month's task list: hard-to-employ first, then most overdue."""
    return (0 if hard_to_employ else 1, -overdue_months)
