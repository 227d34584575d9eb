"""The one JSON API blueprint (``/api/v1``) and its shared helpers: paging, choice
arguments, the OpenAPI document and the health check. Every area adds its endpoints to
``bp`` through :func:`marketplace.web.apispec.api_route` in its own ``api.py``; the app
factory imports those modules by name before registering ``bp``."""
from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import text

from marketplace.db import paginate
from marketplace.errors import ValidationFailed
from marketplace.web import db, settings
from marketplace.web.apispec import ANYONE, api_route, openapi

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def page_args() -> tuple[int, int]:
    def number(name: str, default: int, lo: int, hi: int) -> int:
        raw = request.args.get(name)
        if raw is None or raw == "":
            return default
        if not (raw.isascii() and raw.isdigit()) or not (lo <= int(raw) <= hi):
            raise ValidationFailed(f"{name} 应为 {lo} 到 {hi} 之间的整数", f"{name} must be a whole number from {lo} "
                                   f"to {hi}", field=name)
        return int(raw)

    return number("page", 1, 1, 100000), number("per_page", 20, 1, settings().PER_PAGE_MAX)


def paged(stmt, to_dict=None, many=None) -> dict:
    """One page of ``stmt``: each row through ``to_dict``, or the whole page through ``many``
    (for serialisers that read related rows for a page at once)."""
    page, per_page = page_args()
    items, total = paginate(db(), stmt, page, per_page)
    out = many(items) if many is not None else [to_dict(i) for i in items]
    return {"items": out, "page": page, "per_page": per_page, "total": total}


def choice_arg(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise ValidationFailed(f"{name} 应为以下之一：{', '.join(allowed)}", f"{name} must be one of: "
                               f"{', '.join(allowed)}", field=name)
    return value


@bp.get("/openapi.json")
def openapi_json():
    return openapi(bp.url_prefix)


@api_route(bp, "/health", roles=ANYONE, summary="Liveness and database check")
def health(actor):
    db().execute(text("SELECT 1"))
    return {"status": "ok"}
