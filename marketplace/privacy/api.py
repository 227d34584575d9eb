"""A person's own data: download and delete (PIPL)."""
from __future__ import annotations

from pydantic import StringConstraints
from typing_extensions import Annotated

from marketplace.core.schemas import Strict
from marketplace.privacy import operations as privacy
from marketplace.web import cipher, db
from marketplace.web.api import bp
from marketplace.web.apispec import api_route


class DeleteIn(Strict):
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


@api_route(bp, "/me/data", roles=("person",), summary="Download all my personal data (JSON)")
def my_data(actor):
    return privacy.export(db(), cipher(), actor)


@api_route(bp, "/me/delete", ["POST"], ("person",), "Delete my account and personal data (password required)",
           body=DeleteIn)
def delete_me(actor, data):
    privacy.delete_account(db(), actor, data.password)
    return {"deleted": True}
