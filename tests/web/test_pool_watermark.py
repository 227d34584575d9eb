"""The pool snapshot's watermark: which changed rows a process serves from its delta."""
from __future__ import annotations

import datetime as dt

from marketplace.core.pool_snapshots import WATERMARK_MARGIN, watermark


def test_a_bulk_import_is_in_the_snapshot_not_in_every_delta():
    """The delta holds the rows changed after the newest one the build saw, and the last two
    minutes before the build (late commits); a bulk import finished an hour before the build
    is wholly in the snapshot (it was the whole delta of every process, and the job rebuilt
    every five minutes)."""
    start = dt.datetime(2026, 12, 7, 4, 11)
    imported = start - dt.timedelta(hours=1, minutes=30)
    assert watermark(imported, start) == imported
    busy = start - dt.timedelta(seconds=5)
    assert watermark(busy, start) == start - WATERMARK_MARGIN
    assert watermark(None, start) is None
