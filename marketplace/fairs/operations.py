"""Job fairs (双选会): fairs, booths, registration and check-in, live rankings, interview
requests both ways, slot allocation rounds, outcomes flowing into applications, the live
board and the post-fair report.

Who may do what:

* an organiser (or admin) creates fairs; the fair's organiser approves booths, checks people
  in, runs allocation rounds and reads the board and report;
* an employer applies for a booth with its own published postings and sees only its own
  booth: ranked checked-in people, its queue, its schedule; invites people; records outcomes;
* a person pre-registers, shows the check-in QR, sees booths ranked for them once checked in,
  asks booths for interviews, sees their schedule.

Check-in by QR: the code holds a token signed with the app's secret (itsdangerous), naming the
fair and the registration, valid for ``QR_MAX_AGE`` seconds after it was drawn; the page draws a
fresh one on each load. Check-in by ID or phone number goes through the profile's blind index:
the number is never stored here nor shown back.

Live rankings: a ``FairMatcher`` per fair and process (matching.fair), refreshed on each read
from the fair's check-ins: a new check-in scores only that person against the fair's postings,
and while nothing changed a read costs a few aggregate queries (``checked_in_stamp``), not a
read of every check-in.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from collections import OrderedDict

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace import clock, hooks
from marketplace.core import audit
from marketplace.core.applications import FORWARD, move_stage, target_group_problem
from marketplace.core.models import Application, ApplicationEvent, Organisation, Posting, Profile, User
from marketplace.core.profiles import my_profile
from marketplace.core.recommend import posting_data, profile_data
from marketplace.crypto import Cipher
from marketplace.db import after_commit
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.fairs.bus import publish_after_commit
from marketplace.fairs.models import Booth, Fair, FairRegistration, Interview
from matching import embed_profiles
from matching.fair import Confirmed, FairMatcher, Request, allocate, quality

ORGANISER_ROLES = ("organiser", "admin")
EMPLOYER_ROLES = ("employer", "agency")
QR_MAX_AGE = 15 * 60
QR_SALT = "fair-checkin"
HIRE_WINDOW_DAYS = 30


# --- lookups and authorisation ----------------------------------------------------------

def get_fair(session: Session, actor: User | None, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound("招聘会", "fair")
    return fair


def _own_fair(session: Session, actor: User, fair_id: int, lock: bool = False) -> Fair:
    """The fair, if the actor organises it (admins organise all)."""
    if actor.role not in ORGANISER_ROLES:
        raise Forbidden("只有招聘会组织者可以执行此操作", "only the fair's organiser can do this")
    fair = session.get(Fair, fair_id, with_for_update=lock) if lock else session.get(Fair, fair_id)
    if fair is None or (actor.role != "admin" and fair.organiser_id != actor.id):
        raise NotFound("招聘会", "fair")
    return fair


def fairs_for(actor: User | None):
    stmt = select(Fair).order_by(Fair.held_on.desc(), Fair.id.desc())
    if actor is not None and actor.role == "organiser":
        stmt = stmt.where(Fair.organiser_id == actor.id)
    return stmt


def _own_booth(session: Session, actor: User, fair_id: int, booth_id: int) -> Booth:
    booth = session.get(Booth, booth_id)
    if (booth is None or booth.fair_id != fair_id or actor.role not in EMPLOYER_ROLES
            or booth.organisation_id != actor.organisation_id):
        raise NotFound("展位", "booth")
    return booth


def my_booth(session: Session, actor: User, fair_id: int) -> Booth | None:
    if actor.role not in EMPLOYER_ROLES or actor.organisation_id is None:
        return None
    return session.scalar(select(Booth).where(Booth.fair_id == fair_id,
                                              Booth.organisation_id == actor.organisation_id))


def my_registration(session: Session, actor: User, fair_id: int) -> FairRegistration | None:
    profile = my_profile(session, actor) if actor.role == "person" else None
    if profile is None:
        return None
    return session.scalar(select(FairRegistration).where(FairRegistration.fair_id == fair_id,
                                                         FairRegistration.profile_id == profile.id))


# --- fairs and booths ---------------------------------------------------------------------

def create_fair(session: Session, actor: User, data) -> Fair:
    if actor.role not in ORGANISER_ROLES:
        raise Forbidden("只有招聘会组织者可以创建招聘会", "only fair organisers can create fairs")
    if data.mode in ("onsite", "both") and not data.venue:
        raise ValidationFailed("现场招聘会须填写场地", "an on-site fair needs a venue", field="venue")
    fair = Fair(organiser_id=actor.id, name=data.name, mode=data.mode, held_on=data.held_on, venue=data.venue,
                slots=list(data.slots), description=data.description, status="open")
    session.add(fair)
    session.flush()
    audit.record(session, actor, "fair", fair.id, "create", after={"name": fair.name, "held_on": str(fair.held_on)})
    return fair


def set_status(session: Session, actor: User, fair_id: int, status: str) -> Fair:
    fair = _own_fair(session, actor, fair_id)
    before = fair.status
    fair.status = status
    session.flush()
    audit.record(session, actor, "fair", fair.id, "status", before={"status": before}, after={"status": status})
    publish_after_commit(session, fair.id, {"type": "fair"})
    return fair


def apply_booth(session: Session, actor: User, fair_id: int, data) -> Booth:
    if actor.role not in EMPLOYER_ROLES or actor.organisation_id is None:
        raise Forbidden("只有用人单位可以申请展位", "only employers can apply for a booth")
    fair = get_fair(session, actor, fair_id)
    if fair.status != "open":
        raise Conflict("该招聘会已不接受展位申请", "this fair no longer takes booth applications", field="fair")
    ids = list(dict.fromkeys(data.posting_ids))
    posts = list(session.scalars(select(Posting).where(Posting.id.in_(ids))))
    if len(posts) != len(ids) or any(p.organisation_id != actor.organisation_id for p in posts):
        raise ValidationFailed("只能带本单位的岗位参会", "bring only your own organisation's postings",
                               field="posting_ids")
    if any(p.status != "published" for p in posts):
        raise ValidationFailed("只能带已发布的岗位参会", "bring only published postings", field="posting_ids")
    booth = my_booth(session, actor, fair_id)
    if booth is not None and booth.status == "approved":
        raise Conflict("展位已获批准，不能再修改申请", "your booth is approved; the application can no longer change",
                       field="fair")
    new = booth is None
    if new:
        booth = Booth(fair_id=fair.id, organisation_id=actor.organisation_id, created_by_id=actor.id)
    booth.posting_ids, booth.recruiters, booth.per_slot = ids, data.recruiters, data.per_slot
    booth.status, booth.decision_note = "applied", ""
    try:
        with session.begin_nested():  # added inside: begin_nested flushes what is pending first
            if new:
                session.add(booth)
            session.flush()
    except IntegrityError:
        raise Conflict("本单位已申请过该招聘会的展位", "your organisation already applied for a booth", field="fair") from None
    audit.record(session, actor, "fair_booth", booth.id, "apply",
                 after={"postings": ids, "recruiters": data.recruiters, "per_slot": data.per_slot})
    return booth


def decide_booth(session: Session, actor: User, fair_id: int, booth_id: int, approve: bool, place: str = "",
                 note: str = "") -> Booth:
    fair = _own_fair(session, actor, fair_id)
    booth = session.get(Booth, booth_id)
    if booth is None or booth.fair_id != fair.id:
        raise NotFound("展位", "booth")
    if not approve and not note:
        raise ValidationFailed("拒绝展位申请时请说明理由", "give a reason when rejecting a booth", field="note")
    before = booth.status
    booth.status = "approved" if approve else "rejected"
    booth.place, booth.decision_note = place, note
    booth.decided_at = clock.now_utc()
    session.flush()
    audit.record(session, actor, "fair_booth", booth.id, "decide", before={"status": before},
                 after={"status": booth.status}, reason=note)
    publish_after_commit(session, fair.id, {"type": "booth", "booth": booth.id})
    return booth


def booths_of(session: Session, fair_id: int, status: str | None = None) -> list[Booth]:
    stmt = select(Booth).where(Booth.fair_id == fair_id).order_by(Booth.id)
    if status:
        stmt = stmt.where(Booth.status == status)
    return list(session.scalars(stmt))


def posting_titles(session: Session, ids) -> dict[int, str]:
    """Posting id → title, for the postings booths bring."""
    ids = list(ids)
    if not ids:
        return {}
    return {p.id: p.title for p in session.scalars(select(Posting).where(Posting.id.in_(ids)))}


def organiser_fair_page(session: Session, actor: User, fair_id: int) -> dict:
    """The organiser's page of a fair: its booths and their postings' titles, how many
    interviews are in each status, the confirmed and done ones by (booth, slot), and how many
    people registered and arrived."""
    fair = _own_fair(session, actor, fair_id)
    booths = booths_of(session, fair.id)
    ivs = list(session.scalars(select(Interview).where(Interview.fair_id == fair.id)))
    grid: dict = {}
    for i in ivs:
        if i.slot is not None and i.status in ("confirmed", "done"):
            grid.setdefault((i.booth_id, i.slot), []).append(i)
    regs = registrations(session, actor, fair.id)
    return {"fair": fair, "booths": booths, "statuses": [i.status for i in ivs], "grid": grid,
            "titles": posting_titles(session, [pid for b in booths for pid in b.posting_ids]),
            "registered": len(regs), "arrived": sum(1 for r in regs if r.checked_in_at)}


def employer_fairs_page(session: Session, actor: User) -> dict:
    """An employer's fairs page: the open fairs, its own booths by fair, and its published
    postings (what a booth application may bring)."""
    org_id = actor.organisation_id
    return {"fairs": list(session.scalars(select(Fair).where(Fair.status == "open")
                                          .order_by(Fair.held_on, Fair.id).limit(50))),
            "mine": {b.fair_id: b for b in session.scalars(select(Booth).where(Booth.organisation_id == org_id))},
            "posts": list(session.scalars(select(Posting).where(Posting.organisation_id == org_id,
                                                                Posting.status == "published")
                                          .order_by(Posting.id.desc())))}


def my_fairs_page(session: Session, actor: User) -> dict:
    """A person's fairs page: the open fairs and those they registered for, with their
    registrations by fair."""
    prof = my_profile(session, actor)
    regs = {}
    if prof is not None:
        regs = {r.fair_id: r for r in session.scalars(select(FairRegistration)
                                                      .where(FairRegistration.profile_id == prof.id))}
    items = list(session.scalars(select(Fair).where((Fair.status == "open") | Fair.id.in_(list(regs) or [0]))
                                 .order_by(Fair.held_on.desc(), Fair.id.desc()).limit(50)))
    return {"items": items, "regs": regs, "has_profile": prof is not None}


# --- registration and check-in --------------------------------------------------------------

def register(session: Session, actor: User, fair_id: int) -> FairRegistration:
    if actor.role != "person":
        raise Forbidden("只有求职者可以报名参会", "only job seekers register for a fair")
    profile = my_profile(session, actor)
    if profile is None:
        raise Conflict("请先填写个人档案再报名", "please complete your profile before registering", field="profile")
    fair = get_fair(session, actor, fair_id)
    if fair.status != "open":
        raise Conflict("该招聘会已结束报名", "registration for this fair is closed", field="fair")
    reg = my_registration(session, actor, fair_id)
    if reg is not None:
        return reg
    reg = FairRegistration(fair_id=fair.id, profile_id=profile.id)
    try:
        with session.begin_nested():  # added inside: begin_nested flushes what is pending first
            session.add(reg)
            session.flush()
    except IntegrityError:
        return my_registration(session, actor, fair_id)
    audit.record(session, actor, "fair_registration", reg.id, "create")
    after_commit(session, "marketplace.fairs_embed_profile", profile.id)
    return reg


def embed_for_fair(session: Session, encoder, profile_id: int) -> dict:
    """Compute (or find in the encoder's store) the vector a check-in will use."""
    profile = session.get(Profile, profile_id)
    if profile is None:
        return {"embedded": False, "reason": "profile gone"}

    _, data = to_matching([], [profile], clock.today())
    embed_profiles(data, encoder)
    return {"embedded": True, "profile": profile_id}


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=QR_SALT)


