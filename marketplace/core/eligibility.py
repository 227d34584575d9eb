"""Eligibility decided once: may this person take this post, on this date, and why.

R1 (internship cohorts), R8 (public-welfare eligibility) and R14 (target groups) are decided
here, for every path that needs them: recommendations and the ranked candidates (through
``core.matchdata``, which hands matching these decisions as inputs), search results, the
apply button, the application (API and page), an invitation and its acceptance, the
employer's list of applicants, the hire (stage 已入职) and the internship agreement
(``internships.agreements``). Nothing else reads these rules; the reading is written out
for caseworkers in ``docs/eligibility.md``.

The functions:

* ``decide_people(session, profiles, on)`` gathers each person's facts from the records on
  date ``on`` and asks the engine: the R1 cohort decision (``intern_eligibility``), the R8
  decision (the welfare area's answer to ``hooks.public_welfare_decisions``: with no
  answer nobody is public-welfare eligible) and the R14 groups (``target_groups``).
* ``verdict(facts, posting)`` turns one person's decisions into the answer for one post:
  an internship needs R1, a public-welfare post R8, a targeted post R14 (a post can need
  two). ``for_posting`` / ``for_postings`` / ``for_application`` do both steps.
* ``application_view`` is what both sides are shown about an application: the decision
  recorded on the application date, the decision on the later date that now counts (the
  agreement's start once there is one, else today), and the change between them, with
  its reason.

Readings (**[choice]**, see docs/eligibility.md):

* A person the engine refuses cannot apply, accept an invitation, be invited or be hired
  into the post; the refusal names the rule and its reason, in Chinese and English, and
  the kinds of post the person may apply for instead.
* R1 here is the person's part of R1 (the cohort). The unit's base registration and "one
  subsidised internship at a time" are the agreement's conditions (``check_intern_eligibility``).
* Records as of a date: the facts that depend on the date (age, months since leaving
  school, graduating year, registration length, referrals) are read for ``on``; a profile
  keeps no history, so the decision of the application date is recorded on the application
  (``Application.eligibility``) and later shown as it was, not recomputed.

``target_groups`` is R14's membership: the codes of the active set's target groups the
person's records place them in. A group's facts come from the set (``TargetGroup``: the
profile category, whether a caseworker must have confirmed it, a minimum education level,
the year the category began); a group the set does not list is no target group.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from marketplace import hooks, policies
from marketplace import policy as pol
from marketplace.core import intern_eligibility
from marketplace.core.models import Application, Posting, Profile
from marketplace.errors import NotEligible

#: the kinds of post a rule guards, and what a refused person is called on lists
RULE_OF_KIND = {"internship": "R1", "public_welfare": "R8"}
LABELS = {"R1": ("不符合见习补贴条件", "not eligible for the internship subsidy"),
          "R8": ("不符合公益性岗位安置条件", "not eligible for a public-welfare post"),
          "R14": ("不属于岗位定向招聘对象", "not in the post's target group")}
KIND_NAMES = {"job": ("普通岗位", "jobs"), "internship": ("就业见习岗位", "internships"),
              "public_welfare": ("公益性岗位", "public-welfare posts")}


def _in_group(group, profile: Profile) -> bool:
    row = next((c for c in profile.categories if c.category == group.category), None)
    if row is None or (group.confirmed and row.confirmed_at is None):
        return False
    if group.min_education is not None and (profile.education or 0) < group.min_education:
        return False
    if group.since_year is not None and (row.since_on is None or row.since_on.year != group.since_year):
        return False
    return True


def target_groups(policy: pol.PolicySet, profile: Profile, on: dt.date) -> list[str]:
    """Codes of the set's R14 groups (in force on ``on``) the person's records place them in."""
    params = policy.rule("R14", on)
    if params is None:
        return []
    return [g.code for g in params.groups if _in_group(g, profile)]


def known_target_groups(policy: pol.PolicySet, on: dt.date) -> list:
    """The set's R14 groups in force on ``on`` (for the posting form and its validation)."""
    params = policy.rule("R14", on)
    return list(params.groups) if params is not None else []


# --- the person's decisions on a date ---------------------------------------------------

