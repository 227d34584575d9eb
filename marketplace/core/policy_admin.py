"""What the policy administrator does with the stored policy sets (``core.policy_versions``):
list them, copy a version into a draft, edit the draft (validated by the file loader: a bad
value names the rule and the field and saves nothing), preview it, make it effective from a
date, retire a version, choose the city's set. Every change is in the audit log.

Readings (**[choice]**):

* The policy administrator is the ``admin`` role (no new role: the few people who keep the
  city's rules already administer the service).
* A version takes effect from a date; from a past date only with a recorded justification
  (a correction), and then ``hooks.policy_version_effective`` is sent so that the areas
  re-price what they recorded under the set from that date (internships: unpaid claims are
  re-priced, paid ones are listed as a top-up or an overpayment due).
* Retiring a draft discards it; retiring an effective version stops it judging events from
  the retirement date on, which is refused while it is the only version of its set that would
  be in force then.
"""
from __future__ import annotations

import copy
import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import hooks
from marketplace import policy as pol
from marketplace.core import audit
from marketplace.core import policy_versions as pv
from marketplace.core.models import PolicySetRecord, PolicyVersion, User
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed

ADMIN_ROLES = ("admin",)
_PATH = re.compile(r"^[^:]*: \$\.?(?P<path>[^:]*): (?P<msg>.*)$")
_UNKNOWN = re.compile(r"unknown key\(s\) (?P<key>[^,\s]+)")


def _admin(actor: User) -> None:
    if actor is None or actor.role not in ADMIN_ROLES:
        raise Forbidden("只有政策管理员（系统管理员）可以修改政策集", "only the policy administrator (admin) changes policy sets")


def loader_error(exc: pol.PolicySetError) -> ValidationFailed:
    """The file loader's refusal as a form error naming the rule and the field
    (e.g. ``rules.R2.monthly_rate``)."""
    text = str(exc)
    m = _PATH.match(text)
    field, msg = ("document", text) if m is None else (m.group("path") or "document", m.group("msg"))
    unknown = _UNKNOWN.search(msg)
    if unknown:
        field = f"{field}.{unknown.group('key')}" if field != "document" else unknown.group("key")
    return ValidationFailed(f"政策参数无效（{field}）：{msg}", f"invalid policy parameter ({field}): {msg}", field=field)


def _set(session: Session, name: str, lock: bool = False) -> PolicySetRecord:
    row = session.scalar(select(PolicySetRecord).where(PolicySetRecord.name == name)
                         .with_for_update(of=PolicySetRecord) if lock else
                         select(PolicySetRecord).where(PolicySetRecord.name == name))
    if row is None:
        raise NotFound(f"政策集“{name}”", f"policy set {name!r}")
    return row


def _version(session: Session, row: PolicySetRecord, number: int) -> PolicyVersion:
    v = session.scalar(select(PolicyVersion).where(PolicyVersion.set_id == row.id, PolicyVersion.number == number))
    if v is None:
        raise NotFound(f"政策集“{row.name}”的版本{number}", f"version {number} of policy set {row.name!r}")
    return v


def _snap(v: PolicyVersion) -> dict:
    return {"number": v.number, "status": v.status,
            "effective_from": v.effective_from.isoformat() if v.effective_from else None,
            "retired_on": v.retired_on.isoformat() if v.retired_on else None}


# ---------------------------------------------------------------- reading

def version_to_dict(info: pv.VersionInfo, on: dt.date, s: pv.SetInfo, full: bool = False) -> dict:
    current = s.in_force(on)
    d = {"version": info.number, "status": info.status,
         "effective_from": info.effective_from.isoformat() if info.effective_from else None,
         "effective_to": info.effective_to.isoformat() if info.effective_to else None,
         "retired_on": info.retired_on.isoformat() if info.retired_on else None,
         "in_force": current is not None and current.number == info.number, "origin": info.origin}
    if full:
        d.update(set=s.name, justification=info.justification, document=info.document,
                 title_zh=info.document.get("title_zh", ""), title_en=info.document.get("title_en", ""),
                 rules=info.document.get("rules", {}), training=s.training)
    return d


def sets_to_dict(session: Session, on: dt.date) -> dict:
    reg = pv.registry(session)
    return {"on": on.isoformat(), "items": [
        {"name": s.name, "label": s.label_zh or s.name, "label_en": s.label_en, "training": s.training,
         "city_default": s.city_default, "versions": [version_to_dict(v, on, s) for v in s.versions]}
        for s in reg.sets]}


def get_version(session: Session, name: str, number: int) -> tuple[pv.SetInfo, pv.VersionInfo]:
    s = pv.registry(session).get(name)
    if s is None:
        raise NotFound(f"政策集“{name}”", f"policy set {name!r}")
    v = s.version(number)
    if v is None:
        raise NotFound(f"政策集“{name}”的版本{number}", f"version {number} of policy set {name!r}")
    return s, v


# ---------------------------------------------------------------- changing

def create_draft(session: Session, actor: User, name: str, from_version: int) -> PolicyVersion:
    """A new draft holding a copy of ``from_version``'s parameters."""
    _admin(actor)
    row = _set(session, name, lock=True)  # numbers are allocated under this lock
    source = _version(session, row, from_version)
    v = PolicyVersion(set_id=row.id, number=pv.next_number(session, row), status="draft",
                      document=copy.deepcopy(source.document), origin=f"copy of v{source.number}",
                      created_by_id=actor.id)
    session.add(v)
    session.flush()
    audit.record(session, actor, "policy_version", v.id, "create", after={"set": name, **_snap(v)},
                 reason=f"copy of v{source.number}")
    pv.forget(session)
    return v


