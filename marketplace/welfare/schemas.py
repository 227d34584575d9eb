"""Input schemas of the welfare area (registration, hard-to-employ, referrals, placements,
follow-ups). Strings are normalised by ``schemas.Text``."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from marketplace.core.models import DISTRICTS
from marketplace.core.schemas import Strict, Text
from marketplace.welfare.models import (
    CONTACT_CHANNELS,
    HTE_BASES,
    PLACEMENT_END_REASONS,
    REFERRAL_OUTCOMES,
    REGISTRATION_END_REASONS,
)

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class RegistrationIn(Strict):
    profile_id: Id | None = None
    basis: Literal["hukou", "residence"] = "residence"
    district: Literal[tuple(DISTRICTS)]  # type: ignore[valid-type]
    registered_on: dt.date | None = None
    original_retirement_age: Literal[50, 55] | None = None


class RegistrationEndIn(Strict):
    reason: Literal[REGISTRATION_END_REASONS]  # type: ignore[valid-type]
    note: Text(1000) = ""
    ended_on: dt.date | None = None


class HardToEmployIn(Strict):
    basis: Literal[HTE_BASES]  # type: ignore[valid-type]
    note: Text(1000) = ""


class RevokeIn(Strict):
    reason: Text(1000, 1)


class KeepPlacementIn(Strict):
    """Why a placement marked for review stays (``rechecks.keep``)."""
    reason: Text(1000, 1)


class ReferralIn(Strict):
    profile_id: Id
    posting_id: Id
    note: Text(1000) = ""


class OutcomeIn(Strict):
    outcome: Literal[REFERRAL_OUTCOMES]  # type: ignore[valid-type]
    note: Text(1000) = ""
    outcome_on: dt.date | None = None


class PlacementIn(Strict):
    profile_id: Id
    fund: Text(40, 1)
    start_on: dt.date | None = None
    term_months: Annotated[int, Field(ge=1, le=120)] | None = None
    justification: Text(2000) = ""
    skip_reason: Text(1000) = ""


class ExtensionIn(Strict):
    fund: Text(40, 1)
    months: Annotated[int, Field(ge=1, le=24)] | None = None
    stably_employed: bool = False


class PlacementEndIn(Strict):
    reason: Literal[PLACEMENT_END_REASONS]  # type: ignore[valid-type]
    ended_on: dt.date | None = None


class ContactIn(Strict):
    channel: Literal[CONTACT_CHANNELS]  # type: ignore[valid-type]
    note: Text(2000, 1)
    contacted_on: dt.date | None = None


class RegistrationCorrectionIn(Strict):
    """A caseworker's correction of an unemployment registration (issue 15): its dates and
    status, with the reason. ``ended_on`` empty means the registration is open."""
    registered_on: dt.date
    ended_on: dt.date | None = None
    end_reason: Literal[REGISTRATION_END_REASONS] | None = None  # type: ignore[valid-type]
    flexible_or_self_employed: bool = False
    reason: Text(1000, 1)


class HardToEmployCorrectionIn(Strict):
    """A caseworker's correction of a hard-to-employ status: when it was granted, its ground's
    note, and whether (and when, why) it stopped applying, with the reason."""
    granted_on: dt.date
    note: Text(1000) = ""
    revoked_on: dt.date | None = None
    revoked_reason: Text(1000) = ""
    reason: Text(1000, 1)
