"""Public-welfare placements: the R9 queue of a post, placing a person (R8–R10), the one
extension and the end of a placement.

Readings (**[choice]**):

* The post's own conditions: the person's education meets the post's minimum.
  Candidates are people with an open, confirmed registration in the post's district who
  are not on a post now, eligible under R8 (``hard_to_employ.hte_decision``) and below the
  statutory retirement age (R11).
* R9 order: the engine's (tier, match score, registration date, id). A caseworker may
  place someone other than the first in the queue only with a recorded reason (e.g. the
  first declined), so priority cannot be skipped silently.
* Match score: the matching ranker's score of the person for the post (``matching.Ranker``
  over the post and the candidates, as ``core.recommend`` ranks candidates for a posting):
  the same reading of "fits the post" as everywhere else in the system.
* R10: the quota counts running placements in the post's district; a post's headcount
  caps its running placements; a temporary post's term is 3–6 months, another post's
  term is 1–36 months; the third placement needs a supervisor: an ``admin`` account
  recording a justification. The first placement may be charged to either fund; a
  continued one (placement number 2 or more, or an extension) goes through the
  engine's funding rule. The extension is of up to the set's 12 months, once, and only
  when the engine allows it (in ``fushun-2020`` its window is the year 2020), decided in
  the term's last 60 days or after it ("期满仍未实现稳定就业").
* The decisions are kept with the placement, each naming the policy set that made it; an
  extension is judged by the set the placement names.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.core import audit
from marketplace.core.models import Posting, Profile, User
from marketplace.core.recommend import posting_data, profile_data
from marketplace.errors import Conflict, NotEligible, NotFound, ValidationFailed
from marketplace.policy import (
    Decision,
    PlacementCandidate,
    add_months,
    check_continued_placement_funding,
    check_district_quota,
    check_extension,
    check_placement_count,
    check_temporary_term,
    order_for_placement,
    placement_tier,
    statutory_retirement,
)
from marketplace.welfare.common import (
    _case,
    _pw_posting,
    _require,
    add_unique,
    district_select,
    end_date,
    named_set,
    policy,
    retirement_person,
    served_row,
    stamped,
)
from marketplace.welfare.hard_to_employ import hte_decision, open_hte
from marketplace.welfare.models import PLACEMENT_END_REASONS, Placement, Registration
from marketplace.welfare.registrations import _end
from matching import Ranker, get_encoder

EXTENSION_FROM_DAYS = 60  # [choice] "期满仍未实现稳定就业" is judged in the term's last 60 days (or after)
OTHER_TERM_MONTHS = (1, 36)


def match_scores(posting: Posting, profiles: list[Profile], today: dt.date, encoder=None) -> dict[int, float]:
    """The matching ranker's score of each person for the post (higher fits better).

    ``encoder`` is the app's (``runtime().encoder``, with its vector cache); without one the
    configured encoder of this process is used."""
    if not profiles:
        return {}
    encoder = encoder or get_encoder(clock.current_config().ENCODER)
    ranker = Ranker([posting_data(posting, today)], [profile_data(p, today) for p in profiles], encoder=encoder,
                    today=today)
    scores = ranker.score(ranker.features_for_posting(0)[0])
    return {int(pid): round(float(s), 4) for pid, s in zip(ranker.profiles.ids, scores)}


def tier_decision(pset, profile: Profile, reg: Registration | None, on: dt.date) -> Decision:
    """The engine's R9 priority tier of a person on ``on``, saying when R11 could not be computed."""
    person = retirement_person(profile, reg)
    tier = placement_tier(pset, zero_employment_family=profile.has_category("zero_employment_family", True),
                          person=person, on=on)
    if person is None:
        tier = type(tier)(tier.rule, tier.allowed, tier.reason_zh + "（女性原法定退休年龄未登记，未计算R11）",
                          tier.reason_en + " (a woman's original retirement age is not on record: R11 not computed)",
                          None, tier.conditions, tier.details, tier=tier.tier)
    return tier


