"""What every welfare module shares: who may act (caseworkers in their own district, the
admin everywhere), the policy set in force, a refused rule as the error a person can act
on, and the R11 facts of a person."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from marketplace import policies
from marketplace.core.models import Posting, Profile, User
from marketplace.errors import Forbidden, NotEligible, NotFound, ValidationFailed
from marketplace.policy import Decision, RetirementPerson
from marketplace.policy.errors import CaseError
from marketplace.policy.errors import NotEligible as PolicyNotEligible
from marketplace.welfare.models import Registration

STAFF = ("caseworker", "admin")
EXPIRING_DAYS = 30


def policy(name: str | None = None):
    """The set in force (``MARKETPLACE_POLICY_SET``), or the set a record names."""
    return policies.named(name) if name else policies.active()


def named_set(recorded: dict | None):
    """The set a recorded decision names (``policy_set``), else the set in force."""
    return policy((recorded or {}).get("policy_set"))


def stamped(decision: Decision, pset) -> dict:
    """A decision as kept with a record, naming the set that made it."""
    return {**decision.to_json(), "policy_set": pset.name}


# ------------------------------------------------------------------ access

def _staff(actor: User) -> None:
    if actor is None or actor.role not in STAFF:
        raise Forbidden("只有经办人可以办理", "only caseworkers can do this")


def _serves(actor: User, district: str) -> bool:
    return actor.role == "admin" or (actor.role == "caseworker" and actor.district == district)


def staff_profile(session: Session, actor: User, profile_id: int) -> Profile:
    _staff(actor)
    profile = session.get(Profile, profile_id)
    if profile is None or not _serves(actor, profile.district):
        raise NotFound("求职者档案", "profile")
    return profile


def _pw_posting(session: Session, actor: User, posting_id: int, lock: bool = False) -> Posting:
    _staff(actor)
    posting = session.get(Posting, posting_id, with_for_update=lock)
    if posting is None or posting.kind != "public_welfare" or not _serves(actor, posting.district):
        raise NotFound("本区的公益性岗位", "public-welfare post in your district")
    return posting


def _decision_error(decision: Decision, field: str | None = None) -> NotEligible:
    return NotEligible(decision.reason_zh, decision.reason_en, field=field,
                       details=[{"field": field or decision.rule, "code": c.code,
                                 "message": {"zh": c.zh, "en": c.en}} for c in decision.failed()])


def _require(decision: Decision, field: str | None = None) -> Decision:
    if not decision.allowed:
        raise _decision_error(decision, field)
    return decision


def _case(fn, *args, field: str | None = None, **kw):
    """Call a policy function; its input errors become a refusal a person can act on."""
    try:
        return fn(*args, **kw)
    except PolicyNotEligible as exc:  # pragma: no cover - the engine returns decisions here
        raise _decision_error(exc.decision, field) from None
    except CaseError as exc:
        raise ValidationFailed(f"输入有误：{exc}", str(exc), field=field or getattr(exc, "field", None)) from None


# ------------------------------------------------------------------ R11 facts

def retirement_person(profile: Profile, registration: Registration | None) -> RetirementPerson | None:
    """R11 facts; None for a woman whose original retirement age is not on record."""
    if profile.gender == "男":
        return RetirementPerson(profile.birth_on, "male")
    age = registration.original_retirement_age if registration else None
    return RetirementPerson(profile.birth_on, "female", age) if age in (50, 55) else None


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _who(user: User | None) -> str:
    return f"{user.display_name}（#{user.id}）" if user is not None else "系统"


def _month(d: dt.date) -> str:
    return d.strftime("%Y-%m")
