"""R5 claims: what a unit may claim now, and the claim deadline.

Readings (**[choice]**): a claim is judged by the R5 version in force on the
submission date; a claim submitted after the set's ``claim_deadline`` is
refused. A monthly claim is "entitlement earned to date minus what is already
approved", never negative, so rounding can never let the claims pass the
entitlement, and an entitlement that grows (R4) leaves its remainder claimable as
a top-up. The claim state machine and audit log belong to the services layer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marketplace.policy.decision import Condition, Decision, decide
from marketplace.policy.money import exact, round_money
from marketplace.policy.policy_set import PolicySet, R5Params

CLAIM_STATES = ("draft", "submitted", "approved", "rejected", "paid")
CLAIM_TRANSITIONS = {
    "draft": ("submitted",),
    "submitted": ("approved", "rejected"),
    "approved": ("paid",),
    "rejected": ("submitted",),  # answered: the unit adds what was missing and resubmits
    "paid": (),
}


def claimable_amount(entitlement_to_date: Decimal, approved_total: Decimal) -> Decimal:
    """Earned to date minus already approved, never below zero (R5)."""
    return round_money(max(0, exact(entitlement_to_date) - exact(approved_total)))


def can_transition(before: str, after: str) -> bool:
    """Whether a claim may move from state `before` to `after`."""
    return after in CLAIM_TRANSITIONS.get(before, ())


def check_claim_deadline(policy: PolicySet, submitted_on: date) -> Decision:
    """R5: a claim after the set's claim deadline is refused, with the reason."""
    p: R5Params | None = policy.rule("R5", submitted_on)
    d = submitted_on.isoformat()
    if p is None:
        return Decision("R5", False, f"R5 于{d}不在实施期限内，不予受理申领", f"R5 not in force on {d}: claim refused")
    deadline = p.claim_deadline.isoformat()
    ok = submitted_on <= p.claim_deadline
    cond = Condition("deadline", ok, f"{d}提交，申领截止日期{deadline}", f"submitted on {d}, claim deadline {deadline}")
    return decide("R5", [cond], ok_zh="R5 在申领期限内", ok_en="R5 within the claim deadline",
                  details={"claim_deadline": p.claim_deadline})
