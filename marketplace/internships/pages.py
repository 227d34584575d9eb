"""Pages of the internships area (zh first, English second): the employer's internship
dashboard, an agreement with its interruption / contract / leaving / completion forms,
claims, the caseworker's review queue with the policy decision beside each claim, and
exports for the finance office; the intern's page of what units recorded about them, the
records of a hire a claim rests on, overpayments. (Over 400 lines: the one blueprint of the
area, for the employer's, the intern's and the caseworker's pages.)"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

import chinese
from marketplace import clock, notifications, policies
from marketplace.core.schemas import validate
from marketplace.db import paginate
from marketplace.errors import DomainError, NotFound, ValidationFailed
from marketplace.internships import agreements as internships
from marketplace.internships import (
    changes,
    claims,
    evidence,
    facts,
    interruptions,
    introduction_answers,
    introductions,
    overpayments,
)
from marketplace.internships import review as claim_review
from marketplace.internships.api import export_response
from marketplace.internships.models import CLAIM_STATES, HIRE_KINDS, KIND_NAMES, STATE_NAMES, Introduction
from marketplace.internships.schemas import ContractIn, HireClaimIn, InsuranceIn, IntroductionIn
from marketplace.web import db
from marketplace.web.forms import field_errors, local_url, message, page_args, require_role, whole_number
from marketplace.web.i18n import current_lang

bp = Blueprint("internships", __name__, template_folder="templates")
EMPLOYER = ("employer", "agency")
REVIEWER = ("caseworker", "admin")


def _pick(zh_en) -> str:
    return zh_en[0] if current_lang() == "zh" else zh_en[1]


def _reasons() -> list[tuple[str, str]]:
    ps = policies.named(policies.active_name())
    r3 = ps.rule("R3", clock.today()) or ps.versions("R3")[-1]
    return [(r.code, (r.zh if current_lang() == "zh" else r.en) + (_(" (extends the period)") if r.extends else ""))
            for r in r3.reasons]


@bp.app_context_processor
def _helpers():
    return {"claim_kind_name": lambda k: _pick(KIND_NAMES.get(k, (k, k))),
            "claim_state_name": lambda k: _pick(STATE_NAMES.get(k, (k, k))),
            "zh_en": lambda zh, en: zh if current_lang() == "zh" else en,
            "agreement_status_name": lambda k: _pick(AGREEMENT_STATUS.get(k, (k, k))),
            "audit_action_name": lambda k: _pick(AUDIT_ACTIONS.get(k, (k, k))),
            "overpayment_state": lambda k: _pick(overpayments.STATE_NAMES.get(k, (k, k))),
            "fact_state": lambda k: _pick(facts.STATE_NAMES.get(k, (k, k)))}


AUDIT_ACTIONS = {"create": ("签订协议", "signed"), "interruption": ("记录中断", "interruption recorded"),
                 "contract": ("签订劳动合同", "labour contract"), "left": ("中途离开", "left early"),
                 "finished": ("见习期满", "finished")}
AGREEMENT_STATUS = {"active": ("见习中", "active"), "finished": ("已期满", "finished"),
                    "contract": ("已签劳动合同", "contract signed"), "left": ("中途离开", "left early")}


def _date(name: str, required: bool = True) -> dt.date | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        if required:
            raise ValidationFailed("请填写日期", "enter a date", field=name)
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", "dates are written YYYY-MM-DD", field=name) from None


def _back(default: str, exc: DomainError):
    """The refusal above the page it came from. What the operation wrote before it refused
    is undone: the redirect is a success to the request's commit, and a refused claim must not
    stay behind as a draft."""
    if exc.status == 404:
        raise exc
    db().rollback()
    msg = message(exc)
    errors = field_errors(exc)
    details = [v for k, v in errors.items() if k != exc.field]
    flash(msg + ("（" + "；".join(details) + "）" if details and current_lang() == "zh" else
                 (" (" + "; ".join(details) + ")" if details else "")), "error")
    return redirect(default), 303


# --- employer ---------------------------------------------------------------------------

@bp.get("/employer/internships")
@login_required
def dashboard():
    require_role(*EMPLOYER)
    s, day = db(), clock.today()
    ps = policies.named(policies.active_name())
    page, per_page = page_args()
    items, total = paginate(s, internships.agreements_for(current_user), page, per_page)
    rows = [internships.dashboard_row(internships.policy_of(a, day), a, day) for a in items]
    return render_template("internships/dashboard.html", rows=rows, total=total, page=page, per_page=per_page,
                           hires=internships.hires_without_agreement(s, current_user), today=day, policy=ps,
                           notes=notifications.notifications_for(s, current_user))


@bp.post("/employer/internships")
@login_required
def create():
    require_role(*EMPLOYER)
    try:
        period = request.form.get("period_months", "")
        ag = internships.create_agreement(
            db(), current_user, policies.active_name(), whole_number(request.form.get("application_id")) or 0,
            _date("start_on"), whole_number(period), clock.today())
    except DomainError as exc:
        return _back(url_for("internships.dashboard"), exc)
    flash(_("Agreement signed. Record interruptions and the outcome on this page."), "ok")
    return redirect(url_for("internships.agreement", agreement_id=ag.id))


@bp.get("/employer/internships/<int:agreement_id>")
@login_required
def agreement(agreement_id):
    require_role(*EMPLOYER, *REVIEWER)
    s, day = db(), clock.today()
    ag = internships.get_agreement(s, current_user, agreement_id)
    ps = internships.policy_of(ag, day)
    history = internships.agreement_history(s, ag)
    claim_list = claims.claims_of_agreement(s, ag)
    return render_template("internships/agreement.html", ag=ag, row=internships.dashboard_row(ps, ag, day),
                           reasons=_reasons(), reason_names=dict(_reasons()), today=day, history=history, claims=claim_list,
                           errors={}, can_edit=current_user.role in EMPLOYER, one_day=dt.timedelta(days=1),
                           can_change=current_user.role in EMPLOYER + REVIEWER,
                           confirmation=facts.state_of(s, "agreement", ag),
                           overpaid=overpayments.listed(s, current_user, agreement_id=ag.id))


@bp.post("/employer/internships/<int:agreement_id>/interruptions")
@login_required
def interruption(agreement_id):
    require_role(*EMPLOYER, *REVIEWER)
    back = url_for("internships.agreement", agreement_id=agreement_id)
    try:
        changes.record_interruption(db(), current_user, agreement_id, _date("from_on"), _date("last_day_off"),
                                        request.form.get("reason", ""), request.form.get("note", "")[:500])
    except DomainError as exc:
        return _back(back, exc)
    flash(_("Interruption recorded."), "ok")
    return redirect(back)


@bp.post("/employer/internships/<int:agreement_id>/interruptions/<int:interruption_id>")
@login_required
def interruption_edit(agreement_id, interruption_id):
    """Correct an interruption, with the reason (issue 15)."""
    require_role(*EMPLOYER, *REVIEWER)
    back = url_for("internships.agreement", agreement_id=agreement_id)
    try:
        interruptions.edit_interruption(db(), current_user, agreement_id, interruption_id, _date("from_on"),
                                        _date("last_day_off"), request.form.get("reason", ""),
                                        request.form.get("note", "")[:500])
    except DomainError as exc:
        return _back(back, exc)
    flash(_("Interruption corrected."), "ok")
    return redirect(back)


@bp.post("/employer/internships/<int:agreement_id>/interruptions/<int:interruption_id>/delete")
@login_required
def interruption_delete(agreement_id, interruption_id):
    """Delete an interruption recorded by mistake, with the reason (issue 15)."""
    require_role(*EMPLOYER, *REVIEWER)
    back = url_for("internships.agreement", agreement_id=agreement_id)
    try:
        interruptions.delete_interruption(db(), current_user, agreement_id, interruption_id,
                                          request.form.get("note", "")[:500])
    except DomainError as exc:
        return _back(back, exc)
    flash(_("Interruption deleted."), "ok")
    return redirect(back)


@bp.post("/employer/internships/<int:agreement_id>/<any(contract, left, finished):kind>")
@login_required
def outcome(agreement_id, kind):
    require_role(*EMPLOYER, *REVIEWER)
    back = url_for("internships.agreement", agreement_id=agreement_id)
    try:
        ent = changes.end_agreement(db(), current_user, agreement_id, kind, _date("on", required=kind != "finished"),
                                        clock.today(), request.form.get("note", "")[:500])
    except DomainError as exc:
        return _back(back, exc)
    flash(_("Recorded. Entitlement: %(amount)s yuan (%(rule)s).", amount=str(ent.entitlement), rule=ent.rule), "ok")
    return redirect(back)


@bp.post("/employer/internships/<int:agreement_id>/claim")
@login_required
def claim(agreement_id):
    require_role(*EMPLOYER)
    try:
        c = claims.create_internship_claim(db(), current_user, agreement_id, clock.today(),
                                           submit=request.form.get("draft") != "1")
    except DomainError as exc:
        return _back(url_for("internships.agreement", agreement_id=agreement_id), exc)
    flash(_("Claim #%(id)s for %(amount)s yuan: %(state)s.", id=c.id, amount=str(c.amount),
            state=_pick(STATE_NAMES[c.state])), "ok")
    return redirect(url_for("internships.my_claims"))


@bp.route("/employer/claims", methods=["GET", "POST"])
@login_required
def my_claims():
    require_role(*EMPLOYER)
    s = db()
    errors, status = {}, 200
    form = request.args  # prefilled by the "Claim" link of an introduction
    if current_user.role == "agency" and request.method == "GET" and form.get("kind") == "referral_r7":
        return redirect(url_for("internships_agency.agency_claims"))  # the agency's own page (issue 16)
    if request.method == "POST":
        form = request.form
        try:
            data = {k: v for k, v in form.items() if k in ("kind", "application_id", "funding_source") and v != ""}
            data["submit"] = form.get("draft") != "1"  # a draft waits for its evidence
            body = validate(HireClaimIn, data)
            claims.create_hire_claim(s, current_user, policies.active_name(), body.kind, body.application_id, body.facts(),
                                     clock.today(), body.submit)
            flash(_("Claim submitted.") if body.submit else _("Saved as a draft: upload its evidence, then submit it."), "ok")
            return redirect(url_for("internships.my_claims"))
        except DomainError as exc:
            if exc.status == 404:
                raise
            errors, status = field_errors(exc), exc.status
            flash(message(exc), "error")
    page, per_page = page_args()
    items, total = paginate(s, claims.claims_for(current_user), page, per_page)
    hires = claims.hires_to_claim(s, current_user)
    kinds = [(k, _pick(KIND_NAMES[k])) for k in HIRE_KINDS + ("referral_r7",)]
    r7 = policies.named(policies.active_name()).versions("R7")
    funds = [(f.code, f.zh if current_lang() == "zh" else f.en) for f in (r7[-1].funding_sources if r7 else ())]
    records = {a.id: facts.hire_records(s, current_user, a.id) for a in hires
               if a.posting.organisation_id == current_user.organisation_id}
    owed = overpayments.listed(s, current_user)
    return render_template("internships/claims.html", items=items, total=total, page=page, per_page=per_page,
                           hires=hires, kinds=kinds, funds=funds, form=form, errors=errors, records=records,
                           overpayments=owed, notes=notifications.notifications_for(s, current_user),
                           papers=evidence.papers_for(s, current_user, items)), status


@bp.post("/employer/hires/<int:application_id>/<any(contract, insurance):record>")
@login_required
def hire_record(application_id, record):
    """The employer records a hire's labour contract or declares its social insurance."""
    require_role(*EMPLOYER)
    back = url_for("internships.my_claims")
    try:
        if record == "contract":
            body = validate(ContractIn, _fields("signed_on", "months", "note"))
            changes.record_contract(db(), current_user, application_id, body.signed_on, body.months, clock.today(),
                                    body.note)
        else:
            body = validate(InsuranceIn, _fields("monthly_amount", "makeup_paid_on", "note"))
            changes.declare_insurance(db(), current_user, application_id, body.monthly_amount, body.makeup_paid_on,
                                      clock.today(), body.note)
    except DomainError as exc:
        return _back(back, exc)
    flash(_("Recorded. It counts once confirmed."), "ok")
    return redirect(back)