def checkin_token(secret: str, reg: FairRegistration) -> str:
    """The token drawn in the person's QR code (signed; expires QR_MAX_AGE after drawing)."""
    return _serializer(secret).dumps({"f": reg.fair_id, "r": reg.id, "p": reg.profile_id})


def read_token(secret: str, token: str, fair_id: int, max_age: int = QR_MAX_AGE) -> tuple[int, int]:
    """(registration id, profile id) from a token, or ValidationFailed saying why not."""
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed("二维码已过期，请让求职者刷新手机页面后重新出示",
                               "the QR code has expired; ask the person to reload their phone page and show it again",
                               field="token", code="token_expired") from None
    except BadSignature:
        raise ValidationFailed("二维码无效（签名不符，可能被篡改或不是本平台生成的）",
                               "the QR code is not valid (its signature does not match: altered or not ours)",
                               field="token", code="token_forged") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("f", "r", "p")):
        raise ValidationFailed("二维码无效", "the QR code is not valid", field="token", code="token_forged")
    if data["f"] != fair_id:
        raise ValidationFailed("该二维码属于另一场招聘会", "this QR code is for another fair", field="token",
                               code="token_other_fair")
    return data["r"], data["p"]


def check_in(session: Session, actor: User, cipher: Cipher, secret: str, fair_id: int, token: str | None = None,
             id_number: str | None = None, phone: str | None = None) -> FairRegistration:
    """The organiser checks a person in: by the QR token, or by ID / phone number (blind
    index lookup; a walk-in found this way is registered on the spot)."""
    fair = _own_fair(session, actor, fair_id)
    if fair.status != "open":
        raise Conflict("该招聘会已结束", "this fair is closed", field="fair")
    if token:
        reg_id, profile_id = read_token(secret, token, fair.id)
        reg = session.get(FairRegistration, reg_id, with_for_update=True)
        if reg is None or reg.fair_id != fair.id or reg.profile_id != profile_id:
            raise ValidationFailed("二维码对应的报名不存在", "the QR code's registration does not exist", field="token",
                                   code="token_unknown")
        method = "qr"
    else:
        method, value = ("id_number", id_number) if id_number else ("phone", phone)
        key = cipher.blind_index(value)
        col = Profile.id_number_hash if method == "id_number" else Profile.phone_hash
        found = list(session.scalars(select(Profile).where(col == key).limit(2)))
        if not found:
            raise NotFound("该证件号或手机号对应的求职者档案", "a profile with that ID or phone number")
        if len(found) > 1:
            raise Conflict("该手机号对应多名求职者，请改用身份证号", "several people share that phone number; use the ID number",
                           field=method)
        profile = found[0]
        reg = session.scalar(select(FairRegistration).where(FairRegistration.fair_id == fair.id,
                                                            FairRegistration.profile_id == profile.id))
        if reg is None:
            reg = FairRegistration(fair_id=fair.id, profile_id=profile.id)
            try:
                with session.begin_nested():  # added inside: begin_nested flushes what is pending first
                    session.add(reg)
                    session.flush()
            except IntegrityError:  # the person registered at the same moment: use that row
                reg = session.scalar(select(FairRegistration).where(FairRegistration.fair_id == fair.id,
                                                                    FairRegistration.profile_id == profile.id))
    if reg.checked_in_at is not None:
        return reg  # scanning twice is harmless
    reg.checked_in_at = clock.now_utc()
    reg.checkin_method, reg.checked_in_by_id = method, actor.id
    session.flush()
    audit.record(session, actor, "fair_registration", reg.id, "check_in", after={"method": method})
    publish_after_commit(session, fair.id, {"type": "checkin", "profile": reg.profile_id})
    return reg


