"""JSON API of the fairs area: fairs, booths, registration and check-in, live rankings,
interview requests and invitations, allocation rounds, outcomes, board and report.
Thin views: parse, call a service, serialise."""
from __future__ import annotations

from flask import Response, current_app

from marketplace.errors import NotFound
from marketplace.fairs import booths, checkin, corrections, interviews, live, report
from marketplace.fairs.schemas import (
    AllocateIn,
    BoothCancelIn,
    BoothDecisionIn,
    BoothIn,
    CheckInIn,
    FairEditIn,
    FairIn,
    InterviewOutcomeIn,
    InterviewRequestIn,
    InviteIn,
)
from marketplace.web import cipher, db, runtime
from marketplace.web.api import bp, paged
from marketplace.web.apispec import SIGNED_IN, api_route

ORGANISER = ("organiser", "admin")
EMPLOYER = ("employer", "agency")


def secret() -> str:
    return current_app.config["SECRET_KEY"]


@api_route(bp, "/fairs", roles=SIGNED_IN, summary="Job fairs (an organiser sees the fairs they organise)",
           paginated=True)
def fair_api_list_fairs(actor):
    return paged(booths.fairs_for(actor), booths.fair_to_dict)


@api_route(bp, "/fairs", ["POST"], ORGANISER, "Create a fair (on-site, online or both) with its time slots",
           body=FairIn)
def fair_api_create_fair(actor, data):
    return booths.fair_to_dict(booths.create_fair(db(), actor, data)), 201


@api_route(bp, "/fairs/<int:fair_id>", roles=SIGNED_IN, summary="One fair with its approved booths")
def fair_api_get_fair(actor, fair_id):
    fair = booths.get_fair(db(), actor, fair_id)
    d = booths.fair_to_dict(fair)
    d["booths"] = [booths.booth_to_dict(b) for b in booths.booths_of(db(), fair.id, "approved")]
    return d


@api_route(bp, "/fairs/<int:fair_id>", ["PUT"], ORGANISER, "Correct a fair before it starts (slots an edit "
           "removes send their interviews back to requests; the holders are told)", body=FairEditIn)
def fair_api_edit_fair(actor, fair_id, data):
    return booths.fair_to_dict(corrections.edit_fair(db(), actor, fair_id, data, data.reason))


@api_route(bp, "/fairs/<int:fair_id>/booths/<int:booth_id>/cancel", ["POST"], ORGANISER + EMPLOYER,
           "Cancel a booth before the fair, with the reason (the people with interviews there are told)",
           body=BoothCancelIn)
def fair_api_cancel_booth(actor, fair_id, booth_id, data):
    return booths.booth_to_dict(corrections.cancel_booth(db(), actor, fair_id, booth_id, data.reason))


@api_route(bp, "/fairs/<int:fair_id>/close", ["POST"], ORGANISER, "Close a fair (no more booths, registrations or "
           "check-ins)")
def fair_api_close_fair(actor, fair_id):
    return booths.fair_to_dict(booths.set_status(db(), actor, fair_id, "closed"))


@api_route(bp, "/fairs/<int:fair_id>/booths", ["POST"], EMPLOYER,
           "Apply for a booth with the postings brought and interviews per recruiter per slot", body=BoothIn)
def fair_api_apply_booth(actor, fair_id, data):
    return booths.booth_to_dict(booths.apply_booth(db(), actor, fair_id, data)), 201


@api_route(bp, "/fairs/<int:fair_id>/booths", roles=ORGANISER, summary="All booth applications of my fair")
def fair_api_list_booths(actor, fair_id):
    booths.own_fair(db(), actor, fair_id)
    return {"items": [booths.booth_to_dict(b) for b in booths.booths_of(db(), fair_id)]}


@api_route(bp, "/fairs/<int:fair_id>/booths/<int:booth_id>/decision", ["POST"], ORGANISER,
           "Approve or reject a booth application", body=BoothDecisionIn)
def fair_api_decide_booth(actor, fair_id, booth_id, data):
    return booths.booth_to_dict(booths.decide_booth(db(), actor, fair_id, booth_id, data.approve, data.place, data.note))


@api_route(bp, "/fairs/<int:fair_id>/registration", ["POST"], ("person",), "Pre-register for a fair")
def fair_api_register(actor, fair_id):
    return checkin.registration_to_dict(checkin.register(db(), actor, fair_id)), 201


@api_route(bp, "/fairs/<int:fair_id>/registration", roles=("person",),
           summary="My registration and the check-in token my QR code shows")
def fair_api_my_registration(actor, fair_id):
    reg = booths.my_registration(db(), actor, fair_id)
    if reg is None:
        raise NotFound("您的报名", "your registration")
    d = checkin.registration_to_dict(reg)
    d["token"] = checkin.checkin_token(secret(), reg)
    d["token_max_age_s"] = checkin.QR_MAX_AGE
    return d


@api_route(bp, "/fairs/<int:fair_id>/registration/online", ["POST"], ("person",),
           "Join an online fair from my own account (my registration only)")