def _fields(*names) -> dict:
    return {k: request.form[k] for k in names if (request.form.get(k) or "") != ""}


@bp.post("/employer/claims/<int:claim_id>/submit")
@login_required
def submit(claim_id):
    require_role(*EMPLOYER)
    try:
        claims.submit_claim(db(), current_user, claim_id, policies.active_name(), clock.today())
    except DomainError as exc:
        return _back(url_for("internships.my_claims"), exc)
    flash(_("Claim submitted."), "ok")
    return redirect(url_for("internships.my_claims"))


# --- HR agency: introductions (职业介绍) ------------------------------------------------

@bp.route("/agency/introductions", methods=["GET", "POST"])
@login_required
def agency_introductions():
    """The agency records an introduction (person number + posting number, prefilled from the
    "introduce" links on the people and posting pages) and follows what came of each."""
    require_role("agency")
    s = db()
    errors, status = {}, 200
    form = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        try:
            body = validate(IntroductionIn, {k: v for k, v in request.form.items() if k != "csrf_token" and v != ""})
            introductions.introduce(s, current_user, body.profile_id, body.posting_id, body.note, clock.today())
            flash(_("Introduction recorded. The person has been told."), "ok")
            return redirect(url_for("internships.agency_introductions"))
        except DomainError as exc:
            errors, status = field_errors(exc), exc.status
            flash(message(exc), "error")
    page, per_page = page_args()
    items, total = paginate(s, introductions.introductions_for(current_user), page, per_page)
    rows = introductions.to_dicts(s, list(items), current_user)
    person_q = chinese.tidy(request.args.get("person_q", ""))[:32]
    posting_q = chinese.tidy(request.args.get("posting_q", ""))[:32]
    picks = introductions.pickers(s, current_user, person_q, posting_q)
    return render_template("internships/introductions.html", rows=rows, total=total, page=page, per_page=per_page,
                           form=form, errors=errors, daily_limit=introductions.daily_limit(), picks=picks,
                           person_q=person_q, posting_q=posting_q,
                           claimable=len(introductions.claimable_hires(s, current_user))), status


