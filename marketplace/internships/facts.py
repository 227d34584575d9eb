"""The records a subsidy rests on, and their confirmation by someone who does not benefit
(issue 13, finding 3).

* The hire date is the day (in Fushun) the application was moved to hired: the
  application's own event, written by the system, never typed into a claim.
* The labour contract (date, length) is a record of the hire (``LabourContract``); the
  enterprise's monthly social-insurance contribution for the person and its make-up payment
  are the employer's declaration (``InsuranceDeclaration``), shown as declared.
* What the unit typed is confirmed before a claim resting on it is approved
  (**[choice]**): an internship agreement (start, period, outcome and every interruption, as
  one record) and a labour contract by the person it is about or a caseworker of the unit's
  district; a social-insurance declaration by such a caseworker only, who records what was
  checked (the paperwork issue adds the uploads). The person may dispute instead, and a
  caseworker resolves a dispute by confirming (or rejecting the claim).
* A confirmation holds the facts as they stood, so any later change of the record needs a
  new one; a record changed by a caseworker is confirmed by that change.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace import policy as pol
from marketplace.core import audit
from marketplace.core.models import Application, ApplicationEvent, User
from marketplace.core.profiles import my_profile
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.internships.agreements import REVIEW_ROLES, visible_to
from marketplace.internships.models import (
    FactConfirmation,
    InsuranceDeclaration,
    InternshipAgreement,
    LabourContract,
    SubsidyClaim,
)
from marketplace.notifications import notify

RECORD_NAMES = {
    "agreement": ("见习协议（开始日期、期限、结果及各次中断）", "the internship agreement (start, period, outcome and interruptions)"),
    "contract": ("劳动合同（签订日期和期限）", "the labour contract (date signed and length)"),
    "insurance": ("社会保险缴费申报（每月缴费额及补缴日期）",
                  "the social-insurance declaration (monthly contribution and make-up payment)"),
}
WHO_CONFIRMS = {"agreement": ("见习人员本人或经办人员", "the intern or a caseworker"),
                "contract": ("劳动者本人或经办人员", "the employee or a caseworker"),
                "insurance": ("经办人员（核对缴费凭证后）", "a caseworker (against the contribution records)")}
STATE_NAMES = {"confirmed": ("已确认", "confirmed"), "disputed": ("有异议", "disputed"),
               "unconfirmed": ("待确认", "awaiting confirmation")}


# --- the records -----------------------------------------------------------------------

def hire_date(session: Session, app: Application) -> dt.date | None:
    """The Fushun date of the application's (latest) move to hired."""
    at = session.scalar(select(func.max(ApplicationEvent.at)).where(
        ApplicationEvent.application_id == app.id, ApplicationEvent.to_stage == "hired"))
    return clock.local_date(at) if at else None


def contract_of(session: Session, application_id: int) -> LabourContract | None:
    return session.scalar(select(LabourContract).where(LabourContract.application_id == application_id))


def insurance_of(session: Session, application_id: int) -> InsuranceDeclaration | None:
    return session.scalar(select(InsuranceDeclaration).where(InsuranceDeclaration.application_id == application_id))


def snapshot(record: str, obj) -> dict:
    """The facts of a record that a confirmation is about."""
    if record == "agreement":
        return {"start_on": obj.start_on.isoformat(), "period_months": obj.period_months, "status": obj.status,
                "outcome_on": obj.outcome_on.isoformat() if obj.outcome_on else None,
                "interruptions": [[i.from_on.isoformat(), i.to_on.isoformat(), i.reason] for i in obj.interruptions]}
    if record == "contract":
        return {"signed_on": obj.signed_on.isoformat(), "months": obj.months}
    return {"monthly_amount": pol.format_money(obj.monthly_amount),
            "makeup_paid_on": obj.makeup_paid_on.isoformat() if obj.makeup_paid_on else None}


def _record_id(record: str, obj) -> int:
    return obj.id if record == "agreement" else obj.application_id


