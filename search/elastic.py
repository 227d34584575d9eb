"""The Elasticsearch backend (scale-out): the official client, 9.x to match a 9.x cluster.

* One index per document type behind an alias ``{prefix}-{doc_type}``; the concrete
  index is ``{alias}-{timestamp}``. :meth:`rebuild` creates a new index, bulk-loads
  it, refreshes it, then swaps the alias in one ``update_aliases`` call (readers see
  the old index until then) and deletes the old index: reindex without downtime.
* Mapping: ``title``, ``skills``, ``text`` analysed with the built-in ``cjk``
  analyzer (character bigrams, so two-character queries work), or IK
  (``ik_max_word``/``ik_smart``) or ``smartcn`` when the cluster has the plugin
  (detected from ``_cat/plugins``); each also has a ``.chars`` sub-field with the
  ``standard`` analyzer (one token per Han character) for one-character queries.
  Filter fields follow :data:`search.base.FIELD_SCHEMA`; other fields are mapped as
  keywords by a dynamic template. ``vector`` is a ``dense_vector`` (cosine, HNSW).
* Text is normalised in Python with the same :func:`chinese.normalize` as the
  embedded backend (traditional → simplified, full width → ASCII), and queries are
  expanded with the same synonyms, so both backends answer alike.
* Hybrid: a BM25 query and a kNN query run separately and are fused in Python
  (:mod:`search.fusion`); RRF is not in Elasticsearch's free licence.

Its contract tests run when ``ELASTICSEARCH_URL`` is set (see tests/search).
"""
from __future__ import annotations

import datetime as _dt
import logging
import time
from typing import Any, Iterable

from elastic_transport import ConnectionError as TConnectionError
from elastic_transport import ConnectionTimeout

import chinese
from search import analysis, fusion
from search.base import (
    DOC_TYPES,
    FIELD_SCHEMA,
    Document,
    Hit,
    Query,
    Range,
    SearchBackend,
    SearchError,
    SearchResult,
    SearchUnavailable,
    as_date,
)

log = logging.getLogger(__name__)

_TYPES = {"keyword": "keyword", "keywords": "keyword", "int": "long", "float": "double", "bool": "boolean",
          "date": "date"}
TEXT_FIELDS = {"title": 5.0, "skills": 3.0, "text": 1.0}


def _errors():
    return (TConnectionError, ConnectionTimeout)


