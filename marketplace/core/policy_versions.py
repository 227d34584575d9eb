"""Policy sets kept in the database (POLICY.md section 0), read as the pure engine's sets.

A *policy set* is a named series of *versions*; each version holds the whole set document
(every parameter of every rule, each rule with its own window) that the file loader reads,
and is validated by the same loader (``marketplace.policy.parse_policy_set``). A version is
a ``draft`` (editable), ``effective`` from a date (immutable), or ``retired``.

* An event is judged by the version of the set in force on the event's date: the latest
  effective version (by ``effective_from``, then number) whose ``effective_from`` is on or
  before that date and which was not retired before it; within it, by the rule whose
  window contains the date.
* The city's set in force is the one marked ``city_default`` (chosen by an admin in the app;
  ``MARKETPLACE_POLICY_SET`` only names it at installation, :func:`seed_bundled`).
* The bundled files (``marketplace/policy/sets``) are seed versions, effective from
  :data:`SEED_FROM` (every earlier record is judged by them), loaded idempotently at
  ``flask db-upgrade``; a bundled file whose content changed becomes a new version.

:func:`registry` reads every set and version once per session (two small queries) into
plain data (:class:`Registry`); the parsed ``PolicySet`` of a version is cached by its
content, so a request pays the parse once per process. Operations that change versions
(``core.policy_admin``) drop the session's copy.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import policy as pol
from marketplace.core.models import PolicySetRecord, PolicyVersion
from marketplace.policy.policy_set import SETS_DIR

#: the first date a seeded (bundled) version judges: every earlier record too
SEED_FROM = dt.date(2000, 1, 1)
#: the demo's training set, derived from the historical set and moved to the current year
TRAINING_SET = "fushun-training"
TRAINING_SOURCE = "fushun-2020"
TRAINING_LABEL_ZH = "演示/培训用，非本市现行政策"
TRAINING_LABEL_EN = "demo/training set, not the city's policy in force"
_KEY = "policy_registry"


# ---------------------------------------------------------------- plain snapshot

@dataclass(frozen=True)
class VersionInfo:
    set_name: str
    number: int
    status: str
    effective_from: dt.date | None
    retired_on: dt.date | None
    document: dict
    origin: str
    justification: str
    digest: str
    effective_to: dt.date | None = None

    def policy(self) -> pol.PolicySet:
        # the digest names the document's content: a version read again (every request reads the
        # registry) is not serialised again to find its parsed set
        hit = _PARSED.get((self.set_name, self.number, self.digest))
        if hit is None:
            hit = parse_version(self.set_name, self.number, self.digest, json.dumps(self.document, sort_keys=True))
            if len(_PARSED) > 256:
                _PARSED.clear()
            _PARSED[(self.set_name, self.number, self.digest)] = hit
        return hit

    def judges(self, on: dt.date) -> bool:
        """Whether this version may judge an event dated ``on`` (ignoring later versions)."""
        return (self.status in ("effective", "retired") and self.effective_from is not None
                and self.effective_from <= on and (self.retired_on is None or on < self.retired_on))


@dataclass(frozen=True)
class SetInfo:
    name: str
    label_zh: str
    label_en: str
    training: bool
    city_default: bool
    versions: tuple[VersionInfo, ...] = field(default=())

    def version(self, number: int) -> VersionInfo | None:
        return next((v for v in self.versions if v.number == number), None)

    def in_force(self, on: dt.date) -> VersionInfo | None:
        """The latest effective version whose effective_from is on or before ``on``."""
        live = [v for v in self.versions if v.judges(on)]
        return max(live, key=lambda v: (v.effective_from, v.number)) if live else None


@dataclass(frozen=True)
class Registry:
    sets: tuple[SetInfo, ...]

    def get(self, name: str) -> SetInfo | None:
        return next((s for s in self.sets if s.name == name), None)

    def city_default(self) -> SetInfo | None:
        return next((s for s in self.sets if s.city_default), None)


def digest_of(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


_PARSED: dict[tuple, pol.PolicySet] = {}


@lru_cache(maxsize=256)
def parse_version(set_name: str, number: int, _digest: str, text: str) -> pol.PolicySet:
    """A stored version as the engine's PolicySet (the file loader's validation)."""
    doc = dict(json.loads(text), name=set_name, version=str(number))
    return pol.parse_policy_set(doc, f"{set_name} v{number}")


def _effective_to(versions: list[VersionInfo]) -> list[VersionInfo]:
    """Each version's last judged day: the day before a later version takes over, or its retirement."""
    out = []
    live = sorted((v for v in versions if v.effective_from is not None and v.status != "draft"),
                  key=lambda v: (v.effective_from, v.number))
    for v in versions:
        end = None
        if v in live:
            later = [w.effective_from for w in live[live.index(v) + 1:] if w.status == "effective"]
            ends = [d - dt.timedelta(days=1) for d in later[:1]]
            if v.retired_on is not None:
                ends.append(v.retired_on - dt.timedelta(days=1))
            end = min(ends) if ends else None
        out.append(VersionInfo(**{**v.__dict__, "effective_to": end}))
    return out