def state_of(session: Session, record: str, obj) -> dict:
    """confirmed / disputed / unconfirmed for the record as it stands now, with who and why."""
    last = session.scalar(select(FactConfirmation).where(
        FactConfirmation.record == record, FactConfirmation.record_id == _record_id(record, obj))
        .order_by(FactConfirmation.id.desc()).limit(1))
    if last is None or last.facts != snapshot(record, obj):
        return {"state": "unconfirmed", "by": None, "role": None, "note": "", "at": None}
    return {"state": last.verdict, "by": last.by.display_name if last.by else None, "role": last.role,
            "note": last.note, "at": last.at.isoformat()}


def state_dict(session: Session, record: str, obj) -> dict:
    st = state_of(session, record, obj)
    return {"record": record, **snapshot(record, obj), "confirmation": st,
            "who_confirms": {"zh": WHO_CONFIRMS[record][0], "en": WHO_CONFIRMS[record][1]}}


def add_confirmation(session: Session, actor: User, record: str, obj, verdict: str, note: str) -> FactConfirmation:
    fc = FactConfirmation(record=record, record_id=_record_id(record, obj), facts=snapshot(record, obj),
                          verdict=verdict, by_id=actor.id, role=actor.role, note=note)
    session.add(fc)
    session.flush()
    audit.record(session, actor, f"{record}_facts", fc.record_id, verdict, after=fc.facts, reason=note)
    return fc


# --- who may confirm -------------------------------------------------------------------

def _hire(session: Session, actor: User, application_id: int) -> Application:
    """A hire as the actor may see it: the employer's own, a caseworker's district, the person's own."""
    app = session.get(Application, application_id)
    ok = app is not None and app.stage == "hired" and (
        actor.role == "admin"
        or (actor.role in ("employer", "agency") and app.posting.organisation_id == actor.organisation_id)
        or (actor.role == "caseworker" and app.posting.organisation.district == actor.district)
        or (actor.role == "person" and app.profile.user_id == actor.id))
    if not ok:
        raise NotFound("录用记录", "hire")
    return app


def confirm(session: Session, actor: User, record: str, record_id: int, verdict: str, note: str) -> dict:
    """The person confirms or disputes an agreement or contract about them; a caseworker (or
    an admin) confirms any of the three records, saying what was checked."""
    if record not in RECORD_NAMES:
        raise ValidationFailed("未知的记录类别", "unknown record", field="record")
    if verdict not in ("confirmed", "disputed"):
        raise ValidationFailed("结论应为 confirmed 或 disputed", "verdict is confirmed or disputed", field="verdict")
    note = (note or "").strip()
    if record == "agreement":
        obj = session.get(InternshipAgreement, record_id, with_for_update=True)
        if obj is None or not (visible_to(actor, obj) or (actor.role == "person" and obj.profile.user_id == actor.id)):
            raise NotFound("见习协议", "internship agreement")
    else:
        app = _hire(session, actor, record_id)
        obj = contract_of(session, app.id) if record == "contract" else insurance_of(session, app.id)
        if obj is None:
            raise Conflict(f"{RECORD_NAMES[record][0]}尚未登记", f"{RECORD_NAMES[record][1]} is not recorded yet",
                           field="record")
    if actor.role == "person":
        if record == "insurance":
            raise Forbidden("社会保险缴费由经办人员核对确认", "a caseworker checks and confirms the social insurance")
    elif actor.role in REVIEW_ROLES:
        if verdict != "confirmed":
            raise ValidationFailed("经办人员有异议时请驳回申领", "a caseworker who disagrees rejects the claim",
                                   field="verdict")
        if not note:
            raise ValidationFailed("请记录核对了什么", "record what was checked", field="note")
    else:
        raise Forbidden("申领单位不能确认自己填报的事实", "the claimant cannot confirm the facts it recorded itself")
    if verdict == "disputed" and not note:
        raise ValidationFailed("请说明哪里不符", "say what is wrong", field="note")
    add_confirmation(session, actor, record, obj, verdict, note[:1000])
    return state_dict(session, record, obj)