@bp.route("/me/introductions", methods=["GET"])
@login_required
def my_introductions():
    """The person's introductions by agencies, each to accept or decline (R7: only an
    accepted one, accepted before they approach the posting, counts for the agency)."""
    require_role("person")
    s = db()
    page, per_page = page_args()
    items, total = paginate(s, introductions.introductions_for(current_user), page, per_page)
    return render_template("internships/my_introductions.html", rows=introductions.to_dicts(s, list(items), current_user),
                           total=total, page=page, per_page=per_page)


@bp.post("/me/introductions/<int:introduction_id>/<any(accept, decline):verb>")
@login_required
def answer_introduction(introduction_id, verb):
    require_role("person")
    back = url_for("internships.my_introductions")
    try:
        introduction_answers.answer(db(), current_user, introduction_id, "accepted" if verb == "accept" else "declined")
    except DomainError as exc:
        return _back(back, exc)
    flash(_("Introduction accepted.") if verb == "accept" else _("Introduction declined."), "ok")
    return redirect(back)


@bp.post("/caseworker/introductions/<int:introduction_id>/answer")
@login_required
def record_introduction_answer(introduction_id):
    """A caseworker records the answer a person gave them by phone or in person; back to the
    caseworker's page of the person."""
    require_role(*REVIEWER)
    s, f = db(), request.form
    intro = s.get(Introduction, introduction_id)
    if intro is None:
        raise NotFound("推荐记录", "introduction")
    back = url_for("pages.caseworker_person", profile_id=intro.profile_id) + "#introductions"
    try:  # answer_for decides who may (another district's record: 404, re-raised by _back)
        introduction_answers.answer_for(s, current_user, introduction_id, f.get("answer", ""), f.get("channel", ""),
                                        f.get("note", "")[:500])
    except DomainError as exc:
        return _back(back, exc)
    flash(_("The person's answer was recorded. They have been told."), "ok")
    return redirect(back, 303)


