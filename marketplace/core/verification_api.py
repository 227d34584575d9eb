"""The JSON API of the verification of organisations (``core.verification``) on the shared
``/api/v1`` blueprint: an organisation's own standing and its ask, the caseworker's queue and
decisions. Thin views: parse, call an operation, serialise."""
from __future__ import annotations

from marketplace.core import verification
from marketplace.core.models import DISTRICTS
from marketplace.core.schemas import ReasonIn, VerificationAsk, VerifyIn
from marketplace.web import db
from marketplace.web.api import bp, choice_arg, paged
from marketplace.web.apispec import api_route

EMPLOYER = ("employer", "agency")
STAFF = ("caseworker", "admin")


@api_route(bp, "/organisations/me/verification", roles=EMPLOYER,
           summary="My organisation's verification: where it stands, and its requests with their decisions")
def my_verification(actor):
    return verification.my_status(db(), actor)


@api_route(bp, "/organisations/me/verification", ["POST"], EMPLOYER,
           "Ask (again) for the service to verify my organisation's type and flags, naming the documents",
           body=VerificationAsk)
def ask_verification(actor, data):
    return verification.request_to_dict(verification.ask(db(), actor, data)), 201


@api_route(bp, "/organisations/verifications", roles=STAFF,
           summary="Organisations awaiting verification (a caseworker: their district's)", paginated=True,
           query={"status": ("string", "pending (default), verified, refused, revoked"),
                  "district": ("string", "an admin's filter")})
def verification_queue(actor):
    status = choice_arg("status", ("pending", "verified", "refused", "revoked", "superseded")) or "pending"
    return paged(verification.queue(actor, status, choice_arg("district", DISTRICTS)),
                 verification.queue_item_to_dict)


@api_route(bp, "/organisations/<int:organisation_id>/verification", roles=STAFF,
           summary="One organisation's verification: credit code, facts, requests and the documents named")
def organisation_verification(actor, organisation_id):
    return verification.status_to_dict(db(), verification.organisation_for_review(db(), actor, organisation_id))


@api_route(bp, "/organisations/<int:organisation_id>/verification/verify", ["POST"], STAFF,
           "Verify the pending request: record what was checked and set the facts (default: as asked)",
           body=VerifyIn)
def verify_organisation(actor, organisation_id, data):
    return verification.request_to_dict(verification.verify(db(), actor, organisation_id, data))


@api_route(bp, "/organisations/<int:organisation_id>/verification/refuse", ["POST"], STAFF,
           "Refuse the pending request, with the reason the organisation reads", body=ReasonIn)
def refuse_organisation(actor, organisation_id, data):
    return verification.request_to_dict(verification.refuse(db(), actor, organisation_id, data))


@api_route(bp, "/organisations/<int:organisation_id>/verification/revoke", ["POST"], STAFF,
           "Withdraw a verification, with the reason: the facts fall back and published postings close",
           body=ReasonIn)
def revoke_organisation(actor, organisation_id, data):
    verification.revoke(db(), actor, organisation_id, data)
    return verification.status_to_dict(db(), verification.organisation_for_review(db(), actor, organisation_id))
