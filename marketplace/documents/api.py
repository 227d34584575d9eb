"""``GET /api/v1/documents/<kind>/<id>.pdf``: one route per kind (so each has its row in the
authorisation matrix and its line in the OpenAPI document). The roles declared are those
that may hold such a record at all (``ROLES``; others get 403); which record a reader gets is
decided by the kind's build function, with the record's own access rule (404 for a record
the reader may not see)."""
from __future__ import annotations

from flask import Response, request

from marketplace import documents
from marketplace.web import db
from marketplace.web.api import bp
from marketplace.web.apispec import SIGNED_IN, api_route

STAFF = ("caseworker", "admin")
#: who may ask for each kind (the API's 403); kinds not named: every signed-in role
ROLES = {"referral_letter": STAFF, "placement_notice": STAFF, "fair_report": ("organiser", "admin"),
         "my_data": ("person",)}


def pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


def verify_base() -> str:
    """The public check page's address up to the code, on the host the reader used."""
    return request.host_url + "verify/"


def _route(kind: str) -> None:
    def view(actor, record_id):
        return pdf_response(*documents.fetch(db(), actor, kind, record_id, verify_base()))

    view.__name__ = f"document_{kind}"
    api_route(bp, f"/documents/{kind}/<int:record_id>.pdf", roles=ROLES.get(kind, SIGNED_IN),
              summary=f"{documents.KINDS[kind]} (PDF), for those who may see the record")(view)


for _kind in documents.KINDS:
    _route(_kind)