@bp.get("/caseworker/introductions")
@login_required
def agency_volumes():
    """Each HR agency's introductions and how many the people accepted (squatting shows as
    many recorded, few accepted)."""
    require_role(*REVIEWER)
    s = db()
    try:
        figures = introductions.agency_volumes(s, current_user, introductions.parse_days(request.args.get("days")))
    except ValidationFailed as exc:
        flash(message(exc), "error")
        figures = introductions.agency_volumes(s, current_user)
    return render_template("internships/agency_volumes.html", figures=figures)


# --- a person's own subsidy (R15) -------------------------------------------------------

@bp.route("/me/subsidies", methods=["GET", "POST"])
@login_required
def my_subsidies():
    """A Hubei-origin 2020 graduate of a college in the city claims the one-time job-seeking
    subsidy (R15); the page shows the facts the decision reads from their records."""
    require_role("person")
    s = db()
    if request.method == "POST":
        try:
            c = claims.create_hubei_claim(s, current_user, policies.active_name(), clock.today())
        except DomainError as exc:
            return _back(url_for("internships.my_subsidies"), exc)
        flash(_("Claim #%(id)s for %(amount)s yuan: %(state)s.", id=c.id, amount=str(c.amount),
                state=_pick(STATE_NAMES[c.state])), "ok")
        return redirect(url_for("internships.my_subsidies"))
    return render_template("internships/subsidies.html", facts=claims.hubei_facts_for(s, current_user),
                           items=claims.hubei_claims_of(s, current_user), today=clock.today())