def retired(profile: Profile, reg: Registration | None, on: dt.date) -> bool:
    person = retirement_person(profile, reg)
    return person is not None and on >= statutory_retirement(person, on).retirement_date


@dataclass
class QueueEntry:
    profile: Profile
    registration: Registration
    tier: int
    score: float
    eligibility: Decision
    tier_decision: Decision
    rank: int = 0
    reason_zh: str = ""
    reason_en: str = ""
    problems: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"rank": self.rank, "profile_id": self.profile.id, "name": self.profile.name, "tier": self.tier,
                "match_score": self.score, "registered_on": self.registration.registered_on.isoformat(),
                "reason": {"zh": self.reason_zh, "en": self.reason_en},
                "eligibility": self.eligibility.to_json(), "priority": self.tier_decision.to_json()}


@dataclass
class Refused:
    profile: Profile
    reason_zh: str
    reason_en: str

    def to_dict(self) -> dict:
        return {"profile_id": self.profile.id, "name": self.profile.name,
                "reason": {"zh": self.reason_zh, "en": self.reason_en}}


def _why(prev: QueueEntry | None, e: QueueEntry) -> tuple[str, str]:
    if prev is None:
        return "排在首位", "first in the queue"
    if prev.tier < e.tier:
        return (f"排在第{prev.rank}位之后：优先层级较低", f"after #{prev.rank}: lower priority tier")
    if prev.score > e.score:
        return (f"排在第{prev.rank}位之后：同一层级，匹配度较低", f"after #{prev.rank}: same tier, lower match score")
    if prev.registration.registered_on < e.registration.registered_on:
        return (f"排在第{prev.rank}位之后：同一层级、匹配度相同，登记较晚",
                f"after #{prev.rank}: same tier and score, registered later")
    return (f"排在第{prev.rank}位之后：其余相同，按编号", f"after #{prev.rank}: otherwise equal, by number")


def placement_queue(session: Session, actor: User, posting_id: int, today: dt.date | None = None, encoder=None
                    ) -> tuple[Posting, list[QueueEntry], list[Refused]]:
    today = today or clock.today()
    posting = _pw_posting(session, actor, posting_id)
    return posting, *_queue(session, posting, today, encoder)


def _queue(session: Session, posting: Posting, today: dt.date, encoder=None
           ) -> tuple[list[QueueEntry], list[Refused]]:
    pset = policy()
    placed = select(Placement.profile_id).where(Placement.ended_on.is_(None))
    regs = list(session.scalars(select(Registration).where(
        Registration.district == posting.district, Registration.ended_on.is_(None),
        Registration.confirmed_at.is_not(None), Registration.profile_id.not_in(placed)).order_by(Registration.id)))
    kept: list = []
    refused: list[Refused] = []
    for reg in regs:
        profile = reg.profile
        decision = hte_decision(session, profile, today, pset)
        if not decision.allowed:
            refused.append(Refused(profile, decision.reason_zh, decision.reason_en))
            continue
        if profile.education < (posting.education_min or 0):
            refused.append(Refused(profile, "学历不符合岗位要求", "education below the post's minimum"))
            continue
        if retired(profile, reg, today):
            refused.append(Refused(profile, "已达到法定退休年龄（R11）", "has reached the statutory retirement age (R11)"))
            continue
        kept.append((profile, reg, decision))
    scores = match_scores(posting, [p for p, _, _ in kept], today, encoder)
    entries: dict = {}
    for profile, reg, decision in kept:
        tier = tier_decision(pset, profile, reg, today)
        entries[profile.id] = QueueEntry(profile, reg, tier.tier, scores[profile.id], decision, tier)
    order = order_for_placement([PlacementCandidate(pid, e.tier, e.score, e.registration.registered_on)
                                 for pid, e in entries.items()])
    out: list[QueueEntry] = []
    for n, c in enumerate(order, 1):
        e = entries[c.id]
        e.rank = n
        why_zh, why_en = _why(out[-1] if out else None, e)
        e.reason_zh = (f"第{n}位：{e.tier_decision.reason_zh}；匹配度{e.score:.2f}；"
                       f"{e.registration.registered_on.isoformat()}登记；{why_zh}")
        e.reason_en = (f"#{n}: {e.tier_decision.reason_en}; match score {e.score:.2f}; registered "
                       f"{e.registration.registered_on.isoformat()}; {why_en}")
        out.append(e)
    return out, refused


