"""The policy sets' JSON API (``/api/v1/policy/...``): the sets and their versions, drafts
copied from a version, edited, previewed, made effective and retired, and the city's set.
Reading is for every signed-in account; changing is the policy administrator's (``admin``).
Thin views over ``core.policy_admin`` and ``core.policy_preview``."""
from __future__ import annotations

import datetime as dt

from flask import request

from marketplace import clock
from marketplace.core import policy_admin, policy_preview
from marketplace.core.schemas import Strict, validate
from marketplace.errors import ValidationFailed
from marketplace.web import db
from marketplace.web.api import bp
from marketplace.web.apispec import SIGNED_IN, api_route

ADMIN = ("admin",)


class DraftIn(Strict):
    from_version: int


class ActivateIn(Strict):
    effective_from: dt.date
    justification: str = ""


class CityDefaultIn(Strict):
    name: str


class PreviewIn(Strict):
    effective_from: dt.date | None = None


def _on() -> dt.date:
    raw = request.args.get("on")
    if not raw:
        return clock.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD", field="on") from None


def _version(name: str, version: int) -> dict:
    s, v = policy_admin.get_version(db(), name, version)
    return policy_admin.version_to_dict(v, clock.today(), s, full=True)


@api_route(bp, "/policy/sets", ["GET"], SIGNED_IN, "Policy sets, their versions and which is in force (?on=date)")
def policy_sets(actor):
    return policy_admin.sets_to_dict(db(), _on())


@api_route(bp, "/policy/sets/<name>/versions/<int:version>", ["GET"], SIGNED_IN,
           "One version of a policy set with all its parameters")
def policy_version(actor, name, version):
    return _version(name, version)


@api_route(bp, "/policy/sets/<name>/versions", ["POST"], ADMIN, "A new draft version copied from a version",
           body=DraftIn)
def policy_new_draft(actor, name, data):
    v = policy_admin.create_draft(db(), actor, name, data.from_version)
    return _version(name, v.number), 201


@api_route(bp, "/policy/sets/<name>/versions/<int:version>", ["PUT"], ADMIN,
           "Edit a draft's parameters ({rules: {R2: {...}}, title_zh, title_en, notes}), validated like the set files")
def policy_edit_draft(actor, name, version):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed("请求体应为 JSON 对象", "the request body must be a JSON object", field="body")
    policy_admin.update_draft(db(), actor, name, version, data)
    return _version(name, version)


@api_route(bp, "/policy/sets/<name>/versions/<int:version>/preview", ["POST"], ADMIN,
           "The calculator and recorded decisions under this version and under the version in force")
def policy_preview_version(actor, name, version):
    data = request.get_json(silent=True) or {}
    body = validate(PreviewIn, data)
    return policy_preview.preview(db(), actor, name, version, clock.today(), body.effective_from)


@api_route(bp, "/policy/sets/<name>/versions/<int:version>/activate", ["POST"], ADMIN,
           "Make a draft effective from a date (a past date needs a justification)", body=ActivateIn)
def policy_activate(actor, name, version, data):
    policy_admin.activate(db(), actor, name, version, data.effective_from, clock.today(), data.justification)
    return _version(name, version)


@api_route(bp, "/policy/sets/<name>/versions/<int:version>/retire", ["POST"], ADMIN, "Retire a version")
def policy_retire(actor, name, version):
    policy_admin.retire(db(), actor, name, version, clock.today())
    return _version(name, version)


@api_route(bp, "/policy/city-default", ["POST"], ADMIN, "Choose the city's policy set in force", body=CityDefaultIn)
def policy_city_default(actor, data):
    policy_admin.set_city_default(db(), actor, data.name, clock.today())
    return policy_admin.sets_to_dict(db(), clock.today())
