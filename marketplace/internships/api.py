"""JSON API of the internships area: agreements, interruptions, outcomes, claims (R15 too),
review, exports (the notification centre is ``marketplace.notifications.api``). Thin views:
parse, call an operation, serialise."""
from __future__ import annotations

from flask import Response, request

from marketplace import clock, policies
from marketplace.core.profiles import get_profile
from marketplace.errors import DomainError
from marketplace.internships import agreements as internships
from marketplace.internships import (
    changes,
    claims,
    evidence,
    exports,
    facts,
    interruptions,
    introduction_answers,
    introductions,
    overpayments,
    review,
)
from marketplace.internships.models import AGREEMENT_STATUSES, CLAIM_KINDS, CLAIM_STATES, OVERPAYMENT_STATES
from marketplace.internships.schemas import (
    AgreementIn,
    ConfirmationIn,
    ContractIn,
    DecisionIn,
    HireClaimIn,
    HireConfirmationIn,
    HubeiClaimIn,
    InsuranceIn,
    InternshipClaimIn,
    InterruptionIn,
    IntroductionAnswerIn,
    IntroductionIn,
    NoteIn,
    OutcomeIn,
    RecoveryIn,
    RejectIn,
)
from marketplace.web import cipher, db
from marketplace.web.api import bp, choice_arg, paged
from marketplace.web.apispec import api_route

EMPLOYER = ("employer", "agency")
REVIEWER = ("caseworker", "admin")
READERS = EMPLOYER + REVIEWER


def _agreement(ag) -> dict:
    return internships.agreement_to_dict(internships.policy_of(ag, clock.today()), ag, clock.today())


@api_route(bp, "/internships/agreements", roles=READERS, summary="Internship agreements I may see", paginated=True,
           query={"status": ("string", "active, finished, contract or left")})
def internship_agreements(actor):
    return paged(internships.agreements_for(actor, choice_arg("status", AGREEMENT_STATUSES)), _agreement)


@api_route(bp, "/internships/agreements", ["POST"], EMPLOYER, "Sign an internship agreement from a hire (R1)",
           body=AgreementIn)
def create_internship_agreement(actor, data):
    ag = internships.create_agreement(db(), actor, policies.active_name(), data.application_id, data.start_on,
                                      data.period_months, clock.today())
    return _agreement(ag), 201


@api_route(bp, "/internships/agreements/<int:agreement_id>", roles=READERS,
           summary="One agreement: period, served days, extended end, entitlement, contract-today amount")
def internship_agreement(actor, agreement_id):
    return _agreement(internships.get_agreement(db(), actor, agreement_id))


@api_route(bp, "/internships/agreements/<int:agreement_id>/interruptions", ["POST"], READERS,
           "Record an interruption (last_day_off is inclusive; stored as the first day back); a caseworker "
           "corrects with a note (a change lowering a granted entitlement is the caseworker's)", body=InterruptionIn)
def record_internship_interruption(actor, agreement_id, data):
    changes.record_interruption(db(), actor, agreement_id, data.from_on, data.last_day_off, data.reason, data.note)
    return _agreement(internships.get_agreement(db(), actor, agreement_id)), 201


@api_route(bp, "/internships/agreements/<int:agreement_id>/interruptions/<int:interruption_id>", ["PUT"], READERS,
           "Correct an interruption (issue 15): the note says why; a correction lowering a granted "
           "entitlement is the caseworker's", body=InterruptionIn)
def edit_internship_interruption(actor, agreement_id, interruption_id, data):
    interruptions.edit_interruption(db(), actor, agreement_id, interruption_id, data.from_on, data.last_day_off,
                                    data.reason, data.note)
    return _agreement(internships.get_agreement(db(), actor, agreement_id))


@api_route(bp, "/internships/agreements/<int:agreement_id>/interruptions/<int:interruption_id>/delete", ["POST"],
           READERS, "Delete an interruption recorded by mistake, with the reason (issue 15)", body=NoteIn)
def delete_internship_interruption(actor, agreement_id, interruption_id, data):
    interruptions.delete_interruption(db(), actor, agreement_id, interruption_id, data.note)
    return _agreement(internships.get_agreement(db(), actor, agreement_id))


@api_route(bp, "/internships/agreements/<int:agreement_id>/outcome", ["POST"], READERS,
           "End the internship: labour contract, leaving, or completion (R2-R4); a caseworker corrects with a "
           "note (a change lowering a granted entitlement is the caseworker's, and records the overpayment)",
           body=OutcomeIn)
