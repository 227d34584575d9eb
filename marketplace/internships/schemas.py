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


class OutcomeIn(Strict):
    kind: Literal["finished", "contract", "left"]
    on: dt.date | None = None
    note: Text(500) = ""


class InternshipClaimIn(Strict):
    agreement_id: Id
    submit: bool = True


class HireClaimIn(Strict):
    kind: Literal["hiring_r6", "epidemic_r7", "referral_r7"]
    application_id: Id
    hire_on: dt.date | None = None
    contract_on: dt.date | None = None
    contract_months: int = Field(ge=0, le=600)
    monthly_social_insurance: Decimal | None = Field(default=None, ge=0, le=100000, decimal_places=2)
    social_insurance_paid: bool = False
    makeup_insurance_on: dt.date | None = None
    funding_source: Text(40) = ""
    submit: bool = True

    def facts(self) -> dict:
        d = self.model_dump(exclude={"kind", "application_id", "submit"}, exclude_none=True)
        return {k: (v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(v, Decimal) else v)
                for k, v in d.items()}


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