def join_online(session: Session, actor: User, fair_id: int) -> FairRegistration:
    """A registered person joins an online (or on-site and online) fair from their own account:
    their own registration only, so nobody can check in anyone else this way."""
    if actor.role != "person":
        raise Forbidden("只有求职者本人可以在线参会", "only the person themselves can join online")
    fair = get_fair(session, actor, fair_id)
    if fair.mode == "onsite":
        raise Conflict("这是现场招聘会，请在入口出示二维码签到", "this fair is on-site only: show your QR code at the door",
                       field="fair")
    if fair.status != "open":
        raise Conflict("该招聘会已结束", "this fair is closed", field="fair")
    reg = my_registration(session, actor, fair_id)
    if reg is None:
        raise Conflict("请先报名", "register for the fair first", field="fair")
    reg = session.get(FairRegistration, reg.id, with_for_update=True)
    if reg.checked_in_at is None:
        reg.checked_in_at = clock.now_utc()
        reg.checkin_method, reg.checked_in_by_id = "online", actor.id
        session.flush()
        audit.record(session, actor, "fair_registration", reg.id, "check_in", after={"method": "online"})
        publish_after_commit(session, fair.id, {"type": "checkin", "profile": reg.profile_id})
    return reg


def _checked_in_where(fair_id: int):
    return (FairRegistration.fair_id == fair_id, FairRegistration.checked_in_at.is_not(None))


def checked_in(session: Session, fair_id: int, latest: int | None = None) -> list[FairRegistration]:
    """The fair's check-ins in the order they came; with ``latest``, only the last ``latest``
    of them, newest first (the desk's list: re-read after every check-in it makes)."""
    order = (FairRegistration.checked_in_at, FairRegistration.id)
    stmt = select(FairRegistration).where(*_checked_in_where(fair_id))
    if latest is None:
        return list(session.scalars(stmt.order_by(*order)))
    return list(session.scalars(stmt.options(joinedload(FairRegistration.profile))
                                .order_by(*(c.desc() for c in order)).limit(latest)))