def end_internship(actor, agreement_id, data):
    ent = changes.end_agreement(db(), actor, agreement_id, data.kind, data.on, clock.today(), data.note)
    out = _agreement(internships.get_agreement(db(), actor, agreement_id))
    out["decision"] = ent.to_json()
    return out


@api_route(bp, "/internships/agreements/<int:agreement_id>/confirmation", ["POST"], ("person",) + REVIEWER,
           "The intern confirms or disputes the agreement as the unit recorded it (start, period, outcome, "
           "interruptions); a caseworker confirms it, saying what was checked", body=ConfirmationIn)
def confirm_internship_agreement(actor, agreement_id, data):
    return facts.confirm(db(), actor, "agreement", agreement_id, data.verdict, data.note)


@api_route(bp, "/internships/hires/<int:application_id>/records", roles=READERS + ("person",),
           summary="A hire's records a subsidy rests on: hire date, labour contract, social insurance, each with "
                   "its confirmation")
def hire_records(actor, application_id):
    return facts.hire_records(db(), actor, application_id)


@api_route(bp, "/internships/hires/<int:application_id>/contract", ["POST"], READERS,
           "Record (or correct) the labour contract of a hire (date signed, months)", body=ContractIn)
def record_labour_contract(actor, application_id, data):
    changes.record_contract(db(), actor, application_id, data.signed_on, data.months, clock.today(), data.note)
    return facts.hire_records(db(), actor, application_id), 201


@api_route(bp, "/internships/hires/<int:application_id>/insurance", ["POST"], READERS,
           "Declare (or correct) the monthly social-insurance contribution for a hired person and the make-up "
           "payment; shown as declared until a caseworker confirms it", body=InsuranceIn)
def declare_social_insurance(actor, application_id, data):
    changes.declare_insurance(db(), actor, application_id, data.monthly_amount, data.makeup_paid_on, clock.today(),
                              data.note)
    return facts.hire_records(db(), actor, application_id), 201


@api_route(bp, "/internships/hires/<int:application_id>/confirmation", ["POST"], ("person",) + REVIEWER,
           "The employee confirms or disputes the labour contract; a caseworker confirms the contract or the "
           "social insurance, saying what was checked", body=HireConfirmationIn)
def confirm_hire_record(actor, application_id, data):
    return facts.confirm(db(), actor, data.record, application_id, data.verdict, data.note)


@api_route(bp, "/me/internship-records", roles=("person",),
           summary="What units recorded about me (internship agreements, labour contracts), to confirm or dispute")
def my_internship_records(actor):
    return facts.records_about_me(db(), actor)


@api_route(bp, "/internships/overpayments", roles=READERS, paginated=True,
           summary="Overpayments: an employer's own, a caseworker's district",
           query={"state": ("string", "open, recovery, settled or recovered")})
def list_overpayments(actor):
    return paged(overpayments.overpayments_for(actor, choice_arg("state", OVERPAYMENT_STATES)), overpayments.to_dict)


@api_route(bp, "/internships/overpayments/<int:overpayment_id>/recovery", ["POST"], REVIEWER,
           "Mark an overpayment for recovery instead of offsetting it, or record that it was recovered",
           body=RecoveryIn)
def recover_overpayment(actor, overpayment_id, data):
    return overpayments.to_dict(overpayments.recovery(db(), actor, overpayment_id, data.action, data.note))


@api_route(bp, "/internships/claims", roles=READERS, summary="Subsidy claims I may see", paginated=True,
           query={"state": ("string", "claim state"), "kind": ("string", "claim kind")})
def subsidy_claims(actor):
    return paged(claims.claims_for(actor, choice_arg("state", CLAIM_STATES), choice_arg("kind", CLAIM_KINDS)),
                 exports.claim_to_dict)


@api_route(bp, "/internships/claims", ["POST"], EMPLOYER,
           "Claim the internship subsidy earned to date minus what is already claimed (R5)", body=InternshipClaimIn)
def create_internship_claim(actor, data):
    c = claims.create_internship_claim(db(), actor, data.agreement_id, clock.today(), data.submit)
    return exports.claim_to_dict(c), 201


@api_route(bp, "/internships/hire-claims", ["POST"], EMPLOYER,
           "Claim a hiring subsidy (R6, R7) or, as an HR agency, a referral subsidy (R7)", body=HireClaimIn)