def update_draft(session: Session, actor: User, name: str, number: int, changes: dict) -> PolicyVersion:
    """Replace a draft's rules (each rule given replaces that rule), titles or notes; the
    whole result is validated by the file loader before anything is saved."""
    _admin(actor)
    row = _set(session, name, lock=True)
    v = _version(session, row, number)
    if v.status != "draft":
        raise Conflict("只能修改草稿版本；已生效的版本不可更改，请复制为新版本", "only a draft can be edited; an effective "
                       "version is immutable: copy it into a new version", field="version")
    if not isinstance(changes, dict) or not changes:
        raise ValidationFailed("请提供要修改的参数", "give the parameters to change", field="rules")
    allowed = {"rules", "title_zh", "title_en", "notes"}
    extra = sorted(set(changes) - allowed)
    if extra:
        raise ValidationFailed(f"未知的字段：{extra[0]}", f"unknown field: {extra[0]}", field=extra[0])
    doc = copy.deepcopy(v.document)
    rules = changes.get("rules")
    if rules is not None:
        if not isinstance(rules, dict):
            raise ValidationFailed("rules 应为对象", "rules must be an object of rule id: parameters", field="rules")
        doc["rules"] = {**doc.get("rules", {}), **rules}
    for key in ("title_zh", "title_en", "notes"):
        if key in changes:
            doc[key] = changes[key]
    check_document(name, number, doc)
    before = _snap(v)
    v.document = doc
    session.flush()
    audit.record(session, actor, "policy_version", v.id, "edit", before=before,
                 after={"set": name, **_snap(v), "changed": sorted((rules or {}).keys())})
    pv.forget(session)
    return v


def check_document(name: str, number: int, doc: dict) -> pol.PolicySet:
    try:
        return pol.parse_policy_set(dict(doc, name=name, version=str(number)), f"{name} v{number}")
    except pol.PolicySetError as exc:
        raise loader_error(exc) from None


def activate(session: Session, actor: User, name: str, number: int, effective_from: dt.date, today: dt.date,
             justification: str = "") -> PolicyVersion:
    """Make a draft effective from a date (a past date needs a justification and re-prices
    what was recorded under the set from that date: ``hooks.policy_version_effective``)."""
    _admin(actor)
    justification = (justification or "").strip()
    if effective_from < today and not justification:
        raise ValidationFailed("生效日期早于今天（追溯更正）时必须填写理由", "a version that takes effect from a past date "
                               "(a correction) needs a justification", field="justification")
    row = _set(session, name, lock=True)
    v = _version(session, row, number)
    if v.status != "draft":
        raise Conflict("只有草稿可以生效", "only a draft can be made effective", field="version")
    check_document(name, number, v.document)
    before = _snap(v)
    v.status, v.effective_from, v.justification = "effective", effective_from, justification
    v.activated_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    session.flush()
    audit.record(session, actor, "policy_version", v.id, "activate", before=before, after={"set": name, **_snap(v)},
                 reason=justification)
    pv.forget(session)
    answers = hooks.ask(hooks.policy_version_effective, session, set_name=name, version=number,
                        effective_from=effective_from, actor=actor, today=today)
    if answers:
        audit.record(session, actor, "policy_version", v.id, "repriced", after={"set": name, "changes": answers},
                     reason=justification)
    return v


def retire(session: Session, actor: User, name: str, number: int, today: dt.date) -> PolicyVersion:
    _admin(actor)
    row = _set(session, name, lock=True)
    v = _version(session, row, number)
    if v.status == "retired":
        raise Conflict("该版本已停用", "this version is already retired", field="version")
    before = _snap(v)
    if v.status == "effective":
        others = [o for o in session.scalars(select(PolicyVersion).where(
            PolicyVersion.set_id == row.id, PolicyVersion.status == "effective", PolicyVersion.id != v.id))
            if o.effective_from is not None and o.effective_from <= today]
        if not others:
            raise Conflict("停用后该政策集今天将没有生效的版本：请先使新版本生效", "retiring it would leave the set without a "
                           "version in force today: make a new version effective first", field="version")
        v.retired_on = today
    v.status = "retired"
    session.flush()
    audit.record(session, actor, "policy_version", v.id, "retire", before=before, after={"set": name, **_snap(v)})
    pv.forget(session)
    return v


def set_city_default(session: Session, actor: User, name: str, today: dt.date) -> PolicySetRecord:
    """Choose the city's set in force (it must have a version in force today)."""
    _admin(actor)
    row = _set(session, name, lock=True)
    if pv.registry(session).get(name).in_force(today) is None:
        raise Conflict(f"政策集“{name}”今天没有生效的版本", f"policy set {name!r} has no version in force today",
                       field="name")
    previous = [s for s in session.scalars(select(PolicySetRecord).where(PolicySetRecord.city_default.is_(True)))]
    for s in previous:
        s.city_default = False
    row.city_default = True
    session.flush()
    audit.record(session, actor, "policy_set", row.id, "city_default",
                 before={"city_default": [s.name for s in previous]}, after={"city_default": name})
    pv.forget(session)
    return row