def registrations(session: Session, actor: User, fair_id: int) -> list[FairRegistration]:
    _own_fair(session, actor, fair_id)
    return list(session.scalars(select(FairRegistration).where(FairRegistration.fair_id == fair_id)
                                .order_by(FairRegistration.id)))


# --- live matching --------------------------------------------------------------------------

EXPLAINED_MAX = 20_000  # a booth page's reasons kept per fair and process (~1 KB each; 300 booths x 30 rows fit)


class _Live:
    """One fair's matcher in this process, what it last saw of the fair's check-ins, and the
    reasons already worked out for booth pages (a booth's page is re-read on every change in the
    hall, and its rows mostly stay the same people)."""

    def __init__(self, key, m) -> None:
        self.key = key
        self.matcher = m
        self.seen: dict[str, dt.datetime] = {}  # person id -> the check-in time they were scored at
        self.stamp = None                       # checked_in_stamp() of the check-ins ``seen`` holds
        self.lock = threading.Lock()
        self.explained: OrderedDict = OrderedDict()  # (person, postings) -> (their ProfileData, explanation)
        self.explained_lock = threading.Lock()

    def best_reason(self, person_id: str, posting_ids: tuple[str, ...]) -> dict:
        """The reasons of the person's best match among the postings, as ``_explanation_dict``.
        Kept for the person as scored: a person checked in again (a new ProfileData in the
        matcher) is explained afresh."""
        m, key = self.matcher, (person_id, posting_ids)
        prof = m.people.get(person_id)
        with self.explained_lock:
            got = self.explained.get(key)
            if got is not None and got[0] is prof:
                self.explained.move_to_end(key)
                return got[1]
        items = m.explain(person_id, list(posting_ids), limit=1)
        reason = _explanation_dict(items[0]) if items else {}
        with self.explained_lock:
            self.explained[key] = (prof, reason)
            self.explained.move_to_end(key)
            while len(self.explained) > EXPLAINED_MAX:
                self.explained.popitem(last=False)
        return reason


_matchers: dict[tuple, _Live] = {}
_matchers_lock = threading.Lock()


def to_matching(postings: list[Posting], profiles: list[Profile], today: dt.date):
    """ORM rows → matching dataclasses (the one conversion; the app's shared converter)."""
    return [posting_data(p, today) for p in postings], [profile_data(p, today) for p in profiles]


def checked_in_stamp(session: Session, fair_id: int) -> tuple:
    """A cheap summary of who is checked in (one aggregate row, no rows loaded): how many,
    the latest check-in time and the sum of their profile ids. A check-in (a new latest time),
    a person leaving (fewer, another sum) or checking in again (a new latest time) changes it."""
    n, latest, total = session.execute(select(func.count(), func.max(FairRegistration.checked_in_at),
                                              func.sum(FairRegistration.profile_id))
                                       .where(*_checked_in_where(fair_id))).one()
    return (int(n), latest, int(total or 0))


def _stamp_of(present: dict[int, dt.datetime]) -> tuple:
    """``checked_in_stamp`` of a list of check-ins already read."""
    return (len(present), max(present.values(), default=None), sum(present))


def matcher(session: Session, encoder, fair: Fair, today: dt.date | None = None):
    """The fair's live matcher (``matching.fair.FairMatcher``), brought up to date (``_live``)."""
    return _live(session, encoder, fair, today).matcher


def _live(session: Session, encoder, fair: Fair, today: dt.date | None = None) -> _Live:
    """The fair's live matcher, brought up to date: rebuilt when the booths' postings change,
    otherwise only newly checked-in people are scored (and people no longer there removed).

    Each read costs three small queries while nothing changed: the approved booths' posting
    ids, their postings' count and latest change, and ``checked_in_stamp``. Only when the stamp
    differs from the one the matcher was last brought up to date at are the check-ins read
    (profile id and time only); the people new to it are then loaded in one query, embedded in
    one batch (their vectors were computed at registration: a cache read) and scored together
    (``FairMatcher.check_in_many``: the same scores as one by one). The stamp cannot tell apart
    two sets of check-ins with the same count, latest time and sum of ids (people leaving while
    others arrive earlier than the latest arrival, with the same sum); arrivals are stamped now,
    so a hall does not produce them."""
    today = today or fair.held_on
    booths = session.execute(select(Booth.id, Booth.posting_ids).where(Booth.fair_id == fair.id,
                                                                      Booth.status == "approved")
                             .order_by(Booth.id)).all()
    booth_of = {str(pid): b_id for b_id, posting_ids in booths for pid in posting_ids}
    # the postings' count and latest change (an edit stamps ``updated_at``) stand for all of them
    stamps = tuple(session.execute(select(func.count(), func.max(Posting.updated_at)).where(
        Posting.id.in_([int(i) for i in booth_of] or [0]))).one())
    key = (tuple(sorted(booth_of.items())), stamps, today)
    cache_key = (id(encoder), fair.id)
    with _matchers_lock:
        live = _matchers.get(cache_key)
        if live is None or live.key != key:
            posts = list(session.scalars(select(Posting).where(Posting.id.in_([int(i) for i in booth_of] or [0]))
                                         .options(joinedload(Posting.organisation))))
            pdata, _ = to_matching(posts, [], today)
            live = _Live(key, FairMatcher(pdata, {p.id: booth_of[p.id] for p in pdata}, encoder=encoder,
                                          today=today))
            _matchers[cache_key] = live
    m = live.matcher
    with live.lock:
        stamp = checked_in_stamp(session, fair.id)
        if stamp == live.stamp:
            return live
        present = dict(session.execute(select(FairRegistration.profile_id, FairRegistration.checked_in_at)
                                       .where(*_checked_in_where(fair.id))).all())
        seen = live.seen
        for pid in [p for p in list(m.scores) if present.get(int(p)) != seen.get(p)]:
            m.remove(pid)  # left, or checked in again (rescored below with their profile as it is now)
            seen.pop(pid, None)
        new = [p for p in present if str(p) not in m]
        if new:
            profiles = []
            for k in range(0, len(new), 500):  # bounded IN lists
                profiles += session.scalars(select(Profile).where(Profile.id.in_(new[k:k + 500]))
                                            .options(selectinload(Profile.categories)))
            profiles.sort(key=lambda p: p.id)
            _, sdata = to_matching([], profiles, today)
            m.check_in_many(sdata, embed_profiles(sdata, encoder))
            for prof in sdata:
                seen[prof.id] = present[int(prof.id)]
        # the stamp of what was read (not the one above: a check-in may have come in between)
        live.stamp = _stamp_of(present)
    return live


