"""The one choice of the city's policy set and its versions, for every area.

Policy sets are kept in the database as versions (``marketplace.core.policy_versions``;
POLICY.md section 0). The accessors here answer with the pure engine's ``PolicySet``:

* ``in_force(on)``: the city's set (chosen in the app by an admin; ``MARKETPLACE_POLICY_SET``
  only seeds it) in the version in force on the event's date ``on`` (default: today). Every
  operation that decides money passes the event's date (contract date R4, hire date R6/R7,
  application date for eligibility and R15, the outcome date for an internship claim).
* ``version_on(name, on)``: a named set (the one a record names) in its version in force on ``on``.
* ``named(name, version)``: the exact version a recorded decision names (``version=None``:
  the set's version in force today, for records made before versions were kept).
* ``active()``: ``in_force(today)``, for callers that judge "now" (kept for compatibility).

The session is the one given, else the running job's or command's
(``db.current_session()``), else the request's (``flask.g.db_session``), else a
short-lived reading one of the app's database. Without an app or any stored set (the pure CLI,
a bare worker), the bundled files are used, by ``MARKETPLACE_POLICY_SET``.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app, g, has_app_context

from marketplace import clock
from marketplace import policy as pol
from marketplace.config import Config
from marketplace.core import policy_versions as pv
from marketplace.db import current_session, writing
from marketplace.errors import NotFound, ValidationFailed


def _registry(session=None) -> pv.Registry | None:
    session = session or current_session()
    if session is not None:
        return pv.registry(session)
    if not has_app_context():
        return None
    if "db_session" in g:
        return pv.registry(g.db_session)
    with writing(False):  # a read beside whatever else holds SQLite's write lock
        s = current_app.extensions["db"].session()
        try:
            return pv.registry(s)
        finally:
            s.close()


def _bundled(name: str) -> pol.PolicySet:
    try:
        return pol.load_policy_set(name)
    except pol.PolicySetError as exc:
        raise ValidationFailed(f"政策集无效：{exc}", f"policy set problem: {exc}", field="policy_set") from None


def active_name(config: Config | None = None, session=None) -> str:
    """The name of the city's set in force (the stored choice; before any, the config's)."""
    reg = _registry(session)
    chosen = reg.city_default() if reg is not None else None
    if chosen is not None:
        return chosen.name
    return (config or clock.current_config()).POLICY_SET


def version_info(name: str, on: dt.date | None = None, session=None) -> pv.VersionInfo | None:
    """The stored version of set ``name`` in force on ``on`` (None: no stored set of that name)."""
    reg = _registry(session)
    s = reg.get(name) if reg is not None else None
    if s is None:
        return None
    v = s.in_force(on or clock.today())
    if v is None:
        day = (on or clock.today()).isoformat()
        raise ValidationFailed(f"政策集“{name}”在{day}没有生效的版本", f"policy set {name!r} has no version in "
                               f"force on {day}", field="policy_set")
    return v


def version_on(name: str, on: dt.date | None = None, session=None) -> pol.PolicySet:
    """Set ``name`` in its version in force on ``on`` (default today)."""
    v = version_info(name, on, session)
    return v.policy() if v is not None else _bundled(name)


def in_force(on: dt.date | None = None, session=None, config: Config | None = None) -> pol.PolicySet:
    """The city's set in the version in force on the event's date ``on`` (default today)."""
    return version_on(active_name(config, session), on, session)


def active(config: Config | None = None, session=None) -> pol.PolicySet:
    """The city's set in force today (``in_force()``)."""
    return in_force(None, session, config)


def named(name: str, version: int | str | None = None, session=None) -> pol.PolicySet:
    """The version a recorded decision names; without a version, the set's version in force today."""
    if version is None or version == "":
        return version_on(name, None, session)
    reg = _registry(session)
    s = reg.get(name) if reg is not None else None
    if s is None:
        return _bundled(name)
    if not str(version).isdigit():  # a bundled file's own label (a record made without the database)
        return _bundled(name)
    v = s.version(int(version))
    if v is None:
        raise NotFound(f"政策集“{name}”的版本{version}", f"version {version} of policy set {name!r}")
    return v.policy()


def stamp(ps: pol.PolicySet) -> dict:
    """What a recorded decision keeps of the version that made it."""
    return {"policy_set": ps.name, "policy_version": ps.version}


def is_training(name: str, session=None) -> bool:
    """A training/demo set (pages label it as such)."""
    reg = _registry(session)
    s = reg.get(name) if reg is not None else None
    return bool(s and s.training)
