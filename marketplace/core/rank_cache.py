"""Ranked pages kept per process: a person's recommendations and a posting's candidates.

A page is the ranking's result only (ids, ranks, scores, reasons and gaps), never ORM rows:
the rows of the page are read from the database on every request, through the actor's
visibility, so a cached page never shows a closed posting as open or a person the reader
may no longer see. An entry is found only under a key that names everything the page was
computed from (``core.recommend`` builds it):

* recommendations: the person's ``ProfileData`` as ranking reads it (their profile row and
  the engine's decisions about them, so a profile edit, a caseworker's category change or a
  new policy version gives a new key), the postings pool version, page, kind and the date;
* candidates: the posting's ``PostingData`` and ``updated_at``, the people pool version, the
  reader's visibility scope (role, organisation, district and, for an employer, the
  posting's applications), the district filter, page and the date.

So nothing is invalidated by hand: a change makes new keys, and the old entries age out of
the LRU. ``MARKETPLACE_RANKING_CACHE_SIZE`` entries per process (default 4000; 0 turns the
cache off), in front of one file the machine's server processes share
(``<instance>/rank-cache.db``, ``search.cache.SharedJson``, the newest 25 × that many entries):
a page one process ranked is served by the others, so adding processes does not make the cache
colder. Values are plain JSON (lists, not tuples). The LRU keeps each page as its UTF-8 JSON
text, ~11 KB for 20 items with reasons, and parses it on a hit (~0.1 ms): as Python objects a
page took ~39 KB, so a process's full LRU held ~155 MB, the largest part of what a server
process held of its own after a day's rankings.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from pathlib import Path

from search.cache import LRU, SharedJson, dumps

#: bumped when a cached page's shape changes, so a shared file written by older code is not read
FORMAT = 2


class PageCache:
    """A bounded LRU of ranked pages, safe across a server process's threads."""

    def __init__(self, size: int, shared: SharedJson | None = None):
        self.size = max(0, int(size))
        self.shared = shared if self.size else None
        self._entries = LRU(self.size)
        self._lock = threading.Lock()
        self.hits = self.misses = self.shared_hits = 0

    def get(self, key):
        if not self.size:
            return None
        hit = self._entries.get(key)
        if hit is not None:
            with self._lock:
                self.hits += 1
            return json.loads(hit)
        if self.shared is not None:
            found = self.shared.get_text(self.shared.key((FORMAT, key)))
            if found is not None:
                value, text = found
                self._remember(key, text.encode("utf-8"))
                with self._lock:
                    self.shared_hits += 1
                return value
        with self._lock:
            self.misses += 1
        return None

    def put(self, key, value) -> None:
        if not self.size:
            return
        text = dumps(value)
        self._remember(key, text.encode("utf-8"))
        if self.shared is not None:
            self.shared.put_text(self.shared.key((FORMAT, key)), text)

    def _remember(self, key, data: bytes) -> None:
        self._entries.put(key, data)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_guard = threading.Lock()


def cache_of(rt) -> PageCache:
    """The page cache of this process's runtime (one per app), sized from its config."""
    cache = rt.__dict__.get("_page_cache")
    if cache is None:
        with _guard:
            cache = rt.__dict__.get("_page_cache")
            if cache is None:
                size = int(getattr(rt.config, "RANKING_CACHE_SIZE", 4000))
                shared = None
                instance = getattr(rt.config, "INSTANCE_DIR", None)
                if size and instance:
                    Path(instance).mkdir(parents=True, exist_ok=True)
                    shared = SharedJson(Path(instance) / "rank-cache.db", max_rows=25 * size)
                cache = PageCache(size, shared)
                rt.__dict__["_page_cache"] = cache
    return cache


def digest(data) -> str:
    """A short fingerprint of a ``matching`` dataclass as ranking reads it (all its fields)."""
    fields = dataclasses.astuple(data) if dataclasses.is_dataclass(data) else data
    return hashlib.blake2b(repr(fields).encode("utf-8"), digest_size=12).hexdigest()
