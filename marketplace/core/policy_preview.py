"""The policy administrator's preview of a version: the calculator and a sample of recorded
decisions answered under the version and under the version in force, side by side, with
the differences marked (``changed``), and the parameters that differ.

The sample cases of the calculator are placed before the candidate's first day (an
internship of six months started seven months before it), so their outcomes fall inside the
windows of the year the version is made for. The recorded decisions come from
the areas (``hooks.policy_preview``; internships: agreements and claims)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from marketplace import hooks
from marketplace import policy as pol
from marketplace.core import policy_admin
from marketplace.core.models import User


def _leaves(value, path: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, value


def parameter_changes(current: dict, candidate: dict) -> list[dict]:
    a, b = dict(_leaves(current.get("rules", {}))), dict(_leaves(candidate.get("rules", {})))
    return [{"field": f"rules.{k}", "current": a.get(k), "candidate": b.get(k)}
            for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def _answer(ps: pol.PolicySet, agreement: pol.InternshipAgreement, outcome: pol.Outcome) -> dict:
    try:
        ent = pol.internship_entitlement(ps, agreement, outcome)
        return {"entitlement": pol.format_money(ent.entitlement), "rule": ent.rule, "reason_zh": ent.reason_zh,
                "reason_en": ent.reason_en}
    except pol.PolicyError as exc:
        return {"error": str(exc)}


def calculator_cases(candidate: pol.PolicySet, current: pol.PolicySet, day: dt.date) -> list[dict]:
    start = pol.add_months(day, -7)  # every outcome lies before the day, inside the year's windows
    agreement = pol.InternshipAgreement(start, 6, None)
    end = pol.agreed_end(start, 6)
    cases = [("finished", pol.Outcome(pol.FINISHED), "见习期满", "finished"),
             ("contract_late", pol.Outcome(pol.CONTRACT, end - dt.timedelta(days=30)), "期满前30天签订劳动合同（R4）",
              "labour contract 30 days before the end (R4)"),
             ("contract_early", pol.Outcome(pol.CONTRACT, pol.add_months(start, 2)), "见习2个月时签订劳动合同",
              "labour contract after 2 months"),
             ("left", pol.Outcome(pol.LEFT, pol.add_months(start, 3)), "见习3个月时离开", "left after 3 months")]
    rows = []
    for code, outcome, zh, en in cases:
        a, b = _answer(current, agreement, outcome), _answer(candidate, agreement, outcome)
        rows.append({"case": code, "label_zh": f"{start.isoformat()}起6个月，{zh}", "label_en": f"6 months from "
                     f"{start.isoformat()}, {en}", "current": a, "candidate": b,
                     "changed": a.get("entitlement") != b.get("entitlement") or a.get("rule") != b.get("rule")})
    return rows


def preview(session: Session, actor: User, name: str, number: int, today: dt.date,
            effective_from: dt.date | None = None, limit: int = 50) -> dict:
    policy_admin._admin(actor)
    s, v = policy_admin.get_version(session, name, number)
    candidate = policy_admin.check_document(name, number, v.document)
    day = effective_from or v.effective_from or today
    in_force = s.in_force(day)
    if in_force is None or in_force.number == number:
        earlier = [w for w in s.versions if w.number != number and w.status == "effective"]
        in_force = max(earlier, key=lambda w: (w.effective_from, w.number)) if earlier else v
    current = in_force.policy()

    def current_on(on: dt.date) -> pol.PolicySet:
        w = s.in_force(on)
        return w.policy() if w is not None and w.number != number else current

    recorded = [row for rows in hooks.ask(hooks.policy_preview, session, set_name=name, candidate=candidate,
                                          current=current_on, effective_from=day, limit=limit) for row in rows]
    return {"set": name, "version": number, "compared_with": in_force.number, "effective_from": day.isoformat(),
            "training": s.training, "parameters": parameter_changes(in_force.document, v.document),
            "calculator": calculator_cases(candidate, current, day), "recorded": recorded,
            "changed_recorded": sum(1 for r in recorded if r.get("changed"))}
