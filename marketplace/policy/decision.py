"""The decision every rule returns: what was decided, by which rule, and why.

A caseworker must be able to defend every answer, so a decision carries the rule
id, the amount (when money is involved), a reason sentence in Chinese and in
English, and the individual conditions that were checked (with the record each
rests on, when the caller supplied one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from marketplace.policy.errors import NotEligible
from marketplace.policy.money import format_money


@dataclass(frozen=True)
class Condition:
    """One checked condition of a rule."""

    code: str
    held: bool
    zh: str
    en: str
    record: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "held": self.held, "zh": self.zh, "en": self.en}
        if self.record is not None:
            out["record"] = self.record
        return out


@dataclass(frozen=True)
class Decision:
    """Outcome of one rule check.

    `allowed` says whether the rule grants / permits; `amount` is the money granted
    (None for rules that grant no money, Decimal('0.00') never stands in for a
    refusal); `details` holds rule-specific plain values (dates, counts, codes).
    """

    rule: str
    allowed: bool
    reason_zh: str
    reason_en: str
    amount: Decimal | None = None
    conditions: tuple[Condition, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def require(self) -> "Decision":
        """Return self when allowed; raise NotEligible (carrying self) when refused."""
        if not self.allowed:
            raise NotEligible(self)
        return self

    def failed(self) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if not c.held)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "allowed": self.allowed,
            "amount": None if self.amount is None else format_money(self.amount),
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "conditions": [c.to_json() for c in self.conditions],
        }
        out["details"] = {k: _plain(v) for k, v in self.details.items()}
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def decide(rule: str, conditions: list[Condition] | tuple[Condition, ...], *,
           ok_zh: str, ok_en: str, amount: Decimal | None = None,
           details: Mapping[str, Any] | None = None) -> Decision:
    """Build a decision that is allowed exactly when every condition held.

    When one or more failed, the reason lists each failed condition, so the
    refusal names all that a person must fix, not only the first.
    """
    conds = tuple(conditions)
    failed = [c for c in conds if not c.held]
    if failed:
        zh = f"{rule} 不予通过：" + "；".join(c.zh for c in failed)
        en = f"{rule} refused: " + "; ".join(c.en for c in failed)
        return Decision(rule, False, zh, en, None, conds, dict(details or {}))
    return Decision(rule, True, ok_zh, ok_en, amount, conds, dict(details or {}))
