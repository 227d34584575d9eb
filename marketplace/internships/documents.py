"""The internships area's printable documents (``marketplace.documents``; wired in
``marketplace.app.connect_hooks``): the internship agreement (就业见习协议书) and the claim
forms (就业见习补贴申领表, 吸纳就业补贴申领表). Each loads its record through the area's own
access rule (``get_agreement`` / ``get_claim``: 404 for whoever may not see it)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from marketplace import clock, policies
from marketplace import policy as pol
from marketplace.core.models import User
from marketplace.documents import Document, Fields, Table, Text
from marketplace.errors import NotFound
from marketplace.internships.agreements import full_end, get_agreement
from marketplace.internships.claims import KIND_NAMES, STATE_NAMES, claims_of_agreement, get_claim
from marketplace.internships.models import InternshipAgreement, SubsidyClaim

FACT_NAMES = {"hire_on": "录用日期", "contract_on": "劳动合同签订日期", "contract_months": "劳动合同期限（月）",
              "monthly_social_insurance": "单位每月缴纳社会保险（元）", "social_insurance_paid": "已缴纳社会保险",
              "makeup_insurance_on": "补缴社会保险日期", "funding_source": "资金来源", "introduction_id": "介绍记录编号",
              "introduced_on": "介绍日期", "introduction_accepted_on": "本人接受介绍日期", "source": "事实来源"}
_VALUES = {True: "是", False: "否", "records": "登记记录（非申领人填报）"}


def agreement_number(ag: InternshipAgreement) -> str:
    return f"JX{ag.start_on.year}-{ag.id:06d}"


def claim_number(c: SubsidyClaim) -> str:
    return f"{'JXBT' if c.kind == 'internship' else 'XNBT'}{c.created_at.year}-{c.id:06d}"


def _d(d: dt.date | None) -> str:
    return d.isoformat() if d else "—"


def _reason_names(ps: pol.PolicySet) -> dict[str, str]:
    return {r.code: r.zh for v in ps.rules.get("R3", ()) for r in v.reasons}


def _interruptions(ps: pol.PolicySet, ag: InternshipAgreement) -> Table:
    names = _reason_names(ps)
    rows = [[_d(i.from_on), _d(i.to_on - dt.timedelta(days=1)), str((i.to_on - i.from_on).days),
             names.get(i.reason, i.reason), i.note] for i in ag.interruptions]
    return Table("中断记录（截至打印日）", ["自", "至（含）", "天数", "原因", "说明"], rows, widths=[2, 2, 1, 2, 3])


def _agreement_to_print(session: Session, actor: User, record_id: int) -> InternshipAgreement:
    """The agreement for whoever may see it (``get_agreement``: the unit, its district's
    caseworkers) and for the intern it names, who signs it too and keeps a copy: they print
    it from their records page. Their reading of it is this document only (the unit's claims
    and changes stay the unit's)."""
    if actor.role == "person":
        ag = session.get(InternshipAgreement, record_id)
        if ag is None or ag.profile is None or ag.profile.user_id != actor.id:
            raise NotFound("见习协议", "internship agreement")
        return ag
    return get_agreement(session, actor, record_id)


def agreement(session: Session, actor: User, record_id: int) -> Document:
    """就业见习协议书: the unit, the intern, the post, the period, the monthly stipend and the
    interruptions recorded so far; signed by the unit, the intern and the service."""
    ag = _agreement_to_print(session, actor, record_id)
    ps = policies.named(ag.policy_set)
    org, person = ag.organisation, ag.profile
    status = {"active": "见习中", "finished": "已期满", "contract": "已签订劳动合同", "left": "已离岗"}
    blocks = [
        Fields("甲方（见习单位）", [("单位名称", org.name), ("统一社会信用代码", org.credit_code),
                                 ("所在区", org.district)]),
        Fields("乙方（见习人员）", [("姓名", person.name), ("性别", person.gender), ("毕业年份",
                                 str(person.graduation_year or "—"))]),
        Fields("见习安排", [("见习岗位", ag.posting.title), ("见习开始日期", _d(ag.start_on)),
                         ("见习期限", f"{ag.period_months}个月"),
                         ("约定结束日期", _d(pol.add_months(ag.start_on, ag.period_months) - dt.timedelta(days=1))),
                         ("含中断顺延后结束日期", _d(full_end(ps, ag) - dt.timedelta(days=1))),
                         ("见习期间每月生活补助", f"{pol.format_money(ag.monthly_rate)} 元"),
                         ("协议状态", status.get(ag.status, ag.status)),
                         ("结束日期", _d(ag.outcome_on)), ("适用政策", ag.policy_set)]),
        _interruptions(ps, ag),
        Text("甲方按月向乙方发放不低于上述标准的见习生活补助，为乙方办理人身意外伤害保险，并安排带教人员；"
             "乙方遵守见习单位的规章制度，按期参加见习。见习期间的中断按政策规定记录，协议变更须经双方确认并记入系统。"),
    ]
    return Document("internship_agreement", "就业见习协议书", agreement_number(ag), clock.today(), blocks,
                    ["甲方（见习单位，盖章）", "乙方（见习人员，签字）", "公共就业服务机构（盖章）"],
                    record=("internship_agreement", ag.id))


def _claim_blocks(c: SubsidyClaim) -> list:
    kind_zh = KIND_NAMES.get(c.kind, (c.kind, c.kind))[0]
    policy_set = getattr(c, "policy_set", None) or (c.agreement.policy_set if c.agreement else None) \
        or c.facts.get("policy_set") or "未记录"
    version = getattr(c, "policy_version", None) or c.facts.get("policy_version")
    head = [("申领单位", c.organisation.name if c.organisation else "—"),
            ("统一社会信用代码", c.organisation.credit_code if c.organisation else "—"),
            ("人员姓名", c.profile.name), ("补贴类别", kind_zh),
            ("申领状态", STATE_NAMES.get(c.state, (c.state,))[0]), ("提交日期", _d(c.submitted_on))]
    computation = [("适用规则", c.rule or "—"), ("适用政策", policy_set + (f"（版本 {version}）" if version else "")),
                   ("计算依据", c.reason_zh or "—"), ("申领金额", f"{pol.format_money(c.amount)} 元")]
    if c.withheld:
        computation += [("抵扣多发金额", f"{pol.format_money(c.withheld)} 元"),
                        ("实际拨付", f"{pol.format_money(c.amount - c.withheld)} 元")]
    if c.period_from_on:
        computation.insert(0, ("补贴期间", f"{_d(c.period_from_on)} 至 {_d(c.period_to_on)}"))
    if c.top_up:
        computation.append(("补差", "是（R4）"))
    blocks = [Fields("申领信息", head), Fields("补贴计算", computation)]
    facts = [(FACT_NAMES.get(k, k), _VALUES.get(v, str(v)) if isinstance(v, (bool, str)) else str(v))
             for k, v in (c.facts or {}).items() if k not in ("policy_set", "policy_version")]
    if facts:
        blocks.append(Fields("据以计算的登记事实", facts))
    if c.decision_note:
        blocks.append(Fields("审核意见", [("意见", c.decision_note)]))
    return blocks


def _claim(session: Session, actor: User, record_id: int, internship: bool) -> SubsidyClaim:
    c = get_claim(session, actor, record_id)
    if (c.kind == "internship") != internship or c.kind == "hubei_graduate":
        raise NotFound("补贴申领", "subsidy claim")
    return c


def internship_claim(session: Session, actor: User, record_id: int) -> Document:
    """就业见习补贴申领表: the claim, its computation, rule and policy set, and the agreement
    it rests on (with its interruptions)."""
    c = _claim(session, actor, record_id, internship=True)
    ag = c.agreement
    blocks = _claim_blocks(c)
    blocks.insert(1, Fields("见习协议", [("协议编号", agreement_number(ag)), ("见习岗位", ag.posting.title),
                                      ("见习开始日期", _d(ag.start_on)), ("见习期限", f"{ag.period_months}个月"),
                                      ("每月生活补助", f"{pol.format_money(ag.monthly_rate)} 元")]))
    blocks.append(Table("本协议的全部申领", ["编号", "期间", "金额（元）", "状态"],
                        [[claim_number(x), f"{_d(x.period_from_on)} 至 {_d(x.period_to_on)}",
                          pol.format_money(x.amount), STATE_NAMES.get(x.state, (x.state,))[0]]
                         for x in claims_of_agreement(session, ag)]))
    blocks.append(Text("申领单位承诺以上内容及所附材料真实有效，如有虚假，愿退回补贴并承担相应责任。"))
    return Document("internship_claim", "就业见习补贴申领表", claim_number(c), clock.today(), blocks,
                    ["申领单位（盖章）", "经办人（签字）", "审核人（签字）"], record=("subsidy_claim", c.id))


def hire_claim(session: Session, actor: User, record_id: int) -> Document:
    """吸纳就业补贴申领表 (R6, R7 and the agency's R7 referral claim): the claim, the recorded
    facts it was computed on, its rule and policy set."""
    c = _claim(session, actor, record_id, internship=False)
    blocks = _claim_blocks(c)
    if c.application is not None:
        blocks.insert(1, Fields("录用岗位", [("岗位", c.application.posting.title),
                                          ("用人单位", c.application.posting.organisation.name)]))
    blocks.append(Text("申领单位承诺以上内容及所附材料真实有效，如有虚假，愿退回补贴并承担相应责任。"))
    return Document("hire_claim", "吸纳就业补贴申领表", claim_number(c), clock.today(), blocks,
                    ["申领单位（盖章）", "经办人（签字）", "审核人（签字）"], record=("subsidy_claim", c.id))
