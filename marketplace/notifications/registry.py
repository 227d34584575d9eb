"""The notification kinds areas register: a label in each language (the title a reader
sees) and the channels a kind goes out on by default beyond the page.

This service imports no area: each area calls :func:`register` for its kinds from its own
module (at import) or from ``app.connect_hooks``. A kind nobody registered still works
(its title is the kind's name), so a new event never fails for want of a label.
"""
from __future__ import annotations

from dataclasses import dataclass

#: every channel a message can go out on; ``app`` is the in-app centre (always on)
CHANNELS = ("app", "sms", "email")


@dataclass(frozen=True)
class Kind:
    name: str
    zh: str
    en: str
    #: channels beyond the page a person gets this kind on, if they chose that channel
    channels: tuple[str, ...] = ("app", "email")

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


_KINDS: dict[str, Kind] = {}


def register(name: str, zh: str, en: str, channels: tuple[str, ...] = ("app", "email")) -> Kind:
    """Register (or re-register, identically) a notification kind; returns it."""
    bad = [c for c in channels if c not in CHANNELS]
    if bad or len(name) > 32:
        raise ValueError(f"notification kind {name!r}: unknown channels {bad} or name over 32 characters")
    kind = Kind(name, zh, en, tuple(channels))
    _KINDS[name] = kind
    return kind


def get(name: str) -> Kind:
    return _KINDS.get(name) or Kind(name, name, name)


def registered() -> dict[str, Kind]:
    return dict(_KINDS)


# The service's own kind: the code that proves a phone number or address is the person's.
register("verify_contact", "验证码", "Verification code", ("sms", "email"))