def fund_codes(pset) -> list[tuple[str, str, str]]:
    p = pset.rule("R10")
    return [(f.code, f.zh, f.en) for f in (p.protected_fund, *p.other_funds)]


def running_placements(district: str | None = None, posting_id: int | None = None):
    stmt = select(func.count()).select_from(Placement).where(Placement.ended_on.is_(None))
    if district is not None:
        stmt = stmt.where(Placement.district == district)
    if posting_id is not None:
        stmt = stmt.where(Placement.posting_id == posting_id)
    return stmt


def _funding(session, pset, profile, reg, fund, on, continued: bool) -> Decision | None:
    codes = [c for c, _, _ in fund_codes(pset)]
    if fund not in codes:
        raise ValidationFailed(f"资金来源应为：{'、'.join(codes)}", f"fund must be one of: {', '.join(codes)}",
                               field="fund")
    if not continued:
        return None
    person = retirement_person(profile, reg)
    return _require(check_continued_placement_funding(
        pset, fund=fund, zero_employment_family=profile.has_category("zero_employment_family", True),
        severely_disabled=any(c.category == "disabled" and c.confirmed_at and "重度" in (c.detail or "")
                              for c in profile.categories),
        person=person, on=on), field="fund")


def place(session: Session, actor: User, posting_id: int, profile_id: int, *, fund: str,
          start_on: dt.date | None = None, term_months: int | None = None, justification: str = "",
          skip_reason: str = "", today: dt.date | None = None, encoder=None) -> Placement:
    today = today or clock.today()
    start_on = start_on or today
    posting = _pw_posting(session, actor, posting_id, lock=True)
    pset = policy()
    if posting.status != "published":
        raise Conflict("岗位未发布或已关闭", "the post is not published", field="posting_id")
    if not today - dt.timedelta(days=31) <= start_on <= today + dt.timedelta(days=90):
        raise ValidationFailed("上岗日期应在一个月前到三个月后之间", "the start date must be from a month ago to three "
                               "months ahead", field="start_on")
    queue, refused = _queue(session, posting, start_on if start_on <= today else today, encoder)
    entry = next((e for e in queue if e.profile.id == profile_id), None)
    if entry is None:
        why = next((r for r in refused if r.profile.id == profile_id), None)
        if why is not None:
            raise NotEligible(f"不符合安置条件：{why.reason_zh}", f"not eligible for placement: {why.reason_en}",
                              field="profile_id")
        raise NotFound("本岗位安置队列中的人员", "person in this post's queue")
    if entry.rank > 1 and not skip_reason.strip():
        first = queue[0]
        raise NotEligible(f"R9 队列中排在前面的是{first.profile.name}（第1位）；安置第{entry.rank}位须记录跳过前面人员的理由",
                          f"R9 {first.profile.name} is first in the queue; placing #{entry.rank} needs a recorded "
                          "reason for passing over those ahead", field="skip_reason")
    filled = session.scalar(running_placements(posting_id=posting.id))
    if filled >= posting.headcount:
        raise Conflict(f"该岗位{posting.headcount}个名额已满", f"all {posting.headcount} places of this post are filled",
                       field="posting_id")
    decisions = [entry.eligibility, entry.tier_decision]
    decisions.append(_require(check_district_quota(pset, posting.district,
                                                   session.scalar(running_placements(posting.district)), today),
                              field="posting_id"))
    if term_months is None:
        term_months = posting.term_months
    if term_months is None:
        raise ValidationFailed("请填写期限（月）", "give the term in months", field="term_months")
    if posting.temporary:
        decisions.append(_require(check_temporary_term(pset, term_months, today), field="term_months"))
    elif not OTHER_TERM_MONTHS[0] <= term_months <= OTHER_TERM_MONTHS[1]:
        raise ValidationFailed(f"期限应为{OTHER_TERM_MONTHS[0]}—{OTHER_TERM_MONTHS[1]}个月",
                               f"the term must be {OTHER_TERM_MONTHS[0]}–{OTHER_TERM_MONTHS[1]} months",
                               field="term_months")
    prior = session.scalar(select(func.count()).select_from(Placement).where(Placement.profile_id == profile_id))
    supervisor = justification if actor.role == "admin" else None
    count = check_placement_count(pset, prior, today, supervisor)
    if not count.allowed:
        extra_zh = "；须由主管人员（管理员账户）记录理由" if count.details.get("exceptional") and actor.role != "admin" else ""
        extra_en = "; a supervisor (an admin account) must record the justification" \
            if count.details.get("exceptional") and actor.role != "admin" else ""
        raise NotEligible(count.reason_zh + extra_zh, count.reason_en + extra_en, field="justification")
    decisions.append(count)
    funding = _funding(session, pset, entry.profile, entry.registration, fund, today, continued=prior >= 1)
    if funding is not None:
        decisions.append(funding)
    end_on = add_months(start_on, term_months)
    pl = Placement(profile_id=profile_id, posting_id=posting.id, district=posting.district, placed_by_id=actor.id,
                   start_on=start_on, term_months=term_months, end_on=end_on, temporary=bool(posting.temporary),
                   placement_number=prior + 1, tier=entry.tier, fund=fund,
                   justification=justification if actor.role == "admin" else "",
                   rank_reason={"rank": entry.rank, "zh": entry.reason_zh, "en": entry.reason_en,
                                "skip_reason": skip_reason if entry.rank > 1 else ""},
                   decisions=[stamped(d, pset) for d in decisions])
    add_unique(session, pl, Conflict("该人员已在公益性岗位上", "this person is already on a public-welfare post",
                                     field="profile_id"))
    _end(session, actor, entry.registration, start_on if start_on <= today else today, "placed_public_welfare",
         f"placement #{pl.id}, posting #{posting.id}")
    session.flush()
    audit.record(session, actor, "placement", pl.id, "create",
                 after={"posting_id": posting.id, "profile_id": profile_id, "rank": entry.rank, "fund": fund,
                        "end_on": end_on.isoformat()}, reason=skip_reason or justification)
    return pl


