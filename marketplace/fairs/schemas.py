"""Input schemas of the fairs area (fairs, booths, check-in, interviews, outcomes)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from marketplace.core.schemas import IdNumber, Phone, Strict, Text

_SLOT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def _check_slots(v: list[str]) -> list[str]:
    for s in v:
        m = _SLOT.match(s)
        if not m or s[:5] >= s[6:]:
            raise PydanticCustomError("slot", "each slot is written HH:MM-HH:MM with the end after the start")
    if len(set(v)) != len(v) or v != sorted(v):
        raise PydanticCustomError("slots_order", "slots must be in time order, each once")
    for a, b in zip(v, v[1:]):  # issue 15: one slot ends before the next begins
        if a[6:] > b[:5]:
            raise PydanticCustomError("slots_overlap", "slots must not overlap: {a} and {b}", {"a": a, "b": b})
    return v


Slots = Annotated[list[Annotated[str, Field(max_length=11)]], Field(min_length=1, max_length=24),
                  AfterValidator(_check_slots)]


class FairIn(Strict):
    name: Text(200, 1)
    mode: Literal["onsite", "online", "both"] = "onsite"
    held_on: dt.date
    venue: Text(200) = ""
    slots: Slots
    description: Text(2000) = ""


class FairEditIn(FairIn):
    """A correction of a fair before it starts (issue 15), with the reason."""
    reason: Text(500) = ""


class BoothCancelIn(Strict):
    reason: Text(500, 1)


class BoothIn(Strict):
    posting_ids: list[Annotated[int, Field(ge=1, le=2**62)]] = Field(min_length=1, max_length=50)
    recruiters: int = Field(default=1, ge=1, le=20)
    per_slot: int = Field(default=1, ge=1, le=10)


class BoothDecisionIn(Strict):
    approve: bool
    place: Text(32) = ""
    note: Text(500) = ""


class CheckInIn(Strict):
    """Exactly one of: the QR token, an ID number, a phone number."""
    token: Annotated[str, Field(min_length=1, max_length=400)] | None = None
    id_number: IdNumber | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _one(self):
        if sum(x is not None for x in (self.token, self.id_number, self.phone)) != 1:
            raise PydanticCustomError("one_of", "give exactly one of token, id_number or phone")
        return self


class InterviewRequestIn(Strict):
    booth_id: int = Field(ge=1, le=2**62)


class InviteIn(Strict):
    profile_id: int = Field(ge=1, le=2**62)


class InterviewOutcomeIn(Strict):
    outcome: Literal["intent", "offer", "hired", "not_suitable"]
    note: Text(500) = ""


class AllocateIn(Strict):
    from_slot: int | None = Field(default=None, ge=0, le=23)