@dataclass(frozen=True)
class PersonDecisions:
    """The engine's decisions about one person on ``on`` (under ``policy_set``)."""
    on: dt.date
    policy_set: str
    #: R1, the person's cohort
    r1: pol.Decision
    #: R8 (with R11): eligible, reason (zh, en), R9 tier and its reason when eligible
    r8_allowed: bool
    r8_reason: tuple[str, str]
    tier: int | None
    tier_reason: tuple[str, str] | None
    #: R14: the set's groups the records place the person in, and why
    groups: tuple[str, ...]
    groups_reason: tuple[str, str]


def _groups_reason(policy: pol.PolicySet, codes: Sequence[str], on: dt.date) -> tuple[str, str]:
    r14 = policy.rule("R14", on)
    names = [(g.zh, g.en) for g in (r14.group(c) for c in codes) if g is not None] if r14 is not None else []
    if names:
        return (f"R14 属于定向招聘对象：{'、'.join(zh for zh, _ in names)}",
                f"R14 in the target group(s): {'; '.join(en for _, en in names)}")
    return ("R14 不属于政策集所列的定向招聘对象", "R14 in none of the policy set's target groups")


_NO_R8 = ("R8 无公益性岗位安置资格记录（未登记为就业困难人员）",
          "R8 no record makes the person eligible for a public-welfare post (not registered as hard-to-employ)")


def decide_people(session, profiles: Sequence[Profile], on: dt.date,
                  policy: pol.PolicySet | None = None) -> dict[int, PersonDecisions]:
    """Each person's facts gathered from the records for date ``on``, decided by the engine
    (``policy``: the set in force unless given). One question to the areas for all of them."""
    policy = policy or policies.in_force(on, session)  # the version in force on the date judged
    welfare: dict = {}
    if session is not None:
        for answer in hooks.ask(hooks.public_welfare_decisions, session, profiles=list(profiles), on=on):
            welfare.update(answer)
    out = {}
    for p in profiles:
        codes = tuple(target_groups(policy, p, on))
        w = welfare.get(p.id) or {}
        tier = w.get("tier") if w.get("eligible") else None
        tier_reason = None
        if tier is not None:
            tier_reason = (w.get("tier_reason_zh") or f"R9 第{tier}优先层级", w.get("tier_reason_en") or f"R9 priority tier {tier}")
        out[p.id] = PersonDecisions(
            on=on, policy_set=policy.name, r1=intern_eligibility.internship_decision(policy, p, on),
            r8_allowed=bool(w.get("eligible")),
            r8_reason=(w.get("reason_zh") or "", w.get("reason_en") or "") if w else _NO_R8,
            tier=tier, tier_reason=tier_reason, groups=codes, groups_reason=_groups_reason(policy, codes, on))
    return out


# --- one person, one post ---------------------------------------------------------------

@dataclass(frozen=True)
class Ruling:
    """One rule's answer for one post."""
    rule: str
    allowed: bool
    reason_zh: str
    reason_en: str

    def to_json(self) -> dict:
        return {"rule": self.rule, "allowed": self.allowed, "reason": {"zh": self.reason_zh, "en": self.reason_en}}


