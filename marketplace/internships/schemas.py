"""Input schemas of the internships area (agreements, interruptions, outcomes, claims)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field

from marketplace.core.schemas import Id, Strict, Text


class AgreementIn(Strict):
    application_id: Id
    start_on: dt.date
    period_months: int | None = Field(default=None, ge=1, le=24)


class InterruptionIn(Strict):
    from_on: dt.date
    #: the last day away (inclusive), as people say it; stored as the first day back
    last_day_off: dt.date
    reason: Text(32, 1)
    note: Text(500) = ""


class NoteIn(Strict):
    """Why a record is deleted (issue 15: an interruption)."""
    note: Text(500, 1)


class OutcomeIn(Strict):
    kind: Literal["finished", "contract", "left"]
    on: dt.date | None = None
    note: Text(500) = ""


class InternshipClaimIn(Strict):
    agreement_id: Id
    submit: bool = True


class HireClaimIn(Strict):
    """A hire claim names the hire; its facts come from the records (issue 13, finding 3).
    The fact fields are accepted only when they agree with the record (else refused, 422)."""
    kind: Literal["hiring_r6", "epidemic_r7", "referral_r7"]
    application_id: Id
    hire_on: dt.date | None = None
    contract_on: dt.date | None = None
    contract_months: int | None = Field(default=None, ge=0, le=600)
    monthly_social_insurance: Decimal | None = Field(default=None, ge=0, le=100000, decimal_places=2)
    social_insurance_paid: bool = False
    makeup_insurance_on: dt.date | None = None
    funding_source: Text(40) = ""
    submit: bool = True

    def facts(self) -> dict:
        d = self.model_dump(exclude={"kind", "application_id", "submit", "social_insurance_paid"}, exclude_none=True)
        return {k: (v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(v, Decimal) else v)
                for k, v in d.items()}


class ContractIn(Strict):
    """The labour contract of a hire, as the employer signed it."""
    signed_on: dt.date
    months: int = Field(ge=1, le=600)
    note: Text(500) = ""


class InsuranceIn(Strict):
    """The employer's declaration of its monthly social-insurance contribution for the person
    and of the make-up payment (R7)."""
    monthly_amount: Decimal = Field(ge=Decimal("0.01"), le=100000, decimal_places=2)
    makeup_paid_on: dt.date | None = None
    note: Text(500) = ""


class ConfirmationIn(Strict):
    """The person confirms or disputes; a caseworker confirms, saying what was checked."""
    verdict: Literal["confirmed", "disputed"] = "confirmed"
    note: Text(1000) = ""


class HireConfirmationIn(ConfirmationIn):
    record: Literal["contract", "insurance"]


class RecoveryIn(Strict):
    """mark: recover the overpayment instead of offsetting it; recovered: it was paid back."""
    action: Literal["mark", "recovered"]
    note: Text(1000, 1)


class HubeiClaimIn(Strict):
    """R15: no facts are typed; a caseworker names the person (a person claims for themselves)."""
    profile_id: Id | None = None


class DecisionIn(Strict):
    note: Text(1000) = ""


class RejectIn(Strict):
    reason: Text(1000, 1)


class IntroductionIn(Strict):
    """An HR agency introduces a person (by profile number) to another employer's posting."""
    profile_id: Id
    posting_id: Id
    note: Text(500) = ""


class IntroductionAnswerIn(Strict):
    """A caseworker records the answer a person gave them (``introduction_answers.answer_for``)."""
    answer: Literal["accepted", "declined"]
    channel: Literal["phone", "in_person"]
    note: Text(500, 1)
