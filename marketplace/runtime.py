"""Process-wide resources shared by the web app and the workers: the search backend and
the sentence encoder. Both are built on first use (never at import or before a fork),
once per process, from the configuration."""
from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

from matching.encoder import SQLiteStore, get_encoder, text_key
from search import get_backend
from search.cache import LRU, QueryVectorCache, SharedResultCache, result_from_json, result_to_json


class Runtime:
    def __init__(self, config):
        self.config = config
        self._lock = threading.Lock()
        self._backend = None
        self._encoder = None
        self._cache = LRU(self.CACHE_ENTRIES)
        self._cache_lock = threading.Lock()
        self._generation = 0
        self._shared = None
        self._query_vectors = None

    # Popular searches repeat (焊工, 保安, 会计 ...): their results are kept for up to
    # SEARCH_CACHE_SECONDS, in this process (a dict) and, for backends that report an index
    # version (the embedded one), in a file shared by the server's processes. An entry is
    # used only while the index is at the version it was computed at, so any write, by any
    # process, retires it at once; without a version (Elasticsearch) a write through this
    # process empties this process's entries and other writes show within the time limit.
    # Rows are always re-read from the database, so a closed posting never shows as open.
    #
    # One entry holds the first WINDOW results of a search, whatever page was asked for:
    # people page through results, and pages 1 and 2 of a search then cost one backend
    # query, not two, and never overlap or skip a result between them. WINDOW is half the
    # backends' fusion depth (100), so asking for the window costs what asking for page 1
    # does. Pages beyond the window go to the backend each time (rare, and uncached).
    # An entry (a window of 50 hits with facets) is kept as its JSON text, ~4 KB (~14 KB as
    # objects), and parsed on a hit (~0.06 ms): this process keeps at most 1,000 and drops
    # the expired ones as new ones come, so a long tail of searches does not hold ~100 MB
    # per process; the shared file keeps the rest for the other processes.
    CACHE_ENTRIES = 1000
    WINDOW = 50

    def search(self, query, vector_fn=None):
        """``backend.search(query)`` through the result caches; ``vector_fn()`` computes
        the query vector only on a miss."""
        ttl = self.config.SEARCH_CACHE_SECONDS
        if ttl <= 0 or query.offset + query.per_page > self.WINDOW:
            return self._backend_search(query, vector_fn)
        version = self.backend.version()
        key = (query.doc_type, query.text, tuple(sorted((k, repr(v)) for k, v in query.filters.items())),
               tuple(query.facets), query.sort, query.mode)
        now = time.monotonic()
        with self._cache_lock:
            stamp = (self._generation, version)
        hit = self._cache.get(key)
        text = hit[2] if hit is not None and hit[1] == stamp and now - hit[0] < ttl else None
        if text is not None:
            return _page_of(result_from_json(text), query)
        shared = self._shared_cache() if version is not None else None
        shared_key = shared.key(key) if shared is not None else None
        found = shared.get_text(shared_key, version) if shared is not None else None
        if found is not None:
            result, text = found
        else:
            result = self._backend_search(dataclasses.replace(query, page=1, per_page=self.WINDOW), vector_fn)
            text = result_to_json(result)
            if shared is not None:
                shared.put_text(shared_key, version, text)
        # too many, or the least recently used has expired
        self._cache.put(key, (now, stamp, text.encode("utf-8")), stale=lambda entry: now - entry[0] >= ttl)
        return _page_of(result, query)

    def _shared_cache(self):
        if self._shared is None:
            with self._lock:
                if self._shared is None:
                    Path(self.config.INSTANCE_DIR).mkdir(parents=True, exist_ok=True)
                    self._shared = SharedResultCache(Path(self.config.INSTANCE_DIR) / "search-cache.db",
                                                     max_age=self.config.SEARCH_CACHE_SECONDS)
        return self._shared

    def query_vector(self, text: str):
        """The encoder's query vector for ``text``, through the query-vector caches (this
        process's LRU, then the machine's shared file): the model runs once per machine for
        a text, and concurrent requests for the same new text in a process wait for one run."""
        enc = self.encoder
        cache = self._vector_cache()
        # not through the encoder's own store (embeddings.db, the documents' vectors): each new
        # query's write there was a commit of ~20 ms under that file's one write lock
        return cache.get_or_compute(f"{enc.model_id}:{text_key(text, 'query')}",
                                    lambda: enc.encode_queries([text], stored=False)[0])

    def _vector_cache(self):
        if self._query_vectors is None:
            with self._lock:
                if self._query_vectors is None:
                    Path(self.config.INSTANCE_DIR).mkdir(parents=True, exist_ok=True)
                    # 2,000 in this process (~3 MB); the shared file keeps 200,000 for every process
                    self._query_vectors = QueryVectorCache(Path(self.config.INSTANCE_DIR) / "query-vectors.db",
                                                           entries=2000)
        return self._query_vectors

    def _backend_search(self, query, vector_fn):
        if vector_fn is not None and query.text:
            query.query_vector = vector_fn()
        return self.backend.search(query)

    def invalidate(self) -> None:
        """The index changed: forget cached results and ranking pools' freshness."""
        with self._cache_lock:
            self._generation += 1
        self._cache.clear()

    @property
    def backend(self):
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    if self.config.SEARCH_BACKEND == "elasticsearch":
                        self._backend = get_backend("elasticsearch", url=self.config.ELASTICSEARCH_URL)
                    else:
                        Path(self.config.INSTANCE_DIR).mkdir(parents=True, exist_ok=True)
                        self._backend = get_backend("embedded", path=str(Path(self.config.INSTANCE_DIR) / "search.db"))
        return self._backend

    @property
    def encoder(self):
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    Path(self.config.INSTANCE_DIR).mkdir(parents=True, exist_ok=True)
                    store = SQLiteStore(Path(self.config.INSTANCE_DIR) / "embeddings.db")
                    self._encoder = get_encoder(self.config.ENCODER, store=store)
        return self._encoder

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None


def _page_of(window, query):
    """The page ``query`` asks for, cut from a cached first window of results."""
    return dataclasses.replace(window, hits=window.hits[query.offset:query.offset + query.per_page],
                               page=query.page, per_page=query.per_page, facets=dict(window.facets),
                               notes=list(window.notes))