def create_hire_claim(actor, data):
    c = claims.create_hire_claim(db(), actor, policies.active_name(), data.kind, data.application_id, data.facts(), clock.today(),
                                 data.submit)
    return exports.claim_to_dict(c), 201


@api_route(bp, "/internships/hubei-claims", roles=("person", "caseworker", "admin"), paginated=True,
           summary="R15 claims: a person's own, or those of a caseworker's district")
def hubei_claims(actor):
    return paged(claims.claims_for(actor, kind="hubei_graduate"), exports.claim_to_dict)


@api_route(bp, "/internships/hubei-claims", ["POST"], ("person", "caseworker", "admin"),
           "Claim the one-time job-seeking subsidy of a Hubei-origin 2020 graduate of a college in the city "
           "(R15), for oneself or (a caseworker) for a person; the facts come from the person's records",
           body=HubeiClaimIn)
def create_hubei_claim(actor, data):
    c = claims.create_hubei_claim(db(), actor, policies.active_name(), clock.today(), data.profile_id)
    return exports.claim_to_dict(c), 201


@api_route(bp, "/introductions", roles=("agency", "person"), paginated=True,
           summary="Introductions (职业介绍) my agency made, or (a person) those made of me")
def list_introductions(actor):
    s = db()
    return paged(introductions.introductions_for(actor), many=lambda rows: introductions.to_dicts(s, rows, actor))


@api_route(bp, "/introductions", ["POST"], ("agency",),
           "Record an introduction of a person to another employer's open posting (what an R7 referral "
           "subsidy is paid on)", body=IntroductionIn)
def create_introduction(actor, data):
    s = db()
    # Postings open and close on the real calendar, whatever business date the claims run on.
    intro = introductions.introduce(s, actor, data.profile_id, data.posting_id, data.note, clock.today())
    return introductions.to_dict(s, intro, actor), 201


@api_route(bp, "/me/introductions", roles=("person",), paginated=True,
           summary="Agencies' introductions of me, with my answer and whether I may still answer")
def my_introductions(actor):
    s = db()
    return paged(introductions.introductions_for(actor), many=lambda rows: introductions.to_dicts(s, rows, actor))


@api_route(bp, "/me/introductions/<int:introduction_id>/accept", ["POST"], ("person",),
           "Accept an agency's introduction of me: only an introduction I accepted before I approached the "
           "posting myself lets the agency claim a referral subsidy (R7)")
def accept_introduction(actor, introduction_id):
    s = db()
    return introductions.to_dict(s, introduction_answers.answer(s, actor, introduction_id, "accepted"), actor)


@api_route(bp, "/me/introductions/<int:introduction_id>/decline", ["POST"], ("person",),
           "Decline an agency's introduction of me: it never counts for the agency")
def decline_introduction(actor, introduction_id):
    s = db()
    return introductions.to_dict(s, introduction_answers.answer(s, actor, introduction_id, "declined"), actor)


@api_route(bp, "/profiles/<int:profile_id>/introductions", roles=REVIEWER,
           summary="A person's introductions by agencies (staff who serve them), with whether their answer may "
                   "still be recorded")
def person_introductions(actor, profile_id):
    s = db()
    return {"items": introductions.introductions_of(s, actor, get_profile(s, actor, profile_id), limit=200)}


@api_route(bp, "/introductions/<int:introduction_id>/answer", ["POST"], REVIEWER,
           "Record the answer a person gave a caseworker by phone or in person to an agency's introduction of "
           "them (stamped now; the person is told and may change it until they approach the posting)",
           body=IntroductionAnswerIn)
def record_introduction_answer(actor, data, introduction_id):
    s = db()
    intro = introduction_answers.answer_for(s, actor, introduction_id, data.answer, data.channel, data.note)
    return introductions.to_dict(s, intro, actor)


@api_route(bp, "/introductions/agencies", roles=REVIEWER,
           summary="Each HR agency's introductions over the last days (today included): recorded, today, "
                   "accepted, declined, unanswered and the acceptance rate",
           query={"days": ("integer", "1 to 366, default 30")})
def agency_introduction_volumes(actor):
    return introductions.agency_volumes(db(), actor, introductions.parse_days(request.args.get("days")))


@api_route(bp, "/internships/claims/<int:claim_id>", roles=READERS,
           summary="One claim, with the policy decision beside it for reviewers")