def registry(session: Session) -> Registry:
    """Every set and version, read once per session."""
    cached = session.info.get(_KEY)
    if cached is not None:
        return cached
    versions: dict[int, list[VersionInfo]] = {}
    rows = session.execute(select(PolicyVersion, PolicySetRecord.name).join(PolicySetRecord)
                           .order_by(PolicyVersion.set_id, PolicyVersion.number)).all()
    for v, name in rows:
        versions.setdefault(v.set_id, []).append(VersionInfo(
            name, v.number, v.status, v.effective_from, v.retired_on, v.document, v.origin, v.justification,
            digest_of(v.document)))
    sets = tuple(SetInfo(s.name, s.label_zh, s.label_en, s.training, s.city_default,
                         tuple(_effective_to(versions.get(s.id, []))))
                 for s in session.scalars(select(PolicySetRecord).order_by(PolicySetRecord.name)))
    reg = Registry(sets)
    session.info[_KEY] = reg
    return reg


def forget(session: Session) -> None:
    """Drop the session's copy after a change (the next read sees it)."""
    session.info.pop(_KEY, None)


# ---------------------------------------------------------------- seeds

def _set_row(session: Session, name: str, label_zh: str = "", label_en: str = "",
             training: bool = False) -> PolicySetRecord:
    row = session.scalar(select(PolicySetRecord).where(PolicySetRecord.name == name))
    if row is None:
        row = PolicySetRecord(name=name, label_zh=label_zh, label_en=label_en, training=training, city_default=False)
        session.add(row)
        session.flush()
    return row


def next_number(session: Session, row: PolicySetRecord) -> int:
    numbers = session.scalars(select(PolicyVersion.number).where(PolicyVersion.set_id == row.id)).all()
    return max(numbers, default=0) + 1


