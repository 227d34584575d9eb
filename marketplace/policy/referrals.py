"""Agency introductions behind an R7 referral subsidy (职业介绍推荐成功就业).

R7 pays an HR service agency "为上述企业提供职业介绍推荐成功就业" — for a hire its
introduction brought about. Readings (**[choice]**):

* An introduction *counts* only when the person accepted it, and accepted it no later than
  their first approach to the posting (an application, or an interview asked for at a job
  fair): an introduction the person never accepted, declined, or accepted only after
  approaching the posting on their own brought nothing about. An agency cannot make one
  count by recording it early ("referral squatting").
* Of several counting introductions of one person to one posting, the one accepted first
  counts (then the one recorded first): one hire, one referral.
* An agency records at most the set's ``introduction_daily_limit`` introductions per day
  (R7 parameter, default 20; the version in force on the day, else the latest version):
  an agency's staff introduce people one by one, and a loop of unsolicited introductions is
  refused past it.

Times are the Fushun local times of the records (naive); the reasons show their dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

from marketplace.policy.decision import Condition, Decision, decide
from marketplace.policy.errors import CaseError
from marketplace.policy.policy_set import PolicySet, R7Params

ANSWERS = ("unanswered", "accepted", "declined")


@dataclass(frozen=True)
class IntroductionFacts:
    """One introduction of a person to a posting, as the records hold it."""

    introduced_at: datetime
    answer: str
    answered_at: datetime | None
    #: the person's first approach to the posting (application, fair interview request); None: none yet
    first_approach_at: datetime | None
    record: str | None = None


def introduction_counts(intro: IntroductionFacts) -> Decision:
    """R7: whether this introduction can carry a referral subsidy (accepted, in time)."""
    if intro.answer not in ANSWERS:
        raise CaseError("answer", f"must be one of {', '.join(ANSWERS)}")
    if intro.answer != "unanswered" and intro.answered_at is None:
        raise CaseError("answered_at", "an answered introduction needs the time of the answer")
    on = intro.introduced_at.date().isoformat()
    accepted = intro.answer == "accepted"
    answered_on = intro.answered_at.date().isoformat() if intro.answered_at else ""
    if accepted:
        acc = Condition("accepted", True, f"本人于{answered_on}接受了{on}的推荐",
                        f"the person accepted the introduction of {on} on {answered_on}", intro.record)
    elif intro.answer == "declined":
        acc = Condition("accepted", False, f"本人于{answered_on}拒绝了{on}的推荐",
                        f"the person declined the introduction of {on} on {answered_on}", intro.record)
    else:
        acc = Condition("accepted", False, f"本人未接受{on}的推荐（推荐须经本人接受才计入）",
                        f"the person never accepted the introduction of {on} (an introduction counts only "
                        "once the person accepts it)", intro.record)
    conditions = [acc]
    if accepted and intro.first_approach_at is not None:
        in_time = intro.answered_at <= intro.first_approach_at  # type: ignore[operator]
        conditions.append(Condition(
            "before_first_approach", in_time,
            "接受推荐早于本人首次应聘该岗位" if in_time else "接受推荐晚于本人首次应聘该岗位，推荐未促成就业",
            "accepted before the person's first approach to the posting" if in_time else
            "accepted only after the person's own first approach to the posting: the introduction brought "
            "nothing about", intro.record))
    return decide("R7", conditions, ok_zh=f"R7 推荐计入：{acc.zh}，且早于本人首次应聘该岗位",
                  ok_en=f"R7 introduction counts: {acc.en}, before the person's first approach to the posting",
                  details={"introduced_on": intro.introduced_at.date()})


def credited_introduction(intros: Sequence[IntroductionFacts]) -> int | None:
    """R7: the index of the one introduction (of one person to one posting) that counts for
    a referral: of those that count, the first accepted, then the first recorded; None."""
    counting = [(i.answered_at, i.introduced_at, n) for n, i in enumerate(intros) if introduction_counts(i).allowed]
    return min(counting)[2] if counting else None


def introduction_limit(policy: PolicySet, on: date, made_today: int) -> Decision:
    """R7: may an agency that recorded ``made_today`` introductions on ``on`` record another?"""
    if made_today < 0:
        raise CaseError("made_today", "must not be negative")
    versions = policy.versions("R7")
    p: R7Params = policy.rule("R7", on) or versions[-1]
    limit = p.introduction_daily_limit
    ok = made_today < limit
    return decide("R7", [Condition(
        "daily_limit", ok, f"本机构{on.isoformat()}已登记{made_today}条推荐，每日最多{limit}条",
        f"your agency recorded {made_today} introductions on {on.isoformat()}; the limit is {limit} a day")],
        ok_zh=f"R7 今日已登记{made_today}条推荐，每日最多{limit}条",
        ok_en=f"R7 {made_today} introductions recorded today, at most {limit} a day",
        details={"limit": limit, "made_today": made_today})