@bp.route("/me/internship-records", methods=["GET", "POST"])
@login_required
def my_records():
    """What units recorded about the person (agreements with their interruptions, labour
    contracts): the person confirms them or says what is wrong."""
    require_role("person")
    s = db()
    if request.method == "POST":
        try:
            record, raw = request.form.get("record", ""), request.form.get("record_id", "")
            if whole_number(raw, 1) is None:
                raise ValidationFailed("请选择记录", "choose a record", field="record_id")
            facts.confirm(s, current_user, record, whole_number(raw, 1), request.form.get("verdict", ""),
                          request.form.get("note", "")[:1000])
        except DomainError as exc:
            return _back(url_for("internships.my_records"), exc)
        flash(_("Thank you. Your answer was recorded."), "ok")
        return redirect(url_for("internships.my_records"))
    return render_template("internships/records.html", records=facts.records_about_me(s, current_user),
                           reason_names=dict(_reasons()))


# --- caseworker -------------------------------------------------------------------------

@bp.get("/caseworker/claims")
@login_required
def review_queue():
    require_role(*REVIEWER)
    s, day = db(), clock.today()
    state = request.args.get("state", "submitted")
    state = state if state in CLAIM_STATES else None
    page, per_page = page_args()
    items, total = paginate(s, claims.claims_for(current_user, state), page, per_page)
    decisions = {}
    for c in items:
        try:
            decisions[c.id] = claim_review.review_decision(s, c, policies.active_name(), day)
        except DomainError as exc:
            decisions[c.id] = {"rule": "", "allowed": False, "amount": None, "reason_zh": exc.message_zh,
                               "reason_en": exc.message_en}
    waiting = {c.id: facts.unconfirmed(s, c) for c in items if c.state in ("draft", "submitted")}
    declared = {c.id: facts.hire_records(s, current_user, c.application_id) for c in items
                if c.application_id is not None and c.state in ("draft", "submitted")}
    owed = overpayments.listed(s, current_user, outstanding=True, limit=50)
    return render_template("internships/review.html", items=items, total=total, page=page, per_page=per_page,
                           state=state, states=[(k, _pick(STATE_NAMES[k])) for k in CLAIM_STATES],
                           decisions=decisions, notes=notifications.notifications_for(s, current_user), today=day,
                           waiting=waiting, declared=declared, overpayments=owed,
                           papers=evidence.papers_for(s, current_user, items))


