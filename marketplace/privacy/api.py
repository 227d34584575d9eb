"""A person's own data: download and delete (PIPL)."""
from __future__ import annotations

from pydantic import StringConstraints
from typing_extensions import Annotated

from marketplace.core import accounts
from marketplace.core.schemas import Strict
from marketplace.errors import DomainError
from marketplace.privacy import operations as privacy
from marketplace.web import cipher, client_address, db, login_limits
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
    try:
        privacy.delete_account(db(), actor, data.password, client_address(), login_limits())
    except DomainError:
        accounts.keep_failed_login(db())  # the throttle's counts stay although the request is refused
        raise
    return {"deleted": True}
