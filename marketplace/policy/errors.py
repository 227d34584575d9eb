"""Typed errors of the policy engine.

The web layer maps them to HTTP in one place: `CaseError` and `PolicySetError`
are bad input a person can act on (400/422), `NotEligible` is a rule's refusal
(422, with the decision's reasons); anything else is a bug (500).
"""

from __future__ import annotations

from typing import Any


class PolicyError(Exception):
    """Base class of every error the policy engine raises on purpose."""


class PolicySetError(PolicyError):
    """A policy set is unknown, unreadable or breaks the set schema."""


class CaseError(PolicyError):
    """A case (the facts handed to a rule) breaks a rule of input.

    `field` names the offending input field (a dotted path such as
    ``interruptions[1].to``) so that a page can point at it.
    """

    def __init__(self, field: str, message: str, zh: str | None = None):
        self.field = field
        self.message = message
        #: the same in Chinese, for a page (None: a page says only that the field breaks a rule)
        self.zh = zh
        super().__init__(f"{field}: {message}" if field else message)


class NotEligible(PolicyError):
    """A rule refused (raised by `Decision.require()`); carries the refusing decision."""

    def __init__(self, decision: Any):
        self.decision = decision
        super().__init__(decision.reason_en)