@bp.post("/caseworker/claims/<int:claim_id>/confirm/<any(agreement, contract, insurance):record>")
@login_required
def confirm_fact(claim_id, record):
    """The caseworker confirms a record a claim rests on, saying what was checked."""
    require_role(*REVIEWER)
    back = url_for("internships.review_queue")
    s = db()
    try:
        c = claims.get_claim(s, current_user, claim_id)
        record_id = c.agreement_id if record == "agreement" else c.application_id
        if record_id is None:
            raise ValidationFailed("该申领没有此项记录", "this claim rests on no such record", field="record")
        facts.confirm(s, current_user, record, record_id, "confirmed", request.form.get("note", "")[:1000])
    except DomainError as exc:
        return _back(back, exc)
    flash(_("Confirmed."), "ok")
    return redirect(back)


@bp.post("/caseworker/overpayments/<int:overpayment_id>/<any(mark, recovered):action>")
@login_required
def recover(overpayment_id, action):
    require_role(*REVIEWER)
    back = url_for("internships.review_queue")
    try:
        overpayments.recovery(db(), current_user, overpayment_id, action, request.form.get("note", "")[:1000])
    except DomainError as exc:
        return _back(back, exc)
    flash(_("Recorded."), "ok")
    return redirect(back)


@bp.post("/caseworker/claims/<int:claim_id>/<any(approve, reject, pay):action>")
@login_required
def review(claim_id, action):
    require_role(*REVIEWER)
    back = url_for("internships.review_queue")
    note = request.form.get("note", "")[:1000]
    try:
        if action == "approve":
            claim_review.approve_claim(db(), current_user, claim_id, policies.active_name(), clock.today(), note)
        elif action == "reject":
            claim_review.reject_claim(db(), current_user, claim_id, note)
        else:
            claim_review.mark_paid(db(), current_user, claim_id)
    except DomainError as exc:
        return _back(back, exc)
    flash({"approve": _("Claim approved."), "reject": _("Claim rejected."), "pay": _("Marked paid.")}[action], "ok")
    return redirect(back)


@bp.post("/caseworker/hubei-claims")
@login_required
def hubei_claim():
    """A caseworker makes the R15 claim for a person of the district (by profile number)."""
    require_role(*REVIEWER)
    back = url_for("internships.review_queue")
    raw = (request.form.get("profile_id") or "").strip()
    try:
        if whole_number(raw, 1) is None:
            raise ValidationFailed("请填写求职者档案编号", "give the person's profile number", field="profile_id")
        c = claims.create_hubei_claim(db(), current_user, policies.active_name(), clock.today(), whole_number(raw, 1))
    except DomainError as exc:
        return _back(back, exc)
    flash(_("Claim #%(id)s for %(amount)s yuan: %(state)s.", id=c.id, amount=str(c.amount),
            state=_pick(STATE_NAMES[c.state])), "ok")
    return redirect(back)


@bp.get("/caseworker/claims/export.<any(csv, xlsx):fmt>")
@login_required
def export(fmt):
    require_role(*REVIEWER)
    state = request.args.get("state")
    return export_response(current_user, fmt, state if state in CLAIM_STATES else None, None)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id):
    notifications.mark_read(db(), current_user, notification_id)
    return redirect(local_url(request.form.get("back"), url_for("pages.home")))