@dataclass(frozen=True)
class Verdict:
    """May the person take the post, judged on ``on``: every rule the post needs, and where
    refused, the kinds of post the person may apply for instead."""
    on: dt.date
    policy_set: str
    rulings: tuple[Ruling, ...]
    alternatives: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return all(r.allowed for r in self.rulings)

    def refused(self) -> tuple[Ruling, ...]:
        return tuple(r for r in self.rulings if not r.allowed)

    @property
    def rules(self) -> list[str]:
        return [r.rule for r in self.refused()]

    @property
    def label(self) -> tuple[str, str]:
        """What a list calls the person for this post (不符合见习补贴条件 …); empty when allowed."""
        first = next(iter(self.refused()), None)
        return LABELS[first.rule] if first is not None else ("", "")

    @property
    def reason(self) -> tuple[str, str]:
        bad = self.refused()
        return ("；".join(r.reason_zh for r in bad), "; ".join(r.reason_en for r in bad))

    @property
    def instead(self) -> tuple[str, str]:
        """"You can apply for: …" in both languages ("" when allowed)."""
        if self.allowed or not self.alternatives:
            return ("", "")
        return ("您可以申请：" + "、".join(KIND_NAMES[k][0] for k in self.alternatives),
                "you can apply for: " + ", ".join(KIND_NAMES[k][1] for k in self.alternatives))

    def message(self) -> tuple[str, str]:
        """The refusal as a person reads it: the rules' reasons, then what they can do instead."""
        (zh, en), (izh, ien) = self.reason, self.instead
        return (f"{zh}。{izh}" if izh else zh, f"{en}. {ien[0].upper() + ien[1:]}" if ien else en)

    def to_json(self) -> dict:
        (zh, en), (izh, ien) = self.reason, self.instead
        return {"on": self.on.isoformat(), "policy_set": self.policy_set, "allowed": self.allowed,
                "rules": [r.rule for r in self.rulings], "refused_by": self.rules,
                "label": {"zh": self.label[0], "en": self.label[1]}, "reason": {"zh": zh, "en": en},
                "instead": {"zh": izh, "en": ien},
                "rulings": [r.to_json() for r in self.rulings], "alternatives": list(self.alternatives)}

    @classmethod
    def from_json(cls, d: dict) -> "Verdict":
        return cls(on=dt.date.fromisoformat(d["on"]), policy_set=d.get("policy_set", ""),
                   rulings=tuple(Ruling(r["rule"], bool(r["allowed"]), r["reason"]["zh"], r["reason"]["en"])
                                 for r in d.get("rulings", [])),
                   alternatives=tuple(d.get("alternatives", [])))


def _r14(policy: pol.PolicySet, group: str, facts: PersonDecisions) -> Ruling:
    try:
        d = pol.check_targeted_application(policy, group=group, person_groups=facts.groups, on=facts.on)
    except pol.CaseError:
        return Ruling("R14", False, f"R14 不予通过：该岗位的定向群体（{group}）不在现行政策集中",
                      f"R14 refused: the post's target group ({group}) is not in the policy set in force")
    return Ruling("R14", d.allowed, d.reason_zh, d.reason_en)


def verdict(facts: PersonDecisions, kind: str, target_group: str | None,
            policy: pol.PolicySet | None = None) -> Verdict:
    """The answer for a post of ``kind`` (targeted at ``target_group``) from the person's decisions."""
    policy = policy or policies.version_on(facts.policy_set, facts.on)
    rulings = []
    if kind == "internship":
        rulings.append(Ruling("R1", facts.r1.allowed, facts.r1.reason_zh, facts.r1.reason_en))
    elif kind == "public_welfare":
        rulings.append(Ruling("R8", facts.r8_allowed, *facts.r8_reason))
    if target_group:
        rulings.append(_r14(policy, target_group, facts))
    open_kinds = {"job": True, "internship": facts.r1.allowed, "public_welfare": facts.r8_allowed}
    return Verdict(facts.on, facts.policy_set, tuple(rulings), tuple(k for k, ok in open_kinds.items() if ok))


def for_postings(session, profile: Profile, posts: Sequence[Posting], on: dt.date,
                 policy: pol.PolicySet | None = None) -> dict[int, Verdict]:
    """One person's verdict for each of ``posts`` on ``on`` (their decisions gathered once)."""
    policy = policy or policies.in_force(on)
    facts = decide_people(session, [profile], on, policy)[profile.id]
    return {p.id: verdict(facts, p.kind, p.target_group or None, policy) for p in posts}


def for_person(session, actor, posts, on: dt.date) -> dict[int, dict]:
    """For a signed-in person looking at ``posts`` (rows or API cards with ``id``, ``kind``,
    ``target_group``): their verdict for each, as JSON (search results, the apply button).
    Empty for anyone else, or a person without a profile (they are asked to make one)."""
    if actor is None or getattr(actor, "role", None) != "person" or not posts:
        return {}
    profile = session.scalar(select(Profile).where(Profile.user_id == actor.id))
    if profile is None:
        return {}
    policy = policies.in_force(on)
    facts = decide_people(session, [profile], on, policy)[profile.id]
    get = (lambda p, k: p.get(k)) if isinstance(posts[0], dict) else getattr
    return {get(p, "id"): verdict(facts, get(p, "kind"), get(p, "target_group") or None, policy).to_json() for p in posts}


