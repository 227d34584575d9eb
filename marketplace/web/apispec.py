"""The API's route registry: one decorator declares path, methods, roles and body
schema; the same registry produces the OpenAPI document and feeds the authorisation
matrix test, so an endpoint cannot exist without its declared roles."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps

from flask import Blueprint, g, request
from pydantic import BaseModel

from marketplace.core.accounts import user_for_token
from marketplace.core.models import ROLES
from marketplace.core.schemas import validate_json
from marketplace.errors import Forbidden, Unauthorized, ValidationFailed
from marketplace.web import db

ANYONE = ("anonymous",) + ROLES
SIGNED_IN = ROLES
#: what a token whose account must change its password (an admin reset it) may still call
_WHILE_PASSWORD_MUST_CHANGE = frozenset({"api.change_password", "api.revoke", "api.logout_everywhere", "api.me"})


@dataclass
class RouteSpec:
    rule: str
    methods: tuple[str, ...]
    roles: tuple[str, ...]
    summary: str
    endpoint: str
    body: type[BaseModel] | None = None
    paginated: bool = False
    query: dict = field(default_factory=dict)  # name -> (type, description)


ROUTES: list[RouteSpec] = []


def token_user():
    """The user of the bearer token, or None. Cached on the request."""
    if "api_user" in g:
        return g.api_user

    header = request.headers.get("Authorization", "")
    user = None
    if header.startswith("Bearer ") and len(header) < 200:
        user = user_for_token(db(), header[7:].strip())
    g.api_user = user
    return user


def api_route(bp: Blueprint, rule: str, methods=("GET",), roles=SIGNED_IN, summary: str = "",
              body: type[BaseModel] | None = None, paginated: bool = False, query: dict | None = None):
    def deco(fn):
        spec = RouteSpec(rule, tuple(methods), tuple(roles), summary or (fn.__doc__ or "").strip().split("\n")[0],
                         f"{bp.name}.{fn.__name__}", body, paginated, query or {})
        ROUTES.append(spec)

        @wraps(fn)
        def wrapper(**kw):
            actor = token_user()
            if "anonymous" not in spec.roles:
                if actor is None:
                    raise Unauthorized("请提供有效的访问令牌（Authorization: Bearer …）",
                                       "a valid bearer token is required (Authorization: Bearer …)")
                if actor.role not in spec.roles:
                    raise Forbidden()
            if actor is not None and actor.must_change_password and spec.endpoint not in _WHILE_PASSWORD_MUST_CHANGE:
                refusal = Forbidden("管理员已重置您的密码，请先修改密码（POST /api/v1/auth/password）",
                                    "an administrator reset your password: change it first (POST /api/v1/auth/password)")
                refusal.code = "password_change_required"
                raise refusal
            if body is not None:
                if not request.is_json:
                    raise ValidationFailed("请求体应为 JSON 对象（Content-Type: application/json）",
                                           "the request body must be a JSON object (Content-Type: application/json)",
                                           field="body")
                kw["data"] = validate_json(body, request.get_data(cache=True))
            return fn(actor, **kw)

        bp.add_url_rule(rule, fn.__name__, wrapper, methods=list(methods))
        return wrapper

    return deco


def _path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def openapi(prefix: str) -> dict:
    paths: dict = {}
    components: dict = {"Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "field": {"type": "string"},
        "message": {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
        "details": {"type": "array", "items": {"type": "object"}}}}}}}
    for spec in ROUTES:
        p = paths.setdefault(prefix + _path(spec.rule), {})
        params = [{"name": n, "in": "path", "required": True,
                   "schema": {"type": "integer" if f"<int:{n}>" in spec.rule else "string"}}
                  for n in re.findall(r"<(?:\w+:)?(\w+)>", spec.rule)]
        if spec.paginated:
            params += [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                       {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}]
        for name, (typ, desc) in spec.query.items():
            params.append({"name": name, "in": "query", "description": desc, "schema": {"type": typ}})
        for method in spec.methods:
            op = {"summary": spec.summary, "operationId": f"{spec.endpoint}_{method.lower()}",
                  "x-roles": list(spec.roles), "parameters": params,
                  "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                                "default": {"description": "error", "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}}}}}}
            if "anonymous" not in spec.roles:
                op["security"] = [{"bearer": []}]
            if spec.body is not None:
                schema = spec.body.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, sub in schema.pop("$defs", {}).items():
                    components[name] = sub
                components[spec.body.__name__] = schema
                op["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{spec.body.__name__}"}}}}
            p[method.lower()] = op
    return {"openapi": "3.0.3", "info": {"title": "抚顺公共就业服务平台 API / Fushun public employment marketplace API",
                                         "version": "1"},
            "paths": paths, "components": {"schemas": components,
                                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}
