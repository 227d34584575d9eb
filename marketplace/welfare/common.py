"""What every welfare module shares: who may act (caseworkers in their own district, the
admin everywhere), the policy set in force, a refused rule as the error a person can act
on, and the R11 facts of a person."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import policies
from marketplace.core.models import Posting, Profile, User
from marketplace.core.profiles import get_profile
from marketplace.errors import Conflict, Forbidden, NotEligible, NotFound, ValidationFailed
from marketplace.policy import Decision, RetirementPerson
from marketplace.policy.errors import CaseError
from marketplace.policy.errors import NotEligible as PolicyNotEligible
from marketplace.welfare.models import Registration

STAFF = ("caseworker", "admin")
EXPIRING_DAYS = 30


def policy(name: str | None = None, version: str | None = None, on: dt.date | None = None, session=None):
    """The city's set in its version in force on ``on`` (default today), or the set (and
    version) a record names."""
    if name:
        return policies.named(name, version, session)
    return policies.active() if on is None and session is None else policies.in_force(on, session)


def named_set(recorded: dict | None):
    """The set and version a recorded decision names (``policy_set``, ``policy_version``), else the set in force."""
    recorded = recorded or {}
    return policy(recorded.get("policy_set"), recorded.get("policy_version"))


def stamped(decision: Decision, pset) -> dict:
    """A decision as kept with a record, naming the set and version that made it."""
    return {**decision.to_json(), "policy_set": pset.name, "policy_version": pset.version}


# ------------------------------------------------------------------ access

def _staff(actor: User) -> None:
    if actor is None or actor.role not in STAFF:
        raise Forbidden("只有经办人可以办理", "only caseworkers can do this")


def _serves(actor: User, district: str) -> bool:
    return actor.role == "admin" or (actor.role == "caseworker" and actor.district == district)


def served_row(session: Session, actor: User, model, row_id: int, district_of, what: tuple[str, str],
               lock: bool = False):
    """A row of ``model`` in a district the staff actor serves; 404 (``what``) otherwise."""
    _staff(actor)
    row = session.get(model, row_id, with_for_update=lock)
    if row is None or not _serves(actor, district_of(row)):
        raise NotFound(*what)
    return row


def district_select(actor: User, model, *order_by):
    """``select(model)`` in order, limited to a caseworker's district (the admin sees all)."""
    _staff(actor)
    stmt = select(model).order_by(*order_by)
    return stmt.where(model.district == actor.district) if actor.role == "caseworker" else stmt


def add_unique(session: Session, row, conflict: Conflict) -> None:
    """Add and flush ``row``; the unique key refusing it (a concurrent duplicate) is ``conflict``."""
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise conflict from None


def end_date(reason: str, reasons, reason_zh: str, ended_on: dt.date | None, began_on: dt.date, today: dt.date,
             between: tuple[str, str]) -> dt.date:
    """The checked date an ending takes effect: a known reason, between the start and today."""
    if reason not in reasons:
        raise ValidationFailed(reason_zh, f"reason must be one of: {', '.join(reasons)}", field="reason")
    ended_on = ended_on or today
    if not began_on <= ended_on <= today:
        raise ValidationFailed(*between, field="ended_on")
    return ended_on


def staff_profile(session: Session, actor: User, profile_id: int) -> Profile:
    """A person's file for staff: who may see whom is core's one rule (``profiles.get_profile``)."""
    _staff(actor)
    return get_profile(session, actor, profile_id)


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
        raise ValidationFailed(exc.zh or "此项不符合政策规则，请核对", exc.message,
                               field=field or getattr(exc, "field", None)) from None


# ------------------------------------------------------------------ R11 facts

def retirement_person(profile: Profile, registration: Registration | None) -> RetirementPerson | None:
    """R11 facts; None for a woman whose original retirement age is not on record."""
    if profile.gender == "男":
        return RetirementPerson(profile.birth_on, "male")
    age = registration.original_retirement_age if registration else None
    return RetirementPerson(profile.birth_on, "female", age) if age in (50, 55) else None


def age(birth: dt.date, on: dt.date) -> int:
    """Age in whole years on ``on``."""
    return _age(birth, on)


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _who(user: User | None) -> str:
    return f"{user.display_name}（#{user.id}）" if user is not None else "系统"


def _month(d: dt.date) -> str:
    return d.strftime("%Y-%m")