def fair_api_join_online(actor, fair_id):
    return checkin.registration_to_dict(checkin.join_online(db(), actor, fair_id))


@api_route(bp, "/fairs/<int:fair_id>/checkins", ["POST"], ORGANISER,
           "Check a person in by QR token, ID number or phone number (never stored or echoed)", body=CheckInIn)
def fair_api_check_in(actor, fair_id, data):
    reg = checkin.check_in(db(), actor, cipher(), secret(), fair_id, token=data.token, id_number=data.id_number,
                         phone=data.phone)
    d = checkin.registration_to_dict(reg)
    d["name"] = reg.profile.name
    return d, 201


@api_route(bp, "/fairs/<int:fair_id>/ranking", roles=("person",),
           summary="Booths and postings ranked for me (after check-in), with reasons")
def fair_api_my_ranking(actor, fair_id):
    return live.person_view(db(), actor, runtime().encoder, fair_id)


@api_route(bp, "/fairs/<int:fair_id>/booths/<int:booth_id>/ranking", roles=EMPLOYER,
           summary="Checked-in people ranked for my booth's postings, with reasons, and my booth's queue")
def fair_api_booth_ranking(actor, fair_id, booth_id):
    return live.booth_view(db(), actor, runtime().encoder, fair_id, booth_id)


@api_route(bp, "/fairs/<int:fair_id>/interviews", ["POST"], ("person",), "Ask a booth for an interview",
           body=InterviewRequestIn)
def fair_api_request_interview(actor, fair_id, data):
    iv = interviews.request_interview(db(), actor, runtime().encoder, fair_id, data.booth_id)
    return interviews.interview_to_dict(iv, booths.get_fair(db(), actor, fair_id)), 201


@api_route(bp, "/fairs/<int:fair_id>/booths/<int:booth_id>/invitations", ["POST"], EMPLOYER,
           "Invite a checked-in person to an interview at my booth", body=InviteIn)
def fair_api_invite(actor, fair_id, booth_id, data):
    iv = interviews.invite(db(), actor, runtime().encoder, fair_id, booth_id, data.profile_id)
    return interviews.interview_to_dict(iv, booths.get_fair(db(), actor, fair_id)), 201


@api_route(bp, "/fairs/<int:fair_id>/schedule", roles=("person",) + EMPLOYER,
           summary="My interviews at a fair (a person's, or my booth's), by slot")
def fair_api_schedule(actor, fair_id):
    fair = booths.get_fair(db(), actor, fair_id)
    if actor.role == "person":
        items = interviews.person_interviews(db(), actor, fair_id)
    else:
        booth = booths.my_booth(db(), actor, fair_id)
        items = interviews.booth_interviews(db(), booth.id) if booth else []
    return {"items": [interviews.interview_to_dict(i, fair) for i in items]}


@api_route(bp, "/fairs/interviews/<int:interview_id>/cancel", ["POST"], ("person",) + EMPLOYER + ORGANISER,
           "Cancel a requested or confirmed interview (the next round fills the slot)")
def fair_api_cancel_interview(actor, interview_id):
    iv = interviews.cancel_interview(db(), actor, interview_id)
    return interviews.interview_to_dict(iv)


@api_route(bp, "/fairs/interviews/<int:interview_id>/outcome", ["POST"], EMPLOYER,
           "Record an interview's outcome; intents, offers and hires flow into applications", body=InterviewOutcomeIn)
def fair_api_interview_outcome(actor, interview_id, data):
    return interviews.interview_to_dict(interviews.record_outcome(db(), actor, interview_id, data.outcome, data.note))


@api_route(bp, "/fairs/<int:fair_id>/allocation", ["POST"], ORGANISER,
           "Run an allocation round: requested interviews get slots; confirmed ones never move", body=AllocateIn)
def fair_api_allocate(actor, fair_id, data):
    return interviews.run_allocation(db(), actor, fair_id, data.from_slot)


@api_route(bp, "/fairs/<int:fair_id>/slot/next", ["POST"], ORGANISER, "Move the hall to the next time slot")
def fair_api_next_slot(actor, fair_id):
    return booths.fair_to_dict(interviews.advance_slot(db(), actor, fair_id))


@api_route(bp, "/fairs/<int:fair_id>/board", roles=ORGANISER, summary="The live board's figures")
def fair_api_board(actor, fair_id):
    booths.own_fair(db(), actor, fair_id)
    return live.board(db(), fair_id)


@api_route(bp, "/fairs/<int:fair_id>/report", roles=ORGANISER,
           summary="Post-fair report: attendance by group; interviews, offers and hires within 30 days by booth")
def fair_api_report(actor, fair_id):
    return report.report(db(), actor, fair_id)


@api_route(bp, "/fairs/<int:fair_id>/report.csv", roles=ORGANISER, summary="The post-fair report as CSV")
def fair_api_report_csv(actor, fair_id):
    body = report.report_csv(report.report(db(), actor, fair_id))
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename=fair-{fair_id}.csv"})
