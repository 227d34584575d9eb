"""Input schemas of contact: a caseworker's phone reveal, interview proposals and answers,
messages on an application (strings normalised by ``core.schemas.Text``)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from marketplace.core.models import PURPOSES
from marketplace.core.schemas import Strict, Text

#: the longest message on an application's thread
MESSAGE_MAX = 1000

Link = Annotated[str, StringConstraints(max_length=300, pattern=r"^(https://\S+)?$")]


class RevealIn(Strict):
    purpose: Literal[tuple(PURPOSES)]  # type: ignore[valid-type]
    note: Text(200) = ""


class InterviewIn(Strict):
    """Times are Fushun local times (``2026-12-10T09:30``) unless they carry an offset."""
    options: Annotated[list[dt.datetime], Field(min_length=1, max_length=5)]
    duration_minutes: Annotated[int, Field(ge=10, le=480)] = 30
    place: Text(200) = ""
    online_link: Link = ""
    note: Text(500) = ""



class InterviewAnswerIn(Strict):
    answer: Literal["accept", "decline", "reschedule"]
    #: which of the proposed times (0 = the first), for accept
    option: Annotated[int, Field(ge=0, le=4)] | None = None
    note: Text(500) = ""


class MessageIn(Strict):
    body: Text(MESSAGE_MAX, 1)


class OutreachIn(Strict):
    #: true: do not tell me what I may qualify for (政策找人)
    opt_out: bool