def _explanation_dict(item) -> dict:
    e = item.explanation
    return {"reasons_zh": e.reasons_zh, "reasons_en": e.reasons_en, "gaps_zh": e.gaps_zh, "gaps_en": e.gaps_en,
            "matched_skills": list(e.matched_skills)} if e is not None else {}


def person_view(session: Session, actor: User, encoder, fair_id: int, limit: int = 20) -> dict:
    """What a checked-in person sees: booths and postings ranked for them, with reasons."""
    if actor.role != "person":
        raise Forbidden("只有求职者有个人推荐", "only job seekers have personal rankings")
    fair = get_fair(session, actor, fair_id)
    reg = my_registration(session, actor, fair_id)
    if reg is None:
        raise NotFound("您的报名（请先报名）", "your registration (register first)")
    out = {"fair": fair_to_dict(fair), "registered": True, "checked_in": reg.checked_in_at is not None,
           "booths": [], "postings": []}
    if reg.checked_in_at is None:
        return out
    m = matcher(session, encoder, fair)
    pid = str(reg.profile_id)
    ranking = m.for_person(pid, limit=limit)
    explained = {i.id: i for i in m.explain(pid, [p for p, _ in ranking.postings], limit=limit)}
    posts = {p.id: p for p in session.scalars(select(Posting).where(
        Posting.id.in_([int(p) for p, _ in ranking.postings] or [0])).options(joinedload(Posting.organisation)))}
    booths = {b.id: b for b in session.execute(select(Booth.id, Booth.place, Organisation.name.label("organisation"))
                                               .join(Organisation, Organisation.id == Booth.organisation_id)
                                               .where(Booth.fair_id == fair.id, Booth.status == "approved"))}
    for post_id, score in ranking.postings:
        p = posts.get(int(post_id))
        if p is None:
            continue
        item = explained.get(post_id)
        out["postings"].append({"id": p.id, "title": p.title, "kind": p.kind, "score": round(score, 3),
                                "booth_id": m.booth_of.get(post_id), "organisation": p.organisation.name,
                                "explanation": _explanation_dict(item) if item else {}})
    for booth_id, score, best in ranking.booths:
        b = booths.get(booth_id)
        if b is None:
            continue
        out["booths"].append({"id": b.id, "organisation": b.organisation, "place": b.place,
                              "score": round(score, 3), "best_posting_id": int(best)})
    return out


def booth_view(session: Session, actor: User, encoder, fair_id: int, booth_id: int, limit: int = 30) -> dict:
    """What a booth sees: the checked-in people ranked for its postings, with reasons, and its queue."""
    booth = _own_booth(session, actor, fair_id, booth_id)
    fair = get_fair(session, actor, fair_id)
    ivs = booth_interviews(session, booth.id)
    out = {"fair": fair_to_dict(fair), "booth": booth_to_dict(booth), "people": [],
           "interviews": [interview_to_dict(i, fair) for i in ivs]}
    if booth.status != "approved":
        return out
    live = _live(session, encoder, fair)
    rows = live.matcher.for_booth(booth.id, limit=limit)
    profiles = {p.id: p for p in session.scalars(select(Profile).where(
        Profile.id.in_([int(p) for p, _, _ in rows] or [0])))}
    asked = {i.profile_id: i for i in ivs}
    mine = tuple(str(p) for p in booth.posting_ids)
    for pid, score, post_id in rows:
        prof = profiles.get(int(pid))
        if prof is None:
            continue
        iv = asked.get(prof.id)
        out["people"].append({"profile_id": prof.id, "name": prof.name, "district": prof.district,
                              "education": prof.education, "skills": list(prof.skills)[:8],
                              "score": round(score, 3), "posting_id": int(post_id),
                              "explanation": live.best_reason(pid, mine),
                              "interview": {"id": iv.id, "status": iv.status, "slot": iv.slot} if iv else None})
    return out


# --- interviews -----------------------------------------------------------------------------

def booth_interviews(session: Session, booth_id: int) -> list[Interview]:
    return list(session.scalars(select(Interview).where(Interview.booth_id == booth_id)
                                .options(joinedload(Interview.profile), joinedload(Interview.posting))
                                .order_by(Interview.slot.is_(None), Interview.slot, Interview.id)))


def person_interviews(session: Session, actor: User, fair_id: int) -> list[Interview]:
    reg = my_registration(session, actor, fair_id)
    if reg is None:
        return []
    return list(session.scalars(select(Interview).where(Interview.fair_id == fair_id,
                                                        Interview.profile_id == reg.profile_id)
                                .order_by(Interview.slot.is_(None), Interview.slot, Interview.id)))


