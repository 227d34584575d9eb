"""The internship-subsidy calculator contract (POLICY.md section 6).

`calculate_internship_json(obj)` takes one decoded JSON case (or a list of cases)
and returns ``(result, ok)``: the contract's output object (or a list, in input
order) and whether every case was answered without error. It never raises on bad
input: any junk becomes ``{"error": "<field>: <what is wrong>"}`` for that case.
The command ``python -m marketplace.policy internship`` and the web endpoint
``POST /api/v1/policy/internship-subsidy`` both call it.

**[choice]** Unknown fields are refused (a misspelt ``montly_rate`` must not
silently fall back to the set's rate). ``interruptions`` may be omitted (none);
an optional field given as ``null`` counts as omitted.
``monthly_rate`` is a decimal string or a JSON number (a float is read through
its shortest decimal text, never through binary arithmetic). Optional extras
beyond the contract: ``outcome.graduate`` (default true: the contract's
``contract`` outcome is with a graduate intern) and ``unit_retention``
``{"retained": n, "interns": m}`` for a set's rate uplift.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Optional

from marketplace.policy.dates import parse_iso_date
from marketplace.policy.errors import CaseError, PolicyError, PolicySetError
from marketplace.policy.internship import (
    FINISHED,
    OUTCOME_KINDS,
    InternshipAgreement,
    Interruption,
    Outcome,
    UnitRetention,
    internship_entitlement,
)
from marketplace.policy.policy_set import load_policy_set

CASE_FIELDS = {"policy_set", "start", "period_months", "monthly_rate", "interruptions",
               "outcome", "unit_retention"}
OUTCOME_FIELDS = {"kind", "date", "graduate"}
INTERRUPTION_FIELDS = {"from", "to", "reason"}


#: ``resolve(name or None, outcome date) -> PolicySet``: where a caller keeps its sets
#: elsewhere (the app: versions in the database, the city's set when the case names none).
Resolver = Callable[[Optional[str], date], Any]


def calculate_internship_json(obj: Any, sets_dir: str | None = None,
                              resolve: Resolver | None = None) -> tuple[Any, bool]:
    """Answer one case (a dict) or a list of cases; ``ok`` is False if any case failed."""
    if isinstance(obj, list):
        results = [answer_case(case, sets_dir, resolve) for case in obj]
        return results, all("error" not in r for r in results)
    result = answer_case(obj, sets_dir, resolve)
    return result, "error" not in result


def answer_case(case: Any, sets_dir: str | None = None, resolve: Resolver | None = None) -> dict[str, Any]:
    """One case → the contract's output object or ``{"error": ...}``. With ``resolve``, a
    case may omit ``policy_set`` and the answer says which set and version judged it."""
    try:
        if resolve is not None and isinstance(case, dict) and case.get("policy_set") is None:
            case = dict(case, policy_set="\0")  # named by the resolver below
        policy_name, agreement, outcome, retention = parse_case(case)
        if resolve is None:
            policy = load_policy_set(policy_name, sets_dir)
            return internship_entitlement(policy, agreement, outcome, retention).to_json()
        policy = resolve(None if policy_name == "\0" else policy_name, outcome.on or agreement.start)
        answer = internship_entitlement(policy, agreement, outcome, retention).to_json()
        answer["policy_set"] = {"name": policy.name, "version": policy.version}
        return answer
    except (OverflowError, ValueError):
        # Only date arithmetic past year 9999 gets here: the input was parsed already.
        return {"error": "start: dates run past the calendar's range (years 1–9999)"}
    except PolicySetError as exc:
        return {"error": f"policy_set: {exc}"}
    except PolicyError as exc:
        return {"error": str(exc)}


def parse_case(case: Any) -> tuple[str, InternshipAgreement, Outcome, UnitRetention | None]:
    """Decode and type-check a case; raise CaseError naming the first bad field."""
    _object(case, "", CASE_FIELDS, "case")
    policy_name = case.get("policy_set")
    if not isinstance(policy_name, str) or not policy_name:
        raise CaseError("policy_set", _missing_or("must be the name of a policy set, e.g. \"fushun-2020\"",
                                                  case, "policy_set"))
    start = _date(case, "start", "start")
    period = case.get("period_months")
    if isinstance(period, bool) or not isinstance(period, int):
        raise CaseError("period_months", _missing_or("must be a whole number of months", case, "period_months"))
    agreement = InternshipAgreement(start, period, _rate(case), _interruptions(case.get("interruptions")))
    return policy_name, agreement, _outcome(case.get("outcome")), _retention(case.get("unit_retention"))


def _missing_or(message: str, obj: dict[str, Any], key: str) -> str:
    return "missing" if key not in obj else f"{message}, got {obj[key]!r}"


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages a person reads."""
    for kind, name in ((bool, "a boolean"), (dict, "an object"), (list, "an array"), (str, "a string"),
                       ((int, float), "a number")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def _object(value: Any, path: str, allowed: set[str], what: str) -> None:
    if not isinstance(value, dict):
        raise CaseError(path, f"{what} must be a JSON object, got {_json_type(value)}")
    extra = sorted(str(k) for k in value if k not in allowed)
    if extra:
        raise CaseError(f"{path + '.' if path else ''}{extra[0]}", f"unknown field (expected one of "
                        f"{', '.join(sorted(allowed))})")


def _date(obj: dict[str, Any], key: str, path: str) -> date:
    if key not in obj:
        raise CaseError(path, "missing")
    try:
        return parse_iso_date(obj[key])
    except ValueError as exc:
        raise CaseError(path, str(exc)) from None


def _rate(case: dict[str, Any]) -> Decimal | None:
    value = case.get("monthly_rate")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise CaseError("monthly_rate", f"must be a decimal string such as \"1500.00\", got {value!r}")
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise CaseError("monthly_rate", f"not a number: {value!r}") from None
    if not rate.is_finite():
        raise CaseError("monthly_rate", f"must be a finite amount, got {value!r}")
    if rate < 0:
        raise CaseError("monthly_rate", f"must not be negative, got {value!r}")
    return rate


def _interruptions(value: Any) -> tuple[Interruption, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CaseError("interruptions", f"must be a list, got {_json_type(value)}")
    out = []
    for i, item in enumerate(value):
        path = f"interruptions[{i}]"
        _object(item, path, INTERRUPTION_FIELDS, "an interruption")
        start, end = _date(item, "from", f"{path}.from"), _date(item, "to", f"{path}.to")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason:
            raise CaseError(f"{path}.reason", _missing_or("must be a reason code such as \"epidemic\"",
                                                          item, "reason"))
        out.append(Interruption(start, end, reason))
    return tuple(out)


def _outcome(value: Any) -> Outcome:
    if value is None:
        raise CaseError("outcome", "missing")
    _object(value, "outcome", OUTCOME_FIELDS, "outcome")
    kind = value.get("kind")
    if kind not in OUTCOME_KINDS:
        raise CaseError("outcome.kind", _missing_or(f"must be one of {', '.join(OUTCOME_KINDS)}", value, "kind"))
    on = None
    if value.get("date") is not None or kind != FINISHED:
        on = _date(value, "date", "outcome.date")
    graduate = value.get("graduate", True)
    if not isinstance(graduate, bool):
        raise CaseError("outcome.graduate", f"must be true or false, got {graduate!r}")
    return Outcome(kind, on, graduate)


def _retention(value: Any) -> UnitRetention | None:
    if value is None:
        return None
    _object(value, "unit_retention", {"retained", "interns"}, "unit_retention")
    numbers = []
    for key in ("retained", "interns"):
        n = value.get(key)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise CaseError(f"unit_retention.{key}", f"must be a whole number >= 0, got {n!r}")
        numbers.append(n)
    return UnitRetention(*numbers)
