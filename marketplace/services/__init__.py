"""Use cases. Each takes a session and the acting user, checks authorisation and rules,
changes models and flushes; it never commits (the web request or the job does).

Work that must happen after the commit (indexing, notifications) is queued with
``after_commit(session, task_name, *args)``; the committer sends it once the commit
succeeded, so a rolled-back change never reaches the search index.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def after_commit(session: Session, task_name: str, *args) -> None:
    queue = session.info.setdefault("after_commit", [])
    item = (task_name, args)
    if item not in queue:
        queue.append(item)


def take_after_commit(session: Session) -> list[tuple[str, tuple]]:
    return session.info.pop("after_commit", [])


def paginate(session: Session, stmt, page: int, per_page: int):
    """(items, total) for 1-based ``page``."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return items, total