def _upsert_interview(session: Session, actor: User, fair: Fair, booth: Booth, profile_id: int, by: str,
                      encoder) -> Interview:
    if fair.status != "open":
        raise Conflict("该招聘会已结束", "this fair is closed", field="fair")
    if booth.status != "approved":
        raise Conflict("该展位尚未获批", "this booth is not approved", field="booth_id")
    score, posting_id = float("-inf"), None
    if encoder is not None:
        m = matcher(session, encoder, fair)
        score, posting_id = m.score(str(profile_id), booth.id)
    iv = session.scalar(select(Interview).where(Interview.booth_id == booth.id, Interview.profile_id == profile_id)
                        .with_for_update())
    if iv is not None and iv.status in ("requested", "confirmed", "done"):
        return iv
    new = iv is None
    if new:
        iv = Interview(fair_id=fair.id, booth_id=booth.id, profile_id=profile_id, requested_by=by)
    iv.status, iv.slot, iv.requested_by = "requested", None, by
    iv.score = score if score != float("-inf") else -20.0
    iv.posting_id = int(posting_id) if posting_id else (booth.posting_ids[0] if booth.posting_ids else None)
    try:
        with session.begin_nested():  # added inside: begin_nested flushes what is pending first
            if new:
                session.add(iv)
            session.flush()
    except IntegrityError:  # the other side asked at the same moment: one interview, theirs
        return session.scalar(select(Interview).where(Interview.booth_id == booth.id,
                                                      Interview.profile_id == profile_id))
    audit.record(session, actor, "fair_interview", iv.id, "request", after={"by": by})
    publish_after_commit(session, fair.id, {"type": "interview", "booth": booth.id, "profile": profile_id})
    return iv


def request_interview(session: Session, actor: User, encoder, fair_id: int, booth_id: int) -> Interview:
    """A checked-in person asks a booth for an interview."""
    if actor.role != "person":
        raise Forbidden("只有求职者可以申请面试", "only job seekers ask for interviews")
    fair = get_fair(session, actor, fair_id)
    reg = my_registration(session, actor, fair_id)
    if reg is None or reg.checked_in_at is None:
        raise Conflict("请先在入口签到，再申请面试", "check in at the door before asking for interviews", field="fair")
    booth = session.get(Booth, booth_id)
    if booth is None or booth.fair_id != fair.id or booth.status != "approved":
        raise NotFound("展位", "booth")
    posts = list(session.scalars(select(Posting).where(Posting.id.in_(booth.posting_ids or [0]))))
    profile = session.get(Profile, reg.profile_id)
    problems = [target_group_problem(profile, p.target_group) for p in posts]
    if posts and all(problems):
        raise Conflict(*problems[0], field="booth_id")
    return _upsert_interview(session, actor, fair, booth, reg.profile_id, "person", encoder)


def invite(session: Session, actor: User, encoder, fair_id: int, booth_id: int, profile_id: int) -> Interview:
    """A booth invites a checked-in person."""
    booth = _own_booth(session, actor, fair_id, booth_id)
    fair = get_fair(session, actor, fair_id)
    reg = session.scalar(select(FairRegistration).where(FairRegistration.fair_id == fair.id,
                                                        FairRegistration.profile_id == profile_id))
    if reg is None or reg.checked_in_at is None:
        raise NotFound("已签到的求职者", "checked-in person")
    return _upsert_interview(session, actor, fair, booth, profile_id, "booth", encoder)


def _interview_for(session: Session, actor: User, interview_id: int) -> Interview:
    iv = session.get(Interview, interview_id)
    if iv is None:
        raise NotFound("面试", "interview")
    if actor.role == "person":
        prof = my_profile(session, actor)
        ok = prof is not None and prof.id == iv.profile_id
    elif actor.role in EMPLOYER_ROLES:
        ok = iv.booth.organisation_id == actor.organisation_id
    elif actor.role in ORGANISER_ROLES:
        fair = session.get(Fair, iv.fair_id)
        ok = actor.role == "admin" or fair.organiser_id == actor.id
    else:
        ok = False
    if not ok:
        raise NotFound("面试", "interview")
    return iv


def cancel_interview(session: Session, actor: User, interview_id: int, note: str = "") -> Interview:
    iv = _interview_for(session, actor, interview_id)
    if iv.status not in ("requested", "confirmed"):
        raise Conflict("只能取消待安排或已确认的面试", "only requested or confirmed interviews can be cancelled",
                       field="status")
    before = iv.status
    iv.status, iv.note = "cancelled", note
    session.flush()
    audit.record(session, actor, "fair_interview", iv.id, "cancel", before={"status": before, "slot": iv.slot},
                 after={"status": "cancelled"}, reason=note)
    publish_after_commit(session, iv.fair_id, {"type": "interview", "booth": iv.booth_id, "profile": iv.profile_id})
    if before == "confirmed":
        # the freed seat goes to a waiting request at once, around the confirmed interviews
        fair = session.get(Fair, iv.fair_id, with_for_update=True)
        if fair.status == "open" and iv.slot is not None and iv.slot >= fair.current_slot:
            filled = _allocate(session, fair, fair.current_slot)
            audit.record(session, actor, "fair", fair.id, "allocate", after=dict(filled, trigger="cancellation"))
    return iv


def run_allocation(session: Session, actor: User, fair_id: int, from_slot: int | None = None) -> dict:
    """One allocation round: requested interviews of checked-in people get slots from
    ``from_slot`` (default: the slot under way) on; confirmed interviews stay where they are."""
    fair = _own_fair(session, actor, fair_id, lock=True)
    n = len(fair.slots)
    start = fair.current_slot if from_slot is None else from_slot
    if not 0 <= start < n:
        raise ValidationFailed(f"时段应在 0 到 {n - 1} 之间", f"the slot must be from 0 to {n - 1}", field="from_slot")
    summary = _allocate(session, fair, start)
    audit.record(session, actor, "fair", fair.id, "allocate", after=summary)
    return summary


