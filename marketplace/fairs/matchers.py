"""The fair's live matcher in this process, kept up to date with the fair's check-ins.

A ``FairMatcher`` per fair and process (matching.fair), refreshed on each read from the fair's
check-ins: a new check-in scores only that person against the fair's postings, and while
nothing changed a read costs a few aggregate queries (``checked_in_stamp``), not a read of every
check-in. The live pages (``live``) and interview requests (``interviews``, for the score an
allocation round uses) read it.
"""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.core.models import Posting, Profile
from marketplace.core.recommend import posting_data, profile_data
from marketplace.fairs.booths import checked_in_where
from marketplace.fairs.models import Booth, Fair, FairRegistration
from matching import embed_profiles
from matching.fair import FairMatcher
from search.cache import LRU

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
        self.explained = LRU(EXPLAINED_MAX)  # (person, postings) -> (their ProfileData, explanation)

    def best_reason(self, person_id: str, posting_ids: tuple[str, ...]) -> dict:
        """The reasons of the person's best match among the postings, as ``explanation_dict``.
        Kept for the person as scored: a person checked in again (a new ProfileData in the
        matcher) is explained afresh."""
        m, key = self.matcher, (person_id, posting_ids)
        prof = m.people.get(person_id)
        got = self.explained.get(key)
        if got is not None and got[0] is prof:
            return got[1]
        items = m.explain(person_id, list(posting_ids), limit=1)
        reason = explanation_dict(items[0]) if items else {}
        self.explained.put(key, (prof, reason))
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
                                       .where(*checked_in_where(fair_id))).one()
    return (int(n), latest, int(total or 0))


def _stamp_of(present: dict[int, dt.datetime]) -> tuple:
    """``checked_in_stamp`` of a list of check-ins already read."""
    return (len(present), max(present.values(), default=None), sum(present))


def matcher(session: Session, encoder, fair: Fair, today: dt.date | None = None):
    """The fair's live matcher (``matching.fair.FairMatcher``), brought up to date (``live_state``)."""
    return live_state(session, encoder, fair, today).matcher


def live_state(session: Session, encoder, fair: Fair, today: dt.date | None = None) -> _Live:
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
                                       .where(*checked_in_where(fair.id))).all())
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


def explanation_dict(item) -> dict:
    e = item.explanation
    return {"reasons_zh": e.reasons_zh, "reasons_en": e.reasons_en, "gaps_zh": e.gaps_zh, "gaps_en": e.gaps_en,
            "matched_skills": list(e.matched_skills)} if e is not None else {}
