"""The one business clock of every area.

- :func:`today` is the business date **in Fushun** (Asia/Shanghai, UTC+8), not the
  server's UTC date: a caseworker's "today" turns at local midnight, and every rule of
  POLICY.md is judged on that date.
- A training or demo installation may pin the business date with ``MARKETPLACE_TODAY``
  (ISO date, e.g. ``2020-08-20``: the 2020 rules judged on 2020 dates). A running
  instance's tests may move it with the config's ``extra["TODAY"]``. Production refuses
  to start with a pin (``Config.check``).
- Times are stored as naive UTC (:func:`now_utc`, what the models' ``*_at`` columns hold)
  and shown local (:func:`local_time`, :func:`local_date`) on every page and export.

The clock reads the current Flask app's config when there is one (requests, eager tasks,
tests), else the worker's configuration from the environment.
"""
from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from marketplace.config import Config

TZ = ZoneInfo("Asia/Shanghai")


@functools.lru_cache(maxsize=1)
def worker_config() -> Config:
    """A worker's settings, read from the environment once per process (jobs.runtime uses it too)."""
    return Config.from_env()


def current_config() -> Config:
    """The current app's settings, or the worker's (read from the environment once)."""
    return current_app.config["MARKETPLACE"] if has_app_context() else worker_config()


def pinned() -> dt.date | None:
    """The pinned business date of this installation, or None (the real date)."""
    cfg = current_config()
    raw = cfg.extra.get("TODAY") or cfg.TODAY
    return dt.date.fromisoformat(str(raw)) if raw else None


def today() -> dt.date:
    """The business date in Fushun (or the installation's pinned date)."""
    return pinned() or dt.datetime.now(TZ).date()


def now_utc() -> dt.datetime:
    """Now as stored: naive UTC."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def local(moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time as an aware Fushun time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(TZ)


def local_time(moment: dt.datetime | None, fmt: str = "%H:%M:%S") -> str:
    """A stored time as Fushun's clocks show it; empty for no time."""
    return "" if moment is None else local(moment).strftime(fmt)


def local_date(moment: dt.datetime) -> dt.date:
    """The Fushun date of a stored time: what people call the day something happened."""
    return local(moment).date()
