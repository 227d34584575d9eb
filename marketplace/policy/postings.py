"""Postings: SOE graduate hiring (R13) and targeted posts (R14).

Readings (**[choice]**):

* R13 is judged on the date the posting is published (or the offer withdrawn);
  it binds state-owned enterprises' postings aimed at graduates only, and outside
  its window (2020–2021) it does not apply, which the decision says.
* An SOE may withdraw an offer to a graduate only with a recorded reason; every
  such withdrawal is marked ``reportable``.
* R14: a targeted group's cap counts **places** (岗位 = openings: the headcount of each
  published posting of the group) across the whole city; a posting may be published
  when the places already published plus its own stay within the cap; a group with
  no cap (null) is only restricted by membership; a person may apply only when their
  records place them in the post's group (``marketplace.core.eligibility``).
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

from marketplace.policy.decision import Condition, Decision, decide
from marketplace.policy.errors import CaseError
from marketplace.policy.policy_set import PolicySet, R14Params


def _r13_applies(policy: PolicySet, employer_is_soe: bool, graduates: bool, on: date,
                 what_zh: str, what_en: str) -> Decision | None:
    """A decision saying R13 does not apply, or None when it does."""
    d = on.isoformat()
    if policy.rule("R13", on) is None:
        return Decision("R13", True, f"R13 于{d}不在实施期限内，{what_zh}不受此限制",
                        f"R13 not in force on {d}: {what_en} not restricted by it")
    if not employer_is_soe or not graduates:
        return Decision("R13", True, f"R13 仅约束国有企业面向高校毕业生的招聘，{what_zh}不受此限制",
                        f"R13 binds only state-owned enterprises hiring graduates: {what_en} not restricted by it")
    return None


def check_soe_posting(policy: PolicySet, *, employer_is_soe: bool, aimed_at_graduates: bool,
                      requires_prior_internship_at_unit: bool, on: date) -> Decision:
    """R13: an SOE posting for graduates may not require a prior 实习 at the unit."""
    skip = _r13_applies(policy, employer_is_soe, aimed_at_graduates, on, "该岗位", "this posting is")
    if skip is not None:
        return skip
    cond = Condition("no_prior_internship_condition", not requires_prior_internship_at_unit,
                     "未将本单位实习期限作为招聘入职的前提条件" if not requires_prior_internship_at_unit
                     else "国有企业不得将本单位实习期限作为招聘入职的前提条件",
                     "does not require a prior placement at the unit" if not requires_prior_internship_at_unit
                     else "a state-owned enterprise may not require a prior student placement (实习) at the unit "
                          "as a condition of hiring")
    return decide("R13", [cond], ok_zh="R13 符合国有企业招聘高校毕业生要求",
                  ok_en="R13 posting meets the SOE graduate-hiring rule")


def check_soe_offer_withdrawal(policy: PolicySet, *, employer_is_soe: bool, to_graduate: bool,
                               reason: str | None, on: date) -> Decision:
    """R13: an SOE withdrawing an offer to a graduate must record why; it is reported."""
    skip = _r13_applies(policy, employer_is_soe, to_graduate, on, "撤回录用", "the withdrawal is")
    if skip is not None:
        return skip
    given = bool((reason or "").strip())
    cond = Condition("reason_recorded", given, f"已记录撤回理由：{reason}" if given else "国有企业不得随意毁约，须记录撤回理由",
                     f"reason recorded: {reason}" if given else
                     "a state-owned enterprise may not withdraw an offer without a recorded reason")
    return decide("R13", [cond], ok_zh="R13 撤回录用已记录理由，纳入报告",
                  ok_en="R13 withdrawal recorded with its reason and reported", details={"reportable": True})


def _group(policy: PolicySet, group: str, on: date) -> tuple[R14Params | None, Decision | None]:
    p: R14Params | None = policy.rule("R14", on)
    if p is None:
        return None, Decision("R14", False, f"R14 于{on.isoformat()}不在实施期限内，不予发布定向岗位",
                              f"R14 not in force on {on.isoformat()}: no targeted posts")
    if p.group(group) is None:
        raise CaseError("group", f"unknown target group {group!r} (known: {', '.join(g.code for g in p.groups)})")
    return p, None


def check_targeted_post(policy: PolicySet, *, group: str, already_published: int, on: date,
                        places: int = 1) -> Decision:
    """R14: may a posting of ``places`` more places targeted at `group` be published, with
    ``already_published`` places of the group published across the city (the cap)?"""
    p, refusal = _group(policy, group, on)
    if refusal is not None:
        return refusal
    g = p.group(group)  # type: ignore[union-attr]
    if g.cap is None:
        return Decision("R14", True, f"R14 面向{g.zh}的定向岗位不设名额上限",
                        f"R14 posts for {g.en} have no city-wide cap", details={"group": group, "cap": None,
                                                                                "published": already_published})
    ok = already_published + places <= g.cap
    cond = Condition("cap", ok, f"面向{g.zh}的定向岗位已发布{already_published}个，全市上限{g.cap}个"
                     + ("" if ok else f"，不能再发布{places}个"),
                     f"{already_published} posts for {g.en} already published, city-wide cap {g.cap}"
                     + ("" if ok else f": {places} more cannot be published"))
    return decide("R14", [cond], ok_zh=f"R14 可发布面向{g.zh}的定向岗位", ok_en=f"R14 targeted post for {g.en} may be published",
                  details={"group": group, "cap": g.cap, "published": already_published})


def check_targeted_application(policy: PolicySet, *, group: str, person_groups: Sequence[str], on: date) -> Decision:
    """R14: may this person apply to a post targeted at `group`?"""
    p, refusal = _group(policy, group, on)
    if refusal is not None:
        return refusal
    g = p.group(group)  # type: ignore[union-attr]
    ok = group in person_groups
    cond = Condition("target_group", ok, f"属于{g.zh}" if ok else f"该岗位仅面向{g.zh}，申请人不属于该群体",
                     f"in the target group: {g.en}" if ok else f"the post is only for {g.en}; the applicant is not")
    return decide("R14", [cond], ok_zh=f"R14 可申请面向{g.zh}的定向岗位", ok_en=f"R14 may apply to the post for {g.en}")