# --- what a claim waits for ------------------------------------------------------------

def records_of_claim(session: Session, c: SubsidyClaim) -> list[tuple[str, object | None]]:
    """The typed records a claim's amount rests on: (record, the row or None when missing)."""
    if c.kind == "internship" and c.agreement is not None:
        return [("agreement", c.agreement)]
    if c.application_id is None:
        return []  # R15: read from caseworker-confirmed categories
    return [("contract", contract_of(session, c.application_id)),
            ("insurance", insurance_of(session, c.application_id))]


def unconfirmed(session: Session, c: SubsidyClaim) -> list[dict]:
    """What blocks approval: each record that is missing, unconfirmed or disputed, and who must confirm it."""
    out = []
    for record, obj in records_of_claim(session, c):
        name, who = RECORD_NAMES[record], WHO_CONFIRMS[record]
        if obj is None:
            if record == "insurance" and c.kind != "hiring_r6":
                continue  # R7 without a declared make-up payment is refused by the engine itself
            out.append({"record": record, "state": "missing", "zh": f"{name[0]}尚未登记", "en": f"{name[1]} is not recorded"})
            continue
        st = state_of(session, record, obj)["state"]
        if st == "confirmed":
            continue
        what = ("有异议" if st == "disputed" else "尚未确认", "is disputed" if st == "disputed" else "is not confirmed")
        out.append({"record": record, "state": st, "zh": f"{name[0]}{what[0]}，须由{who[0]}确认",
                    "en": f"{name[1]} {what[1]}: {who[1]} must confirm it"})
    return out


# --- the person's page -----------------------------------------------------------------

def records_about_me(session: Session, actor: User) -> dict:
    """What units recorded about the person (agreements, contracts), with each one's state."""
    if actor.role != "person":
        raise Forbidden()
    profile = my_profile(session, actor)
    if profile is None:
        return {"agreements": [], "contracts": []}
    ags = session.scalars(select(InternshipAgreement).where(InternshipAgreement.profile_id == profile.id)
                          .order_by(InternshipAgreement.id.desc()))
    cons = session.scalars(select(LabourContract).where(LabourContract.profile_id == profile.id)
                           .order_by(LabourContract.id.desc()))
    return {"agreements": [{"id": a.id, "organisation": a.organisation.name, **state_dict(session, "agreement", a)}
                           for a in ags],
            "contracts": [{"application_id": k.application_id, "organisation": k.organisation.name,
                           **state_dict(session, "contract", k)} for k in cons]}


def hire_records(session: Session, actor: User, application_id: int) -> dict:
    """A hire's recorded facts for a claim: hire date, contract, insurance, each with its state."""
    app = _hire(session, actor, application_id)
    con, ins = contract_of(session, app.id), insurance_of(session, app.id)
    hired = hire_date(session, app)
    return {"application_id": app.id, "hire_on": hired.isoformat() if hired else None,
            "contract": state_dict(session, "contract", con) if con else None,
            "insurance": state_dict(session, "insurance", ins) if ins else None}


# --- a hire claim's facts, from the records ---------------------------------------------

TYPED = {"hire_on": ("招用日期", "hire date"), "contract_on": ("劳动合同签订日期", "contract date"),
         "contract_months": ("劳动合同期限", "contract length"),
         "monthly_social_insurance": ("每月社会保险缴费额", "monthly social insurance"),
         "makeup_insurance_on": ("社会保险补缴日期", "make-up payment date")}