def _placement(session: Session, actor: User, placement_id: int, lock: bool = False) -> Placement:
    return served_row(session, actor, Placement, placement_id, lambda pl: pl.district, ("安置记录", "placement"),
                      lock=lock)


def extend(session: Session, actor: User, placement_id: int, *, fund: str, months: int | None = None,
           stably_employed: bool = False, today: dt.date | None = None) -> Placement:
    """R10: one extension of up to the set's months when the term ends without stable work."""
    today = today or clock.today()
    pl = _placement(session, actor, placement_id, lock=True)
    if pl.ended_on is not None:
        raise Conflict("该安置已结束", "this placement has ended", field="placement")
    pset = named_set(pl.decisions[0] if pl.decisions else None)
    p = pset.rule("R10", pl.end_on)
    limit = p.extension_months if p else 12
    months = limit if months is None else months
    if not 1 <= months <= limit:
        raise ValidationFailed(f"延长期限应为1—{limit}个月", f"the extension must be 1–{limit} months", field="months")
    status = open_hte(session, pl.profile_id)
    hte = status is not None or hte_decision(session, pl.profile, today, pset).allowed
    decision = _require(_case(check_extension, pset, hard_to_employ=hte, period_ends_on=pl.end_on,
                              stably_employed=stably_employed, prior_extensions=1 if pl.extended_to_on else 0),
                        field="placement")
    if today < pl.end_on - dt.timedelta(days=EXTENSION_FROM_DAYS):
        raise Conflict(f"期满前{EXTENSION_FROM_DAYS}天内（{pl.end_on.isoformat()}期满）才能判断是否“期满仍未实现稳定就业”，请届时再办理延长",
                       f"an extension is decided at the end of the term: from {EXTENSION_FROM_DAYS} days before "
                       f"{pl.end_on.isoformat()}", field="placement")
    funding = _funding(session, pset, pl.profile, None, fund, today, continued=True)
    pl.extended_to_on = add_months(pl.end_on, months)
    pl.extension_fund, pl.extended_by_id = fund, actor.id
    pl.decisions = list(pl.decisions) + [stamped(decision, pset)] + ([stamped(funding, pset)] if funding else [])
    session.flush()
    audit.record(session, actor, "placement", pl.id, "extend",
                 after={"extended_to_on": pl.extended_to_on.isoformat(), "fund": fund})
    return pl