def add_effective(session: Session, row: PolicySetRecord, document: dict, origin: str,
                  effective_from: dt.date) -> PolicyVersion | None:
    """Add ``document`` as an effective version unless the set already holds it (same
    content): the idempotent step of seeding. The document is validated first."""
    for v in session.scalars(select(PolicyVersion).where(PolicyVersion.set_id == row.id)):
        if digest_of(v.document) == digest_of(document):
            return None
    pol.parse_policy_set(dict(document, name=row.name), f"{row.name} ({origin})")
    v = PolicyVersion(set_id=row.id, number=next_number(session, row), status="effective",
                      effective_from=effective_from, document=document, origin=origin,
                      activated_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    session.add(v)
    session.flush()
    return v


def seed_bundled(session: Session, default_name: str) -> list[str]:
    """Load the bundled set files as effective versions (once each content) and, when no
    set is the city's yet, make ``default_name`` (``MARKETPLACE_POLICY_SET``) the one."""
    added = []
    for name in pol.list_policy_sets():
        document = json.loads((SETS_DIR / f"{name}.json").read_text(encoding="utf-8"))
        row = _set_row(session, name, document.get("title_zh", ""), document.get("title_en", ""))
        if add_effective(session, row, document, f"bundled {name}.json {document.get('version', '')}",
                         SEED_FROM) is not None:
            added.append(name)
    if session.scalar(select(PolicySetRecord.id).where(PolicySetRecord.city_default.is_(True))) is None:
        row = session.scalar(select(PolicySetRecord).where(PolicySetRecord.name == default_name))
        if row is not None:
            row.city_default = True
    session.flush()
    forget(session)
    return added


# ---------------------------------------------------------------- the training set

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR_KEYS = ("graduation_year", "since_year")


def _shift_date(text: str, years: int) -> str:
    y, m, d = (int(x) for x in _DATE.match(text).groups())
    try:
        return dt.date(y + years, m, d).isoformat()
    except ValueError:  # 29 February
        return dt.date(y + years, m, 28).isoformat()


def _shift(value, years: int, key: str = ""):
    if isinstance(value, dict):
        return {k: _shift(v, years, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, years, key) for v in value]
    if isinstance(value, str) and _DATE.match(value):
        return _shift_date(value, years)
    if isinstance(value, str) and key in ("zh", "en"):
        return re.sub(r"202\d", lambda m: str(int(m.group(0)) + years), value)
    if key in _YEAR_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return value + years
    return value


def derive_training(document: dict, today: dt.date) -> dict:
    """The historical set moved to cover ``today``'s year: every date, window, deadline and
    graduating-year cohort shifted by whole years (2020 -> this year). R7's epidemic-control
    period cannot simply move (an application opens only once the period is declared ended):
    in the training set it runs from half a year before ``today`` (or 1 January) to ``today``,
    declared ended ``today``, so hires of the past months can be claimed for during the next
    ``application_months``."""
    years = today.year - 2020
    doc = _shift(document, years)
    doc["title_zh"] = f"{TRAINING_LABEL_ZH}：{doc.get('title_zh', '')}（{today.year}年培训版）"
    doc["title_en"] = f"{TRAINING_LABEL_EN}: {doc.get('title_en', '')} ({today.year} training copy)"
    doc["notes"] = [f"Training set derived on {today.isoformat()} from {document.get('name')}: every date moved "
                    f"by {years} year(s); R7's epidemic period ends on {today.isoformat()}. NOT the city's policy."] + list(
                        document.get("notes", []))
    r7 = doc["rules"]["R7"]
    for entry in (r7 if isinstance(r7, list) else [r7]):
        start = min(dt.date(today.year, 1, 1), today - dt.timedelta(days=183))
        entry["window"] = {"from": start.isoformat(), "to": today.isoformat()}
        entry["epidemic_declared_end"] = today.isoformat()
    return doc


def install_training(session: Session, today: dt.date, make_default: bool = True) -> PolicySetRecord:
    """The demo's training set (:data:`TRAINING_SET`), derived today from the historical one,
    effective from its first window day, and made the city's set in force."""
    source = json.loads((SETS_DIR / f"{TRAINING_SOURCE}.json").read_text(encoding="utf-8"))
    row = _set_row(session, TRAINING_SET, f"{TRAINING_LABEL_ZH}（{today.year}）",
                   f"{TRAINING_LABEL_EN} ({today.year})", training=True)
    add_effective(session, row, derive_training(source, today), f"derived from {TRAINING_SOURCE} on {today}",
                  SEED_FROM)
    if make_default:
        for other in session.scalars(select(PolicySetRecord).where(PolicySetRecord.city_default.is_(True))):
            other.city_default = False
        row.city_default = True
    session.flush()
    forget(session)
    return row