class ElasticsearchBackend(SearchBackend):
    """Elasticsearch 9.x. ``url`` (or a ready ``client``); ``index_prefix`` names the
    aliases; ``refresh`` (default True): writes wait until searchable, as the
    contract requires (bulk loads through :meth:`rebuild` refresh once at the end);
    ``vector_dims`` (default 384) sizes the ``dense_vector``; ``analyzer`` forces
    ``cjk``/``ik``/``smartcn`` instead of detecting."""

    name = "elasticsearch"

    def __init__(
        self,
        url: str | None = None,
        *,
        client=None,
        index_prefix: str = "marketplace",
        vector_weight: float = fusion.DEFAULT_VECTOR_WEIGHT,
        fusion_method: str = fusion.DEFAULT_METHOD,
        depth: int = 100,
        refresh: bool = True,
        vector_dims: int = 384,
        analyzer: str | None = None,
        request_timeout: float = 10.0,
        **client_opts: Any,
    ):
        from elasticsearch import Elasticsearch  # noqa: PLC0415  (heavy: the client, only with a cluster)

        if client is None:
            if not url:
                raise ValueError("ElasticsearchBackend needs url= (e.g. http://localhost:9200)")
            client = Elasticsearch(url, request_timeout=request_timeout, **client_opts)
        self.es = client
        self.prefix = index_prefix.lower()
        self.vector_weight = vector_weight
        self.fusion_method = fusion_method
        self.depth = depth
        self.refresh = refresh
        self.vector_dims = vector_dims
        self._analyzer = analyzer
        self._ready: set[str] = set()

    # ---------------------------------------------------------------- plumbing
    def alias(self, doc_type: str) -> str:
        if doc_type not in DOC_TYPES:
            raise ValueError(f"doc_type must be one of {DOC_TYPES}, not {doc_type!r}")
        return f"{self.prefix}-{doc_type}"

    def _call(self, fn, *args, **kw):
        from elasticsearch import ApiError  # noqa: PLC0415  (heavy: the client, only with a cluster)

        try:
            return fn(*args, **kw)
        except _errors() as e:
            raise SearchUnavailable(f"Elasticsearch unreachable: {e}") from e
        except ApiError as e:
            if getattr(e, "status_code", None) in (429, 502, 503, 504):
                raise SearchUnavailable(f"Elasticsearch busy or down: {e}") from e
            raise SearchError(f"Elasticsearch refused the request: {e}") from e

    def analyzer(self) -> str:
        """``ik``, ``smartcn`` or ``cjk``: what the cluster offers (IK preferred)."""
        if self._analyzer:
            return self._analyzer
        try:
            plugins = {p.get("component", "") for p in self.es.cat.plugins(format="json")}
        except Exception:  # no monitor privilege, old cluster: stay built-in
            plugins = set()
        if "analysis-ik" in plugins:
            self._analyzer = "ik"
        elif "analysis-smartcn" in plugins:
            self._analyzer = "smartcn"
        else:
            self._analyzer = "cjk"
        return self._analyzer

    def mapping(self, doc_type: str) -> dict:
        """Settings and mappings of a new index for ``doc_type``."""
        an = self.analyzer()
        index_an, search_an = {"ik": ("ik_max_word", "ik_smart"), "smartcn": ("smartcn", "smartcn")}.get(an, ("cjk", "cjk"))
        text = {"type": "text", "analyzer": index_an, "search_analyzer": search_an,
                "fields": {"chars": {"type": "text", "analyzer": "standard"}}}
        props: dict[str, Any] = {
            "id": {"type": "keyword"},
            "doc_type": {"type": "keyword"},
            "title": text,
            "skills": text,
            "text": text,
            "updated_on": {"type": "date", "format": "yyyy-MM-dd"},
            "pinyin": {"type": "text", "analyzer": "whitespace"},
            "vector": {"type": "dense_vector", "dims": self.vector_dims, "index": True, "similarity": "cosine",
                       "index_options": {"type": "hnsw", "m": 16, "ef_construction": 100}},
        }
        for name, kind in FIELD_SCHEMA[doc_type].items():
            props[name] = {"type": _TYPES[kind]}
            if kind == "date":
                props[name]["format"] = "yyyy-MM-dd"
        return {
            "settings": {"number_of_shards": 1, "refresh_interval": "1s"},
            "mappings": {
                "dynamic_templates": [
                    {"strings_as_keywords": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}}
                ],
                "properties": props,
            },
        }

    def _new_index(self, doc_type: str) -> str:
        name = f"{self.alias(doc_type)}-{time.time_ns()}"
        self._call(self.es.indices.create, index=name, **self.mapping(doc_type))
        return name

    def _ensure(self, doc_type: str) -> str:
        alias = self.alias(doc_type)
        if alias in self._ready:
            return alias
        if not self._call(self.es.indices.exists_alias, name=alias):
            name = self._new_index(doc_type)
            self._call(self.es.indices.update_aliases, actions=[{"add": {"index": name, "alias": alias}}])
        self._ready.add(alias)
        return alias

    def _source(self, d: Document) -> dict:
        if d.doc_type not in DOC_TYPES:
            raise ValueError(f"doc_type must be one of {DOC_TYPES}, not {d.doc_type!r}")
        if not d.id:
            raise ValueError("document id is empty")
        src: dict[str, Any] = {
            "id": str(d.id),
            "doc_type": d.doc_type,
            "title": chinese.normalize(d.title),
            "skills": [chinese.normalize(s) for s in d.skills or []],
            "text": chinese.normalize(d.text),
            "pinyin": " ".join(chinese.pinyin_words(" ".join([chinese.normalize(d.title), *map(chinese.normalize, d.skills or [])]))),
            "updated_on": as_date(d.updated_on).isoformat() if d.updated_on else None,
        }
        schema = FIELD_SCHEMA[d.doc_type]
        for name, value in (d.fields or {}).items():
            if name in src or name == "vector":
                raise ValueError(f"field name {name!r} is reserved")
            kind = schema.get(name)
            if kind in ("keyword", "int", "float", "date", "bool") and isinstance(value, (list, tuple, set)):
                raise ValueError(f"field {name!r} takes one value, not a list")
            src[name] = _jsonable(value)
        if d.vector is not None:
            vec = [float(x) for x in d.vector]
            if len(vec) != self.vector_dims:
                raise ValueError(f"vector has {len(vec)} dimensions, the index has {self.vector_dims}")
            src["vector"] = vec
        return src

    # ---------------------------------------------------------------- writes
    def index(self, docs: Iterable[Document]) -> int:
        from elasticsearch import helpers  # noqa: PLC0415  (heavy: the client, only with a cluster)

        actions = []
        for d in docs:
            alias = self._ensure(d.doc_type) if d.doc_type in DOC_TYPES else self.alias(d.doc_type)
            actions.append({"_op_type": "index", "_index": alias, "_id": str(d.id), "_source": self._source(d)})
        if not actions:
            return 0
        ok, errors = self._call(
            helpers.bulk, self.es, actions, refresh="wait_for" if self.refresh else False, raise_on_error=False,
        )
        if errors:
            raise SearchError(f"{len(errors)} documents were refused, first: {errors[0]}")
        return ok

    def delete(self, doc_type: str, ids: Iterable[str]) -> int:
        from elasticsearch import helpers  # noqa: PLC0415  (heavy: the client, only with a cluster)

        alias = self._ensure(doc_type)
        actions = [{"_op_type": "delete", "_index": alias, "_id": str(i)} for i in ids]
        if not actions:
            return 0
        ok, errors = self._call(
            helpers.bulk, self.es, actions, refresh="wait_for" if self.refresh else False, raise_on_error=False,
        )
        real = [e for e in errors if e.get("delete", {}).get("status") != 404]
        if real:
            raise SearchError(f"delete failed: {real[0]}")
        return ok

    def clear(self, doc_type: str | None = None) -> None:
        for dt in [doc_type] if doc_type else DOC_TYPES:
            self.rebuild(dt, [])

    def rebuild(self, doc_type: str, docs: Iterable[Document], progress=None) -> int:
        from elasticsearch import helpers  # noqa: PLC0415  (heavy: the client, only with a cluster)

        alias = self.alias(doc_type)
        new = self._new_index(doc_type)
        n = 0

        def actions():
            nonlocal n
            for d in docs:
                if d.doc_type != doc_type:
                    raise ValueError(f"rebuild({doc_type!r}) got a {d.doc_type!r}")
                n += 1
                if progress and n % 1000 == 0:
                    progress(1000)
                yield {"_op_type": "index", "_index": new, "_id": str(d.id), "_source": self._source(d)}

        try:
            _, errors = self._call(helpers.bulk, self.es, actions(), chunk_size=1000, raise_on_error=False)
            if errors:
                raise SearchError(f"{len(errors)} documents were refused, first: {errors[0]}")
            self._call(self.es.indices.refresh, index=new)
        except BaseException:
            self._call(self.es.indices.delete, index=new, ignore_unavailable=True)
            raise
        if progress and n % 1000:
            progress(n % 1000)
        old = []
        if self._call(self.es.indices.exists_alias, name=alias):
            old = list(self._call(self.es.indices.get_alias, name=alias).body)
        acts = [{"remove": {"index": o, "alias": alias}} for o in old] + [{"add": {"index": new, "alias": alias}}]
        self._call(self.es.indices.update_aliases, actions=acts)  # atomic swap
        for o in old:
            self._call(self.es.indices.delete, index=o, ignore_unavailable=True)
        self._ready.add(alias)
        return n

    def drop_indices(self) -> None:
        """Delete every index of this prefix (tests, teardown)."""
        for dt in DOC_TYPES:
            alias = self.alias(dt)
            try:
                # by name: wildcard deletes are refused (action.destructive_requires_name)
                names = list(self.es.indices.get(index=f"{alias}-*", allow_no_indices=True, ignore_unavailable=True).body)
                for name in names:
                    self.es.indices.delete(index=name, ignore_unavailable=True)
            except Exception as e:  # noqa: BLE001 - best effort
                log.warning("could not drop %s: %s", alias, e)
        self._ready.clear()

    # ---------------------------------------------------------------- reads
    def count(self, doc_type: str) -> int:
        alias = self._ensure(doc_type)
        return int(self._call(self.es.count, index=alias)["count"])

    def get_ids(self, doc_type: str) -> set[str]:
        from elasticsearch import helpers  # noqa: PLC0415  (heavy: the client, only with a cluster)

        alias = self._ensure(doc_type)
        return {h["_id"] for h in helpers.scan(self.es, index=alias, query={"query": {"match_all": {}}}, _source=False)}

    def health(self) -> dict[str, Any]:
        try:
            h = self.es.cluster.health()
            info = self.es.info()
            return {"ok": h["status"] in ("green", "yellow"), "backend": self.name, "status": h["status"],
                    "version": info["version"]["number"], "analyzer": self.analyzer()}
        except Exception as e:  # health never raises
            return {"ok": False, "backend": self.name, "error": str(e)}

    def close(self) -> None:
        try:
            self.es.close()
        except Exception:  # noqa: BLE001
            pass

    # queries ------------------------------------------------------------------
    @staticmethod
    def filter_clauses(filters) -> list[dict]:
        """Elasticsearch filter clauses for :class:`Query.filters`."""
        out: list[dict] = []
        for name, cond in filters.items():
            if isinstance(cond, Range):
                rng = {}
                for key in ("gte", "lte", "gt", "lt"):
                    v = getattr(cond, key)
                    if v is not None:
                        rng[key] = _jsonable(v)
                out.append({"range": {name: rng}})
            elif cond is None:
                out.append({"bool": {"must_not": [{"exists": {"field": name}}]}})
            else:
                values = list(cond) if isinstance(cond, (list, tuple, set, frozenset)) else [cond]
                vals = [_jsonable(v) for v in values if v is not None]
                should: list[dict] = []
                if vals:
                    should.append({"terms": {name: vals}})
                if any(v is None for v in values):
                    should.append({"bool": {"must_not": [{"exists": {"field": name}}]}})
                if not should:
                    out.append({"bool": {"must_not": [{"match_all": {}}]}})
                else:
                    out.append({"bool": {"should": should, "minimum_should_match": 1}})
        return out

    @staticmethod
    def text_query(terms: list[analysis.Term], any_term: bool = False) -> dict:
        """Every term (or, relaxed, any) must match one of its alternatives as a phrase
        in title, skills or text (boosted 5/3/1); one character matches the ``.chars``
        sub-fields."""
        clauses = []
        for t in terms:
            alts = []
            for a in t.alternatives:
                if len(a) == 1 and analysis._HAN_RE.match(a):
                    fields = [f"{f}.chars^{w}" for f, w in TEXT_FIELDS.items()]
                else:
                    fields = [f"{f}^{w}" for f, w in TEXT_FIELDS.items()]
                alts.append({"multi_match": {"query": a, "type": "phrase", "fields": fields}})
                if chinese.looks_like_pinyin(a):  # kuaiji → 会计
                    alts.append({"match_phrase": {"pinyin": {"query": a, "boost": 2.0}}})
            clauses.append({"bool": {"should": alts, "minimum_should_match": 1}})
        key = "should" if any_term else "must"
        q: dict[str, Any] = {"bool": {key: clauses}}
        if any_term:
            q["bool"]["minimum_should_match"] = 1
        return q

    def search(self, query: Query) -> SearchResult:
        query.validate()
        alias = self._ensure(query.doc_type)
        filters = self.filter_clauses(query.filters)
        notes: list[str] = []
        need = query.offset + query.per_page
        depth = max(self.depth, 2 * need)
        aq = analysis.analyze_query(query.text) if query.text and query.text.strip() else None
        use_lex = query.mode in ("hybrid", "lexical") and aq is not None and bool(aq.terms)
        qv = None
        if query.mode in ("hybrid", "vector") and query.query_vector is not None:
            qv = [float(x) for x in query.query_vector]
            if len(qv) != self.vector_dims:
                raise ValueError(f"query vector has {len(qv)} dimensions, the index has {self.vector_dims}")
        if query.mode == "vector" and qv is None:
            raise ValueError("mode 'vector' needs query_vector")

        text_q = None
        if use_lex:
            text_q = self.text_query(aq.terms)
            if aq.relaxable:
                n = self._call(self.es.count, index=alias, query={"bool": {"must": [text_q], "filter": filters}})["count"]
                if n == 0:
                    text_q = self.text_query(aq.relaxed_terms, any_term=True)
                    notes.append("relaxed")

        vec: list[tuple[str, float]] = []
        if qv is not None:
            knn = {"field": "vector", "query_vector": qv, "k": depth, "num_candidates": max(2 * depth, 200)}
            if filters:
                knn["filter"] = filters
            r = self._call(self.es.search, index=alias, knn=knn, size=depth, source=False)
            vec = [(h["_id"], float(h["_score"])) for h in r["hits"]["hits"]]
            if query.min_similarity is not None:  # ES scores cosine as (1 + cos) / 2
                vec = [(i, s) for i, s in vec if 2 * s - 1 >= query.min_similarity]
        vec_ids = [i for i, _ in vec]
        relaxed = "relaxed" in notes
        exact_q = {"bool": {"must": [text_q], "filter": filters}} if use_lex and not relaxed else None

        # the candidate set as one query (for total, facets, date sort, browse)
        if use_lex and vec:
            cand = {"bool": {"should": [text_q, {"ids": {"values": vec_ids}}], "minimum_should_match": 1,
                             "filter": filters}}
        elif use_lex:
            cand = {"bool": {"must": [text_q], "filter": filters}}
        elif qv is not None:
            cand = {"bool": {"filter": [{"ids": {"values": vec_ids}}, *filters]}}
        elif aq is not None:
            cand = {"bool": {"must_not": [{"match_all": {}}]}}
        else:
            cand = {"bool": {"filter": filters}} if filters else {"match_all": {}}
        aggs = {f: {"terms": {"field": f, "size": 200}} for f in query.facets}

        ranked: list[tuple[str, float, int | None, int | None]]
        vec_rank = {i: n + 1 for n, i in enumerate(vec_ids)}
        exact_total: int | None = None
        if exact_q is not None:
            exact_total = self._call(self.es.count, index=alias, query=exact_q)["count"]
        elif aq is not None:
            exact_total = 0
        if query.sort in ("date", "pay") or (not use_lex and qv is None):
            order = [{"updated_on": {"order": "desc", "missing": "_last"}}, {"id": "desc"}]
            if query.sort == "pay":
                order.insert(0, {"salary_max": {"order": "desc", "missing": "_last"}})
            r = self._call(self.es.search, index=alias, query=cand, size=0, track_total_hits=True, aggs=aggs or None)
            total, agg_res = r["hits"]["total"]["value"], r.get("aggregations", {})
            # exact matches first, then the related ones, each in the asked order
            parts = [(exact_q, exact_total), ({"bool": {"must": [cand], "must_not": [exact_q]}}, None)] \
                if exact_q is not None and query.min_similarity is not None else [(cand, None)]
            ranked, start, want = [], query.offset, query.per_page
            for part, n in parts:
                if want <= 0:
                    break
                if n is not None and start >= n:
                    start -= n
                    continue
                pr = self._call(self.es.search, index=alias, query=part, from_=start, size=want, source=False,
                                sort=order)
                got = [(h["_id"], 0.0, None, vec_rank.get(h["_id"])) for h in pr["hits"]["hits"]]
                ranked.extend(got)
                want -= len(got)
                start = 0
        else:
            r = self._call(self.es.search, index=alias, query=cand, size=0, track_total_hits=True, aggs=aggs or None)
            total, agg_res = r["hits"]["total"]["value"], r.get("aggregations", {})
            lex: list[tuple[str, float]] = []
            if use_lex:
                size, start = (query.per_page, query.offset) if qv is None else (depth, 0)
                lr = self._call(self.es.search, index=alias, query={"bool": {"must": [text_q], "filter": filters}},
                                from_=start, size=size, source=False)
                lex = [(h["_id"], float(h["_score"])) for h in lr["hits"]["hits"]]
            if use_lex and qv is None:
                ranked = [(i, s, query.offset + n + 1, None) for n, (i, s) in enumerate(lex)]
            else:
                if lex and vec:
                    fused = fusion.fuse(lex, vec, method=self.fusion_method, vector_weight=self.vector_weight)
                elif lex:
                    fused = [(i, s, n + 1, None) for n, (i, s) in enumerate(lex)]
                else:
                    fused = [(i, s, None, n + 1) for n, (i, s) in enumerate(vec)]
                if exact_q is not None and vec and query.min_similarity is not None:
                    er = self._call(self.es.search, index=alias, size=len(vec_ids), source=False,
                                    query={"bool": {"must": [text_q], "filter": [{"ids": {"values": vec_ids}},
                                                                                  *filters]}})
                    exact_vec = {h["_id"] for h in er["hits"]["hits"]}
                    fused = ([f for f in fused if f[2] is not None or f[0] in exact_vec]
                             + [f for f in fused if f[2] is None and f[0] not in exact_vec])
                ranked = fused[query.offset : need]
        if exact_total is None:
            exact_total = int(total)

        facets = {}
        for f in query.facets:
            buckets = agg_res.get(f, {}).get("buckets", [])
            facets[f] = dict(sorted(((_bucket_key(b), b["doc_count"]) for b in buckets), key=lambda kv: (-kv[1], kv[0])))
        hits = [Hit(i, s, lr_, vr) for i, s, lr_, vr in ranked]
        return SearchResult(hits, int(total), facets, query.page, query.per_page, notes, exact_total)


def _jsonable(v: Any) -> Any:
    if isinstance(v, (_dt.date, _dt.datetime)):
        return as_date(v).isoformat()
    if isinstance(v, (list, tuple, set, frozenset)):
        return [_jsonable(x) for x in v]
    return v


def _bucket_key(b: dict) -> str:
    if "key_as_string" in b:  # booleans ("true"/"false") and dates (yyyy-MM-dd)
        return b["key_as_string"]
    k = b["key"]
    if isinstance(k, float) and k.is_integer():
        return str(int(k))
    return str(k)
