"""Input of the notification settings."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from marketplace.core.schemas import Strict


class ChannelsIn(Strict):
    sms: bool = False
    email: bool = False


class ContactIn(Strict):
    channel: Literal["sms", "email"]
    address: Annotated[str, StringConstraints(min_length=1, max_length=120)]


class CodeIn(Strict):
    channel: Literal["sms", "email"]
    code: Annotated[str, StringConstraints(min_length=1, max_length=12)]
