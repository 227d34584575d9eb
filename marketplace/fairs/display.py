"""The hall display (issue 16): the fair's board on a screen in the hall, opened by a link
the organiser makes, without logging in on that screen.

* **The link** holds a random secret (``secrets.token_urlsafe(32)``); only its SHA-256 is
  kept (like a password-reset token): the organiser sees the link once, when it is made.
  It works until the end of the fair's day in Fushun (on the business clock), or until the
  organiser revokes it or makes a new one (which revokes the old). Every change is audited;
  the secret and its hash never enter the audit.
* **A refused link** (unknown, revoked, expired) raises ``LinkGone`` (404 for an unknown
  link, 410 for one that worked once); the page says only that the link is no longer valid,
  nothing about the fair.
* **What the screen shows**: counts, and people's names masked (``赵**``,
  ``documents.mask_name``): the latest arrivals and the interviews in the slot under way.
  Never an ID number, a phone, nor who a booth intends to hire: intents are counted per booth.
* **Cheap to serve**: a screen re-reads its fragment every few seconds, so a read is two
  queries: the link with its fair, then everything shown in one ``UNION ALL`` (the counts,
  each approved booth's tally, the 8 latest arrivals, the interviews under way).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import DateTime, Integer, String, case, cast, func, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import Organisation, Profile, User
from marketplace.documents import mask_name
from marketplace.errors import Conflict, DomainError, ValidationFailed
from marketplace.fairs.booths import own_fair
from marketplace.fairs.models import BoardLink, Booth, Fair, FairRegistration, Interview

LATEST = 8  # arrivals shown
NOW_MAX = 8  # interviews under way shown (one more is read, to say there are more)
BOOTHS_SHOWN = 8  # booths in the table (the busiest first)
ORG_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")  # left off on the screen: the rest names the employer
WAITING = ("requested", "confirmed")
INTENT = ("intent", "offer", "hired")


class LinkGone(DomainError):
    """A display link that does not open the board: unknown (404), or revoked or past the
    fair's end (410). The message is the same for all and says nothing about the fair."""
    status = 404
    code = "display_link_invalid"

    def __init__(self, status: int = 404):
        super().__init__("此展示链接已失效，请向招聘会组织者索取新的链接",
                         "this display link is no longer valid; ask the fair's organiser for a new one")
        self.status = status


def short_org(name: str) -> str:
    """An employer's name as the screen shows it: without the company-form suffix
    (``抚顺恒远汽车零部件有限公司`` → ``抚顺恒远汽车零部件``), so that it fits a row."""
    for suffix in ORG_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def business_now() -> dt.datetime:
    """Now on the business clock, as stored (naive UTC): the real time of day, on the pinned
    date where the installation pins one (``MARKETPLACE_TODAY``), else the real moment."""
    real = clock.now_utc()
    if clock.pinned() is None:
        return real
    moment = dt.datetime.combine(clock.today(), clock.local(real).time(), tzinfo=clock.TZ)
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def fair_ends_at(fair: Fair) -> dt.datetime:
    """The end of the fair's day in Fushun (the next local midnight), as stored (naive UTC)."""
    end = dt.datetime.combine(fair.held_on + dt.timedelta(days=1), dt.time(0), tzinfo=clock.TZ)
    return end.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _works(link: BoardLink, fair: Fair, now: dt.datetime) -> bool:
    # the fair's current day counts too: a fair moved earlier ends its links with it
    return link.revoked_at is None and now < min(link.expires_at, fair_ends_at(fair))


def current_link(session: Session, actor: User, fair_id: int) -> dict:
    """The organiser's view of the fair's display link: whether one works now, since when,
    by whom and until when (the link itself cannot be shown again: only its hash is kept)."""
    fair = own_fair(session, actor, fair_id)
    now = business_now()
    links = session.scalars(select(BoardLink).where(BoardLink.fair_id == fair.id, BoardLink.revoked_at.is_(None))
                            .order_by(BoardLink.id.desc())).all()
    live = next((lk for lk in links if _works(lk, fair, now)), None)
    return {"fair": fair, "link": live, "ended": now >= fair_ends_at(fair),
            "made_by": live.created_by.display_name if live else ""}


def _revoke_live(session: Session, actor: User, fair: Fair, reason: str) -> int:
    now = clock.now_utc()
    links = session.scalars(select(BoardLink).where(BoardLink.fair_id == fair.id, BoardLink.revoked_at.is_(None))
                            .with_for_update()).all()
    for lk in links:
        lk.revoked_at, lk.revoked_by_id = now, actor.id
        audit.record(session, actor, "fair_board_link", lk.id, "revoke", before={"fair_id": fair.id, "revoked": False},
                     after={"fair_id": fair.id, "revoked": True}, reason=reason)
    return len(links)


def issue_link(session: Session, actor: User, fair_id: int) -> tuple[BoardLink, str]:
    """A new display link for the fair (the old one, if any, stops working): the link row
    and its secret, which is shown once and never stored."""
    fair = own_fair(session, actor, fair_id, lock=True)
    if business_now() >= fair_ends_at(fair):
        raise ValidationFailed("招聘会已结束，不能再生成展示链接", "the fair is over; a display link cannot outlive it",
                               field="fair")
    _revoke_live(session, actor, fair, "replaced by a new link")
    token = secrets.token_urlsafe(32)
    link = BoardLink(fair_id=fair.id, token_hash=_hash(token), expires_at=fair_ends_at(fair), created_by_id=actor.id)
    session.add(link)
    session.flush()
    audit.record(session, actor, "fair_board_link", link.id, "create",
                 after={"fair_id": fair.id, "expires_at": link.expires_at.isoformat()})
    return link, token