def end_placement(session: Session, actor: User, placement_id: int, reason: str, ended_on: dt.date | None = None,
                  today: dt.date | None = None) -> Placement:
    today = today or clock.today()
    pl = _placement(session, actor, placement_id, lock=True)
    if pl.ended_on is not None:
        raise Conflict("该安置已结束", "this placement has already ended", field="placement")
    ended_on = end_date(reason, PLACEMENT_END_REASONS, "请选择结束原因", ended_on, pl.start_on, today,
                        ("结束日期应在上岗日期和今天之间", "the end date must be between the start and today"))
    before = {"review": pl.review} if pl.review else None  # ending it answers a review it awaited
    pl.ended_on, pl.end_reason, pl.review = ended_on, reason, {}
    session.flush()
    audit.record(session, actor, "placement", pl.id, "end", before=before,
                 after={"ended_on": ended_on.isoformat(), "reason": reason})
    return pl


def placements_for(actor: User, running: bool = True, expiring_by: dt.date | None = None,
                   profile_id: int | None = None):
    stmt = district_select(actor, Placement, Placement.end_on, Placement.id)
    if running:
        stmt = stmt.where(Placement.ended_on.is_(None))
    if expiring_by is not None:
        stmt = stmt.where(func.coalesce(Placement.extended_to_on, Placement.end_on) <= expiring_by)
    if profile_id is not None:
        stmt = stmt.where(Placement.profile_id == profile_id)
    return stmt


def placement_to_dict(pl: Placement) -> dict:
    return {"id": pl.id, "profile_id": pl.profile_id, "name": pl.profile.name, "posting_id": pl.posting_id,
            "posting": pl.posting.title, "district": pl.district, "start_on": pl.start_on.isoformat(),
            "term_months": pl.term_months, "end_on": pl.end_on.isoformat(), "temporary": pl.temporary,
            "placement_number": pl.placement_number, "tier": pl.tier, "rank_reason": pl.rank_reason,
            "fund": pl.fund, "justification": pl.justification, "decisions": pl.decisions,
            "extended_to_on": pl.extended_to_on.isoformat() if pl.extended_to_on else None,
            "extension_fund": pl.extension_fund, "current_end_on": pl.current_end_on.isoformat(),
            "ended_on": pl.ended_on.isoformat() if pl.ended_on else None, "end_reason": pl.end_reason,
            "review": pl.review or None}


def placements(session: Session, actor: User, **filters) -> list[Placement]:
    """The placements ``placements_for`` selects, as a list (for a page)."""
    return list(session.scalars(placements_for(actor, **filters)))


def filled(session: Session, posting_id: int) -> int:
    """Running placements on a post."""
    return session.scalar(running_placements(posting_id=posting_id))