def _allocate(session: Session, fair: Fair, start: int) -> dict:
    n = len(fair.slots)
    booths = {b.id: b for b in booths_of(session, fair.id, "approved")}
    present = set(session.scalars(select(FairRegistration.profile_id).where(*_checked_in_where(fair.id))))
    ivs = list(session.scalars(select(Interview).where(Interview.fair_id == fair.id,
                                                       Interview.status.in_(("requested", "confirmed")))
                               .with_for_update()))
    confirmed = [Confirmed(i.id, i.profile_id, i.booth_id, i.slot) for i in ivs
                 if i.status == "confirmed" and i.slot is not None]
    requests = [Request(i.id, i.profile_id, i.booth_id, quality(i.score)) for i in ivs
                if i.status == "requested" and i.booth_id in booths and i.profile_id in present]
    capacity = {b.id: [b.capacity] * n for b in booths.values()}
    result = allocate(requests, capacity, confirmed, slots=range(start, n))
    by_id = {i.id: i for i in ivs}
    for iid, slot in result.assigned.items():
        iv = by_id[iid]
        iv.status, iv.slot = "confirmed", slot
    session.flush()
    summary = {"requests": len(requests), "assigned": len(result.assigned), "unplaced": len(result.unplaced),
               "kept": len(confirmed), "from_slot": start, "total_quality": round(result.total, 4),
               "optimal": result.optimal}
    publish_after_commit(session, fair.id, {"type": "allocation", "assigned": len(result.assigned)})
    return summary


def advance_slot(session: Session, actor: User, fair_id: int) -> Fair:
    """Move the hall to the next slot (the board shows the interviews under way)."""
    fair = _own_fair(session, actor, fair_id, lock=True)
    if fair.current_slot + 1 >= len(fair.slots):
        raise Conflict("已是最后一个时段", "this is already the last slot", field="slot")
    fair.current_slot += 1
    session.flush()
    audit.record(session, actor, "fair", fair.id, "slot", after={"current_slot": fair.current_slot})
    publish_after_commit(session, fair.id, {"type": "slot", "slot": fair.current_slot})
    return fair


STAGE_FOR = {"intent": "offer", "offer": "offer", "hired": "hired"}


def record_outcome(session: Session, actor: User, interview_id: int, outcome: str, note: str = "") -> Interview:
    """The booth records how an interview went. Intent to hire, offer and hire flow into an
    application on the posting (created if the person had not applied), moved through the
    applications service; an internship hire shows on the employer's internship page as a hire
    awaiting its agreement (R1), which is where the subsidy record starts."""
    iv = _interview_for(session, actor, interview_id)
    if actor.role not in EMPLOYER_ROLES:
        raise Forbidden("只有展位单位可以记录面试结果", "only the booth's employer records outcomes")
    if iv.status not in ("confirmed", "done", "requested"):
        raise Conflict("已取消的面试不能记录结果", "a cancelled interview has no outcome", field="status")
    before = {"status": iv.status, "outcome": iv.outcome}
    iv.status, iv.outcome, iv.note = "done", outcome, note
    if outcome in STAGE_FOR and iv.posting_id:
        app = session.scalar(select(Application).where(Application.posting_id == iv.posting_id,
                                                       Application.profile_id == iv.profile_id))
        fair = session.get(Fair, iv.fair_id)
        if app is None:
            app = Application(posting_id=iv.posting_id, profile_id=iv.profile_id, stage="applied",
                              note=f"招聘会：{fair.name}")
            app.events.append(ApplicationEvent(from_stage=None, to_stage="applied", actor_id=actor.id,
                                               note=f"招聘会面试 / fair interview #{iv.id}"))
            session.add(app)
            session.flush()
            audit.record(session, actor, "application", app.id, "create", after={"stage": "applied", "fair": fair.id})
        iv.application_id = app.id
        target = STAGE_FOR[outcome]
        if app.stage in FORWARD and FORWARD.index(app.stage) < FORWARD.index("interview") < FORWARD.index(target):
            move_stage(session, actor, app.id, "interview", f"招聘会面试 / fair interview #{iv.id}")
        if app.stage in FORWARD and FORWARD.index(app.stage) < FORWARD.index(target):
            move_stage(session, actor, app.id, target, note or f"招聘会 / fair: {outcome}")
        if outcome == "hired":
            iv.subsidy_note = _hire_follow_up(session, app, iv.posting)
    session.flush()
    audit.record(session, actor, "fair_interview", iv.id, "outcome", before=before,
                 after={"status": "done", "outcome": outcome})
    publish_after_commit(session, iv.fair_id, {"type": "outcome", "booth": iv.booth_id, "profile": iv.profile_id,
                                               "outcome": outcome})
    return iv


def _hire_follow_up(session: Session, app: Application, posting: Posting) -> str:
    """What a fair hire leads to, for the booth's note: the areas' answers to
    ``hooks.hire_follow_up`` (internships: the agreement that starts the subsidy record, R1);
    without one, the hiring-subsidy claim any hire can carry (R6/R7)."""
    answers = hooks.ask(hooks.hire_follow_up, session, application=app)
    if answers:
        return "; ".join(answers)
    if posting.kind == "internship":
        return "internship hire: no internships area"
    return (f"hire: application #{app.id} can carry a hiring-subsidy claim (R6/R7) with the "
            "contract facts, from the subsidy claims page")


# --- board and report -------------------------------------------------------------------------

