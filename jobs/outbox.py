"""Tasks that could not be sent (broker down) wait here and are re-sent later."""
from __future__ import annotations

import json
import logging

from sqlalchemy import select

from marketplace.core.models import TaskOutbox

log = logging.getLogger(__name__)


def keep(database, name: str, args: tuple) -> None:
    with database.unit_of_work() as s:
        s.add(TaskOutbox(task_name=name, args_json=json.dumps(list(args))))


def flush(database, send) -> int:
    """Re-send kept tasks with ``send(name, args)``; returns how many went out. A task
    that fails to send stays for the next try."""
    sent = 0
    with database.unit_of_work() as s:
        for row in s.scalars(select(TaskOutbox).order_by(TaskOutbox.id).limit(500).with_for_update(skip_locked=True)):
            try:
                send(row.task_name, tuple(json.loads(row.args_json)))
            except Exception:
                log.warning("outbox: %s still cannot be sent", row.task_name)
                break
            s.delete(row)
            sent += 1
    return sent
