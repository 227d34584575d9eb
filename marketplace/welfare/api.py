"""Welfare API: unemployment registration, hard-to-employ status (R8), referrals,
public-welfare placements (R9, R10), monthly follow-ups (R12), the dashboard.
Caseworkers act in their own district (others' records are 404); a person sees only
their own registration and follow-ups."""
from __future__ import annotations

from flask import Response, request

from marketplace.web import db, runtime
from marketplace.web.api import bp, paged
from marketplace.web.apispec import api_route
from marketplace.welfare import (
    corrections,
    dashboard,
    followups,
    hard_to_employ,
    placements,
    rechecks,
    referrals,
    registrations,
)
from marketplace.welfare.schemas import (
    ContactIn,
    ExtensionIn,
    HardToEmployCorrectionIn,
    HardToEmployIn,
    KeepPlacementIn,
    OutcomeIn,
    PlacementEndIn,
    PlacementIn,
    ReferralIn,
    RegistrationCorrectionIn,
    RegistrationEndIn,
    RegistrationIn,
    RevokeIn,
)

STAFF = ("caseworker", "admin")


def _flag(name: str) -> bool:
    return request.args.get(name, "") in ("1", "true", "yes")


@api_route(bp, "/welfare/registrations", ["POST"], ("person",) + STAFF,
           "Register unemployed: online (a person, for themselves) or at the desk (a caseworker, with profile_id)",
           body=RegistrationIn)
def welfare_register(actor, data):
    reg = registrations.register(db(), actor, profile_id=data.profile_id if actor.role != "person" else None,
                           basis=data.basis, district=data.district, registered_on=data.registered_on,
                           original_retirement_age=data.original_retirement_age)
    return registrations.registration_to_dict(reg), 201


@api_route(bp, "/welfare/registrations/me", roles=("person",), summary="My registrations and follow-ups")
def welfare_my_registration(actor):
    regs = registrations.my_registrations(db(), actor)
    tasks = followups.follow_ups(db(), actor)
    return {"registrations": [registrations.registration_to_dict(r) for r in regs],
            "follow_ups": [followups.follow_up_to_dict(t) for t in tasks]}


@api_route(bp, "/welfare/registrations", roles=STAFF, summary="Open registrations in my district", paginated=True,
           query={"all": ("boolean", "include ended registrations")})
def welfare_registrations(actor):
    return paged(registrations.registrations_for(actor, open_only=not _flag("all")), registrations.registration_to_dict)


@api_route(bp, "/welfare/registrations/<int:registration_id>/confirm", ["POST"], STAFF,
           "Confirm an online registration")
def welfare_confirm_registration(actor, registration_id):
    return registrations.registration_to_dict(registrations.confirm_registration(db(), actor, registration_id))


@api_route(bp, "/welfare/registrations/<int:registration_id>/end", ["POST"], STAFF,
           "Deregister (the person found work, moved, ...), with the reason", body=RegistrationEndIn)
def welfare_end_registration(actor, registration_id, data):
    reg = registrations.end_registration(db(), actor, registration_id, data.reason, data.note, data.ended_on)
    return registrations.registration_to_dict(reg)


@api_route(bp, "/welfare/profiles/<int:profile_id>/hard-to-employ", roles=STAFF,
           summary="R8 decision for a person today, with each condition and its record, and the status on file")
def welfare_hte(actor, profile_id):
    decision = hard_to_employ.evaluate_hte(db(), actor, profile_id)
    status = hard_to_employ.open_hte(db(), profile_id)
    return {"decision": decision.to_json(), "status": hard_to_employ.hte_to_dict(status) if status else None}


@api_route(bp, "/welfare/profiles/<int:profile_id>/hard-to-employ", ["POST"], STAFF,
           "Register a hard-to-employ person, or confirm the R8 reference status", body=HardToEmployIn)
def welfare_grant_hte(actor, profile_id, data):
    return hard_to_employ.hte_to_dict(hard_to_employ.grant_hte(db(), actor, profile_id, data.basis, data.note)), 201


@api_route(bp, "/welfare/hard-to-employ/<int:status_id>/revoke", ["POST"], STAFF,
           "End a hard-to-employ status, with the reason", body=RevokeIn)
def welfare_revoke_hte(actor, status_id, data):
    return hard_to_employ.hte_to_dict(hard_to_employ.revoke_hte(db(), actor, status_id, data.reason))


@api_route(bp, "/welfare/registrations/<int:registration_id>/correct", ["POST"], STAFF,
           "Correct a registration's dates and status, with the reason (audited; the person is told)",
           body=RegistrationCorrectionIn)
def welfare_correct_registration(actor, registration_id, data):
    return registrations.registration_to_dict(corrections.correct_registration(db(), actor, registration_id, data))


@api_route(bp, "/welfare/hard-to-employ/<int:status_id>/correct", ["POST"], STAFF,
           "Correct a hard-to-employ status's dates and state, with the reason (audited; the person is told)",
           body=HardToEmployCorrectionIn)
def welfare_correct_hte(actor, status_id, data):
    return hard_to_employ.hte_to_dict(corrections.correct_hte(db(), actor, status_id, data))