def for_posting(session, profile: Profile, posting: Posting, on: dt.date,
                policy: pol.PolicySet | None = None) -> Verdict:
    """May ``profile`` take ``posting``, judged on ``on`` from the records?"""
    return for_postings(session, profile, [posting], on, policy)[posting.id]


def for_application(session, app: Application, on: dt.date, policy: pol.PolicySet | None = None) -> Verdict:
    return for_posting(session, app.profile, app.posting, on, policy)


def refusal(v: Verdict, field: str = "posting", before: Verdict | None = None):
    """The typed error for a refused verdict; with ``before`` (the application date's
    decision, when it allowed), the change between the two is said first."""
    zh, en = v.message()
    if before is not None and before.allowed:
        zh = f"资格已变化：{before.on.isoformat()}申请时符合条件，按{v.on.isoformat()}的记录重新判断：{zh}"
        en = (f"eligibility changed: eligible when applying on {before.on.isoformat()}, judged again on the "
              f"records of {v.on.isoformat()}: {en}")
    details = [{"field": field, "code": r.rule, "message": {"zh": r.reason_zh, "en": r.reason_en}} for r in v.refused()]
    details.append({"field": field, "code": "alternatives", "message": {"zh": v.instead[0], "en": v.instead[1]},
                    "kinds": list(v.alternatives)})
    return NotEligible(zh, en, field=field, code="not_eligible", details=details)


# --- what both sides are shown about an application --------------------------------------

def recorded(app: Application, step: str = "application") -> Verdict | None:
    """The decision recorded at ``step`` (``application``: on the application date; ``hire``:
    on the hire date); None when none was kept (e.g. an application made before they were)."""
    data = (app.eligibility or {}).get(step) if isinstance(app.eligibility, dict) else None
    return Verdict.from_json(data) if data else None


def record(app: Application, v: Verdict, step: str = "application") -> None:
    """Keep the decision that let ``step`` happen on the application (what it was judged by)."""
    app.eligibility = {**(app.eligibility if isinstance(app.eligibility, dict) else {}), step: v.to_json()}


def application_view(session, app: Application, today: dt.date, later_on: dt.date | None = None,
                     decided: Verdict | None = None) -> dict:
    """The decision of the application date, the later one that counts now, and the change
    between them with its reason. The later one: judged on ``later_on`` (the agreement's start)
    when there is one; else, for a hire, the decision recorded on the hire date (a hire is not
    re-judged by what happens after it, e.g. the unemployment registration it ends); else
    judged ``today``; none for a rejected or withdrawn application. ``decided``: the later
    verdict when already computed."""
    first = recorded(app)
    out: dict = {"on_application": first.to_json() if first else None, "latest": None, "changed": False,
                 "change": None}
    if app.stage in ("rejected", "withdrawn"):
        return out
    hire = recorded(app, "hire") if app.stage == "hired" and later_on is None else None
    later = decided or hire or for_application(session, app, later_on or today)
    out["latest"] = later.to_json()
    if first is not None and first.allowed != later.allowed:
        out["changed"] = True
        if later.allowed:
            out["change"] = {"zh": f"资格已变化：{first.on.isoformat()}申请时不符合条件，按{later.on.isoformat()}的记录已符合",
                             "en": f"eligibility changed: not eligible on {first.on.isoformat()}, eligible on the "
                                   f"records of {later.on.isoformat()}"}
        else:
            zh, en = later.reason
            out["change"] = {"zh": f"资格已变化：{first.on.isoformat()}申请时符合条件，按{later.on.isoformat()}的记录"
                                   f"重新判断不符合：{zh}",
                             "en": f"eligibility changed: eligible when applying on {first.on.isoformat()}, not "
                                   f"eligible on the records of {later.on.isoformat()}: {en}"}
    return out


def application_views(session, apps: Sequence[Application], today: dt.date) -> dict[int, dict]:
    """``application_view`` for each application; the later date is the agreement's start
    where an area reports one (``hooks.application_notes``: internships' ``agreement_start_on``)."""
    notes: dict[int, dict] = {}
    for answer in hooks.ask(hooks.application_notes, session, applications=list(apps)):
        for app_id, note in answer.items():
            notes.setdefault(app_id, {}).update(note)
    return {a.id: application_view(session, a, today, notes.get(a.id, {}).get("agreement_start_on")) for a in apps}