def board(session: Session, fair_id: int) -> dict:
    """The hall screen: counts, latest check-ins, interviews in the current slot, intents to hire.
    Names are shortened (surname + *) on a public screen. Counted in the database; only the
    rows shown are loaded."""
    fair = get_fair(session, None, fair_id)
    R, I = FairRegistration, Interview
    registered, arrived = session.execute(select(func.count(), func.count(R.checked_in_at))
                                          .where(R.fair_id == fair.id)).one()
    latest = session.execute(select(Profile.name, R.checked_in_at).join(Profile, Profile.id == R.profile_id)
                             .where(*_checked_in_where(fair.id))
                             .order_by(R.checked_in_at.desc(), R.id).limit(8)).all()
    by_status = dict(session.execute(select(I.status, func.count()).where(I.fair_id == fair.id)
                                     .group_by(I.status)).all())
    with_intent = (I.fair_id == fair.id, I.outcome.in_(("intent", "offer", "hired")))
    intents = session.scalar(select(func.count()).select_from(I).where(*with_intent))
    shown = (joinedload(I.booth).joinedload(Booth.organisation), joinedload(I.profile))
    now = session.scalars(select(I).where(I.fair_id == fair.id, I.status == "confirmed", I.slot == fair.current_slot)
                          .options(*shown).order_by(I.id)).all()
    intent_list = session.scalars(select(I).where(*with_intent).options(*shown)
                                  .order_by(I.updated_at.desc(), I.id).limit(8)).all()
    return {
        "fair": fair_to_dict(fair),
        "registered": registered, "checked_in": arrived,
        "booths": session.scalar(select(func.count()).select_from(Booth).where(Booth.fair_id == fair.id,
                                                                               Booth.status == "approved")),
        "requested": by_status.get("requested", 0), "confirmed": by_status.get("confirmed", 0),
        "done": by_status.get("done", 0), "intents": intents,
        "latest": [{"name": _short(name), "at": clock.local_time(at)} for name, at in latest],
        "now": [{"booth": i.booth.organisation.name, "place": i.booth.place, "name": _short(i.profile.name)}
                for i in now],
        "intent_list": [{"booth": i.booth.organisation.name, "name": _short(i.profile.name), "outcome": i.outcome}
                        for i in intent_list],
    }


def _short(name: str) -> str:
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


GROUPS = ("graduating_year_graduate", "registered_unemployed", "veteran", "disabled", "zero_employment_family",
          "landless_farmer", "poverty_registered", "hubei_origin")


def report(session: Session, actor: User, fair_id: int) -> dict:
    """After the fair: attendance by group; per booth interviews, offers and hires within
    30 days of the fair (from the applications the fair's outcomes flowed into)."""
    fair = _own_fair(session, actor, fair_id)
    regs = list(session.scalars(select(FairRegistration).where(FairRegistration.fair_id == fair.id)))
    groups = {g: [0, 0] for g in GROUPS + ("other",)}
    for r in regs:
        cats = [c.category for c in r.profile.categories if c.category in GROUPS] or ["other"]
        for c in cats:
            groups[c][0] += 1
            groups[c][1] += r.checked_in_at is not None
    until = dt.datetime.combine(fair.held_on + dt.timedelta(days=HIRE_WINDOW_DAYS), dt.time.max)
    rows = []
    for b in booths_of(session, fair.id, "approved"):
        ivs = list(session.scalars(select(Interview).where(Interview.booth_id == b.id)))
        app_ids = [i.application_id for i in ivs if i.application_id]
        hires = offers = 0
        if app_ids:
            events = list(session.scalars(select(ApplicationEvent).where(
                ApplicationEvent.application_id.in_(app_ids), ApplicationEvent.at <= until)))
            hires = len({e.application_id for e in events if e.to_stage == "hired"})
            offers = len({e.application_id for e in events if e.to_stage in ("offer", "hired")})
        rows.append({"booth_id": b.id, "organisation": b.organisation.name, "place": b.place,
                     "requested": len(ivs), "interviews": sum(i.status in ("confirmed", "done") for i in ivs),
                     "done": sum(i.status == "done" for i in ivs),
                     "intents": sum(i.outcome in ("intent", "offer", "hired") for i in ivs),
                     "offers": offers, "hires_30d": hires})
    return {"fair": fair_to_dict(fair), "registered": len(regs),
            "checked_in": sum(r.checked_in_at is not None for r in regs),
            "groups": [{"group": g, "registered": v[0], "checked_in": v[1]} for g, v in groups.items() if v[0]],
            "booths": rows, "hire_window_days": HIRE_WINDOW_DAYS}


def report_csv(rep: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "name", "registered", "checked_in", "requested", "interviews", "intents", "offers",
                "hires_30d"])
    for g in rep["groups"]:
        w.writerow(["group", g["group"], g["registered"], g["checked_in"], "", "", "", "", ""])
    for b in rep["booths"]:
        w.writerow(["booth", b["organisation"], "", "", b["requested"], b["interviews"], b["intents"], b["offers"],
                    b["hires_30d"]])
    return "\ufeff" + out.getvalue()  # BOM: Excel opens Chinese CSV correctly


# --- dicts ------------------------------------------------------------------------------------

def fair_to_dict(f: Fair) -> dict:
    return {"id": f.id, "name": f.name, "mode": f.mode, "held_on": f.held_on.isoformat(), "venue": f.venue,
            "slots": list(f.slots), "status": f.status, "current_slot": f.current_slot, "description": f.description}


def booth_to_dict(b: Booth) -> dict:
    return {"id": b.id, "fair_id": b.fair_id, "organisation": {"id": b.organisation_id, "name": b.organisation.name},
            "status": b.status, "posting_ids": list(b.posting_ids), "recruiters": b.recruiters, "per_slot": b.per_slot,
            "capacity": b.capacity, "place": b.place, "decision_note": b.decision_note}


def registration_to_dict(r: FairRegistration) -> dict:
    return {"id": r.id, "fair_id": r.fair_id, "profile_id": r.profile_id, "registered_at": r.registered_at.isoformat(),
            "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
            "checkin_method": r.checkin_method or None}


def interview_to_dict(i: Interview, fair: Fair | None = None) -> dict:
    slots = fair.slots if fair is not None else []
    return {"id": i.id, "fair_id": i.fair_id, "booth_id": i.booth_id, "organisation": i.booth.organisation.name,
            "profile_id": i.profile_id, "name": i.profile.name, "posting_id": i.posting_id,
            "posting": i.posting.title if i.posting else None, "requested_by": i.requested_by, "status": i.status,
            "slot": i.slot, "slot_label": slots[i.slot] if i.slot is not None and i.slot < len(slots) else None,
            "score": round(i.score, 3), "outcome": i.outcome, "application_id": i.application_id,
            "subsidy_note": i.subsidy_note}