@api_route(bp, "/welfare/referrals", ["POST"], STAFF, "Refer a person to a posting", body=ReferralIn)
def welfare_refer(actor, data):
    return referrals.referral_to_dict(referrals.refer(db(), actor, data.profile_id, data.posting_id, data.note)), 201


@api_route(bp, "/welfare/referrals", roles=STAFF, summary="Referrals in my district", paginated=True,
           query={"pending": ("boolean", "only those waiting for an outcome")})
def welfare_referrals(actor):
    return paged(referrals.referrals_for(actor, pending=_flag("pending")), referrals.referral_to_dict)


@api_route(bp, "/welfare/referrals/<int:referral_id>/outcome", ["POST"], STAFF,
           "Record a referral's outcome (hired, not_hired, refused)", body=OutcomeIn)
def welfare_outcome(actor, referral_id, data):
    ref = referrals.record_outcome(db(), actor, referral_id, data.outcome, data.note, data.outcome_on)
    return referrals.referral_to_dict(ref)


@api_route(bp, "/welfare/postings/<int:posting_id>/queue", roles=STAFF,
           summary="R9 placement queue of a public-welfare post, each rank with its reason")
def welfare_queue(actor, posting_id):
    posting, queue, refused = placements.placement_queue(db(), actor, posting_id, encoder=runtime().encoder)
    return {"posting_id": posting.id, "title": posting.title, "queue": [e.to_dict() for e in queue],
            "not_eligible": [r.to_dict() for r in refused]}


@api_route(bp, "/welfare/postings/<int:posting_id>/placements", ["POST"], STAFF,
           "Place a person on a public-welfare post (R8-R10)", body=PlacementIn)
def welfare_place(actor, posting_id, data):
    pl = placements.place(db(), actor, posting_id, data.profile_id, fund=data.fund, start_on=data.start_on,
                          term_months=data.term_months, justification=data.justification,
                          skip_reason=data.skip_reason, encoder=runtime().encoder)
    return placements.placement_to_dict(pl), 201


@api_route(bp, "/welfare/placements", roles=STAFF, summary="Running placements in my district", paginated=True)
def welfare_placements(actor):
    return paged(placements.placements_for(actor), placements.placement_to_dict)


@api_route(bp, "/welfare/placements/<int:placement_id>/extend", ["POST"], STAFF,
           "Extend a placement once (R10)", body=ExtensionIn)
def welfare_extend(actor, placement_id, data):
    pl = placements.extend(db(), actor, placement_id, fund=data.fund, months=data.months,
                        stably_employed=data.stably_employed)
    return placements.placement_to_dict(pl)


@api_route(bp, "/welfare/placements/<int:placement_id>/end", ["POST"], STAFF, "End a placement",
           body=PlacementEndIn)
def welfare_end_placement(actor, placement_id, data):
    return placements.placement_to_dict(placements.end_placement(db(), actor, placement_id, data.reason, data.ended_on))


@api_route(bp, "/welfare/placements/awaiting-review", roles=STAFF,
           summary="Running placements in my district whose R8 decision a correction refused: keep or end each")
def welfare_placements_awaiting_review(actor):
    return {"items": [placements.placement_to_dict(pl) for pl in rechecks.awaiting_review(db(), actor)]}


@api_route(bp, "/welfare/placements/<int:placement_id>/keep", ["POST"], STAFF,
           "Keep a placement marked for review, with the reason (audited; the mark is cleared)", body=KeepPlacementIn)
def welfare_keep_placement(actor, placement_id, data):
    return placements.placement_to_dict(rechecks.keep(db(), actor, placement_id, data.reason))


@api_route(bp, "/welfare/report", roles=STAFF,
           summary="Public-welfare posts filled, vacant and expiring; temporary share; quotas")
def welfare_report(actor):
    return dashboard.posts_report(db(), actor)


@api_route(bp, "/welfare/follow-ups", roles=("person",) + STAFF, summary="Follow-up tasks (mine, due, overdue)",
           paginated=True, query={"due": ("boolean", "this month's, not yet contacted"),
                                  "overdue": ("boolean", "ended months without a contact"),
                                  "mine": ("boolean", "assigned to me")})
def welfare_follow_ups(actor):
    stmt = followups.follow_ups_for(actor, due=_flag("due"), overdue=_flag("overdue"),
                                  mine=_flag("mine") and actor.role != "person")
    return paged(stmt, followups.follow_up_to_dict)


@api_route(bp, "/welfare/follow-ups/<int:follow_up_id>/contacts", ["POST"], STAFF,
           "Record a follow-up contact (phone, visit, online) with notes", body=ContactIn)
def welfare_contact(actor, follow_up_id, data):
    followups.record_contact(db(), actor, follow_up_id, data.channel, data.note, data.contacted_on)

    return followups.follow_up_to_dict(followups.get_follow_up(db(), actor, follow_up_id)), 201


@api_route(bp, "/welfare/dashboard", roles=STAFF, summary="Monitoring figures (plan item (二十二))",
           query={"format": ("string", "json (default) or csv")})
def welfare_dashboard(actor):
    data = dashboard.dashboard(db(), actor)
    if request.args.get("format") == "csv":
        return Response(dashboard.dashboard_csv(data), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=dashboard.csv"})
    return data