def revoke_link(session: Session, actor: User, fair_id: int) -> None:
    """The organiser revokes the fair's display link: screens showing it say it is no longer
    valid at their next refresh."""
    fair = own_fair(session, actor, fair_id, lock=True)
    if not _revoke_live(session, actor, fair, "revoked by the organiser"):
        raise Conflict("这个招聘会没有有效的展示链接", "this fair has no display link to revoke")


def _link_and_fair(session: Session, token: str) -> Fair:
    """Query 1: the link with its fair, by the hash of the secret (an attacker cannot steer
    a hash, so the index lookup tells nothing by its timing; the digests are compared
    again in constant time)."""
    digest = _hash(token or "")
    row = session.execute(select(BoardLink, Fair).join(Fair, Fair.id == BoardLink.fair_id)
                          .where(BoardLink.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row[0].token_hash, digest):
        raise LinkGone(404)
    link, fair = row
    if not _works(link, fair, business_now()):
        raise LinkGone(410)
    return fair


COLUMNS = ("kind", "ref", "label", "place", "at", "n1", "n2", "n3", "n4")


def _row(kind: str, ref=None, label=None, place=None, at=None, n1=None, n2=None, n3=None, n4=None) -> list:
    """One select's columns in the order and names of ``COLUMNS`` (a missing one is a typed NULL or 0)."""
    def given(value, typ):
        return cast(null(), typ) if value is None else value

    zero = literal_column("0", Integer)
    values = (literal_column(f"'{kind}'", String), given(ref, Integer), given(label, String), given(place, String),
              given(at, DateTime), *(zero if n is None else n for n in (n1, n2, n3, n4)))
    return [v.label(name) for v, name in zip(values, COLUMNS)]


def _shown_rows(fair: Fair):
    """Query 2: every row the board shows, in one statement (columns: ``COLUMNS``; what
    ``ref``, ``label`` and the numbers are depends on the kind)."""
    R, I, B = FairRegistration, Interview, Booth

    def tally(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    counts = select(*_row("counts", n1=func.count(R.id), n2=func.count(R.checked_in_at))).where(R.fair_id == fair.id)
    booths = (select(*_row("booth", B.id, Organisation.name, B.place, n1=tally(I.status.in_(WAITING)),
                           n2=tally(I.status == "done"), n3=tally(I.outcome.in_(INTENT)),
                           n4=tally(I.status == "confirmed")))
              .join(Organisation, Organisation.id == B.organisation_id)
              .outerjoin(I, I.booth_id == B.id)
              .where(B.fair_id == fair.id, B.status == "approved")
              .group_by(B.id, Organisation.name, B.place))
    latest = (select(*_row("arrived", R.id, Profile.name, at=R.checked_in_at))
              .join(Profile, Profile.id == R.profile_id)
              .where(R.fair_id == fair.id, R.checked_in_at.is_not(None))
              .order_by(R.checked_in_at.desc(), R.id.desc()).limit(LATEST).subquery())
    under_way = (select(*_row("now", I.booth_id, Profile.name, n1=I.id))
                 .join(Profile, Profile.id == I.profile_id)
                 .where(I.fair_id == fair.id, I.status == "confirmed", I.slot == fair.current_slot)
                 .order_by(I.id).limit(NOW_MAX + 1).subquery())
    return union_all(counts, booths, select(*latest.c), select(*under_way.c))


def display_board(session: Session, token: str) -> dict:
    """What the hall display shows for the link's secret ``token`` (``LinkGone`` if the link
    does not work): counts, the busiest booths' tallies, the latest arrivals and the
    interviews under way, names masked. Two queries."""
    fair = _link_and_fair(session, token)
    registered = arrived = 0
    booths, latest, now = [], [], []
    for row in session.execute(_shown_rows(fair)):
        if row.kind == "counts":
            registered, arrived = row.n1, row.n2
        elif row.kind == "booth":
            booths.append({"id": row.ref, "organisation": short_org(row.label), "place": row.place or "",
                           "waiting": int(row.n1), "done": int(row.n2), "intents": int(row.n3),
                           "confirmed": int(row.n4)})
        elif row.kind == "arrived":
            latest.append((row.at, row.ref, mask_name(row.label)))
        else:
            now.append({"booth_id": row.ref, "name": mask_name(row.label), "id": row.n1})
    latest = [{"name": name, "at": clock.local_time(at, "%H:%M")} for at, _, name in sorted(latest, reverse=True)]
    where = {b["id"]: b for b in booths}
    now = [{"booth": where[n["booth_id"]]["organisation"], "place": where[n["booth_id"]]["place"], "name": n["name"]}
           for n in sorted(now, key=lambda n: (where.get(n["booth_id"], {}).get("place", ""), n["id"]))
           if n["booth_id"] in where]
    more = len(now) > NOW_MAX
    busiest = sorted(booths, key=lambda b: (-b["intents"], -b["done"], -b["waiting"], b["place"], b["id"]))
    slots = list(fair.slots)
    return {"fair": {"name": fair.name, "held_on": fair.held_on, "venue": fair.venue},
            "slot": slots[fair.current_slot] if 0 <= fair.current_slot < len(slots) else "",
            "clock": clock.local_time(business_now(), "%H:%M"),
            "registered": registered, "checked_in": arrived, "booths": len(booths),
            "waiting": sum(b["waiting"] for b in booths), "done": sum(b["done"] for b in booths),
            "intents": sum(b["intents"] for b in booths), "confirmed": sum(b["confirmed"] for b in booths),
            "booth_rows": busiest[:BOOTHS_SHOWN], "latest": latest, "now": now[:NOW_MAX], "now_more": more}
