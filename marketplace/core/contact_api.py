"""The JSON API of contact (``core.contact``, ``core.interviews``, ``core.messages``) on the
shared ``/api/v1`` blueprint: an employer opens its applicant, a caseworker reveals a phone for
a purpose, interviews and messages on an application. Thin views: parse, call, serialise."""
from __future__ import annotations

from flask import Response

from marketplace.core import contact, interviews, messages, outreach
from marketplace.core.contact_schemas import InterviewAnswerIn, InterviewIn, MessageIn, OutreachIn, RevealIn
from marketplace.web import cipher, db
from marketplace.web.api import bp, choice_arg
from marketplace.web.apispec import api_route

EMPLOYER = ("employer", "agency")
SIDES = ("person", "employer", "agency")


@api_route(bp, "/applications/<int:application_id>/applicant", roles=EMPLOYER,
           summary="The applicant's full profile, the application's note and phone (each opening is logged)")
def applicant(actor, application_id):
    return contact.applicant_profile(db(), cipher(), actor, application_id)


@api_route(bp, "/profiles/<int:profile_id>/phone", ["POST"], ("caseworker",),
           "Reveal the phone of a person of my district for a stated purpose (logged, limited per day)", body=RevealIn)
def reveal_phone(actor, profile_id, data):
    return contact.reveal_phone(db(), cipher(), actor, profile_id, data.purpose, data.note)


@api_route(bp, "/applications/<int:application_id>/interviews", roles=SIDES,
           summary="The interviews proposed on an application")
def list_interviews(actor, application_id):
    return {"items": [interviews.interview_to_dict(iv) for iv in interviews.interviews_of(db(), actor, application_id)]}


@api_route(bp, "/applications/<int:application_id>/interviews", ["POST"], EMPLOYER,
           "Propose an interview: one to five times, a place or an online link (replaces an open proposal)",
           body=InterviewIn)
def propose_interview(actor, application_id, data):
    return interviews.interview_to_dict(interviews.propose(db(), actor, application_id, data)), 201


@api_route(bp, "/applications/<int:application_id>/interviews/<int:interview_id>/answer", ["POST"], ("person",),
           "Accept one of the times, decline, or ask for another time", body=InterviewAnswerIn)
def answer_interview(actor, application_id, interview_id, data):
    return interviews.interview_to_dict(interviews.answer(db(), actor, application_id, interview_id, data))


@api_route(bp, "/applications/<int:application_id>/interviews/<int:interview_id>.ics", roles=SIDES,
           summary="An accepted interview as an iCalendar (.ics) file")
def interview_ics(actor, application_id, interview_id):
    body = interviews.ics(interviews.get_interview(db(), actor, application_id, interview_id))
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f"attachment; filename=interview-{interview_id}.ics"})


@api_route(bp, "/applications/<int:application_id>/messages", roles=SIDES,
           summary="The application's message thread, oldest first (marks the other side's messages read)")
def list_messages(actor, application_id):
    return {"items": [messages.message_to_dict(m) for m in messages.thread(db(), actor, application_id)]}


@api_route(bp, "/applications/<int:application_id>/messages", ["POST"], SIDES,
           "Write a short message on the application's thread (the other side is told)", body=MessageIn)
def send_message(actor, application_id, data):
    return messages.message_to_dict(messages.send(db(), actor, application_id, data.body)), 201


@api_route(bp, "/me/outreach", roles=SIDES, summary="Whether I am told what I may qualify for (政策找人)")
def my_outreach(actor):
    return {"opt_out": outreach.opted_out(db(), actor)}


@api_route(bp, "/me/outreach", ["POST"], SIDES, "Stop (or restart) being told what I may qualify for",
           body=OutreachIn)
def set_my_outreach(actor, data):
    return {"opt_out": outreach.set_opt_out(db(), actor, data.opt_out)}


@api_route(bp, "/caseworker/outreach", roles=("caseworker", "admin"),
           summary="政策找人: per rule, who in my district may qualify and what they were told",
           query={"rule": ("string", "R1, R4, R6, R8 or R9")})
def outreach_desk(actor):
    return outreach.desk(db(), actor, choice_arg("rule", outreach.RULES))