def hire_facts(session: Session, app: Application, kind: str) -> dict:
    """What R6 / R7 read for a hire: its recorded hire date, contract and social insurance.
    A missing hire event or contract (or, for R6, insurance declaration) is refused, saying
    which record the employer must make first."""
    hired = hire_date(session, app)
    if hired is None:
        raise Conflict("该申请没有录用记录", "this application has no recorded hire", field="application_id")
    con, ins = contract_of(session, app.id), insurance_of(session, app.id)
    if con is None:
        raise Conflict("该录用的劳动合同尚未登记：请用人单位先登记劳动合同（签订日期和期限）",
                       "the labour contract of this hire is not recorded: the employer records it (date and length) "
                       "first", field="contract_on")
    if ins is None and kind == "hiring_r6":
        raise Conflict("用人单位尚未申报为该人员缴纳的社会保险：请先申报每月缴费额",
                       "the employer has not declared the social insurance it pays for this person: declare the "
                       "monthly contribution first", field="monthly_social_insurance")
    return {"hire_on": hired, "contract_on": con.signed_on, "contract_months": con.months,
            "monthly_social_insurance": ins.monthly_amount if ins else None, "social_insurance_paid": ins is not None,
            "makeup_insurance_on": ins.makeup_paid_on if ins else None}


def as_claim_facts(rec: dict) -> dict:
    """The recorded facts as a claim keeps them (what it was decided on, for display)."""
    out = {k: (v.isoformat() if isinstance(v, dt.date) else pol.format_money(v) if isinstance(v, Decimal) else v)
           for k, v in rec.items() if v is not None}
    out["source"] = "records"
    return out


def refuse_contradictions(kind: str, typed: dict, rec: dict, app: Application) -> None:
    """A claim that states a fact other than the record's is refused, naming the rule and the record."""
    rule = "R6" if kind == "hiring_r6" else "R7"
    for key, (zh, en) in TYPED.items():
        if typed.get(key) in (None, ""):
            continue
        said, recorded = str(typed[key]), rec.get(key)
        if isinstance(recorded, Decimal):
            same = recorded is not None and Decimal(said) == recorded
        else:
            same = recorded is not None and said == (recorded.isoformat() if isinstance(recorded, dt.date)
                                                     else str(recorded))
        if same:
            continue
        record = {"hire_on": (f"申请#{app.id}的录用记录", f"the hire event of application #{app.id}"),
                  "contract_on": (f"申请#{app.id}的劳动合同记录", f"the labour contract record of application #{app.id}"),
                  "contract_months": (f"申请#{app.id}的劳动合同记录", f"the labour contract record of application #{app.id}")
                  }.get(key, (f"申请#{app.id}的社会保险申报", f"the social-insurance declaration of application #{app.id}"))
        shown = "未登记" if recorded is None else (recorded.isoformat() if isinstance(recorded, dt.date) else str(recorded))
        shown_en = "none" if recorded is None else shown
        raise ValidationFailed(f"{rule}：申领填写的{zh}“{said}”与{record[0]}（{shown}）不符；补贴按记录计算，不接受填写",
                               f"{rule}: the claim's {en} '{said}' contradicts {record[1]} ({shown_en}); subsidies "
                               f"are computed from the records, not from what a claim states",
                               field=key, code="contradicts_record",
                               details=[{"field": key, "code": "contradicts_record", "rule": rule,
                                         "record": record[1], "recorded": None if recorded is None else shown,
                                         "message": {"zh": record[0], "en": record[1]}}])


def ask_the_person(session: Session, c: SubsidyClaim) -> None:
    """Tell the person a unit claims on records about them that they have not confirmed, with
    the page where they confirm or dispute them (once per claim and record)."""
    for record, obj in records_of_claim(session, c):
        if record == "insurance" or obj is None or state_of(session, record, obj)["state"] == "confirmed":
            continue
        user_id = obj.profile.user_id
        if user_id is None:
            continue
        name = RECORD_NAMES[record]
        notify(session, user_id, "confirm_record", f"confirm:{record}:{c.id}",
               f"{obj.organisation.name}依据{name[0]}申领补贴，请核对：无误请确认，有误请说明",
               f"{obj.organisation.name} claims a subsidy on {name[1]}: please check it, confirm it or say what is wrong",
               link="/me/internship-records")