def subsidy_claim(actor, claim_id):
    c = claims.get_claim(db(), actor, claim_id)
    out = exports.claim_to_dict(c)
    out["awaiting_confirmation"] = facts.unconfirmed(db(), c) if c.state in ("draft", "submitted") else []
    if actor.role in REVIEWER:
        try:
            d = review.review_decision(db(), c, policies.active_name(), clock.today())
        except DomainError as exc:  # e.g. an older claim whose hire has no contract record yet
            d = {"rule": c.rule, "allowed": False, "amount": None, "reason_zh": exc.message_zh,
                 "reason_en": exc.message_en}
        out["review"] = {"rule": d["rule"], "allowed": d["allowed"], "reason_zh": d["reason_zh"],
                         "reason_en": d["reason_en"],
                         "amount": None if d["amount"] is None else str(d["amount"])}
    return out


@api_route(bp, "/internships/claims/<int:claim_id>/evidence", roles=READERS,
           summary="The evidence a claim carries (考勤, contract, social-insurance record)")
def claim_evidence(actor, claim_id):
    return {"items": evidence.list_for(db(), actor, claim_id)}


@api_route(bp, "/internships/claims/<int:claim_id>/evidence", ["POST"], EMPLOYER,
           "Upload evidence (multipart: kind, file; PDF, JPEG or PNG up to 10 MB)")
def upload_claim_evidence(actor, claim_id):
    request.max_content_length = 2 * evidence.MAX_BYTES  # this form only; above 10 MB the refusal names the file
    upload = request.files.get("file")
    try:
        data = upload.read(evidence.MAX_BYTES + 1) if upload else b""
    finally:
        for f in request.files.values():  # large parts are spooled to temporary files
            f.close()
    ev = evidence.upload(db(), actor, claim_id, request.form.get("kind", ""), upload.filename if upload else "", data)
    return evidence.to_dict(ev), 201


@api_route(bp, "/internships/evidence/<int:evidence_id>", roles=READERS,
           summary="One paper of a claim's evidence, for the claim's unit and its caseworkers")
def claim_evidence_file(actor, evidence_id):
    ev, data = evidence.get_file(db(), actor, evidence_id)
    ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[ev.content_type]
    return Response(data, mimetype=ev.content_type, headers={
        "Content-Disposition": f'attachment; filename="evidence-{ev.id}.{ext}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


@api_route(bp, "/internships/claims/<int:claim_id>/submit", ["POST"], EMPLOYER, "Submit a draft claim")
def submit_subsidy_claim(actor, claim_id):
    return exports.claim_to_dict(claims.submit_claim(db(), actor, claim_id, policies.active_name(), clock.today()))


@api_route(bp, "/internships/claims/<int:claim_id>/approve", ["POST"], REVIEWER, "Approve a submitted claim",
           body=DecisionIn)
def approve_subsidy_claim(actor, claim_id, data):
    return exports.claim_to_dict(review.approve_claim(db(), actor, claim_id, policies.active_name(), clock.today(), data.note))


@api_route(bp, "/internships/claims/<int:claim_id>/reject", ["POST"], REVIEWER, "Reject a submitted claim, with the reason",
           body=RejectIn)
def reject_subsidy_claim(actor, claim_id, data):
    return exports.claim_to_dict(review.reject_claim(db(), actor, claim_id, data.reason))


@api_route(bp, "/internships/claims/<int:claim_id>/pay", ["POST"], REVIEWER, "Mark an approved claim paid")
def pay_subsidy_claim(actor, claim_id):
    return exports.claim_to_dict(review.mark_paid(db(), actor, claim_id))


def export_response(actor, fmt: str, state: str | None, kind: str | None) -> Response:
    rows = exports.export_rows(db(), cipher(), claims.claims_for(actor, state, kind), actor)
    stamp = clock.today().isoformat()
    if fmt == "xlsx":
        return Response(exports.export_xlsx(rows), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="claims-{stamp}.xlsx"'})
    return Response(exports.export_csv(rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="claims-{stamp}.csv"'})


@api_route(bp, "/internships/claims/export", roles=REVIEWER,
           summary="Claim list for the finance office (CSV or Excel, ID numbers masked)",
           query={"format": ("string", "csv or xlsx"), "state": ("string", "claim state"), "kind": ("string", "claim kind")})
def export_subsidy_claims(actor):
    fmt = choice_arg("format", ("csv", "xlsx")) or "csv"
    return export_response(actor, fmt, choice_arg("state", CLAIM_STATES), choice_arg("kind", CLAIM_KINDS))
