"""Searching the embedded backend (``EmbeddedQueries``, the read side of
``search.embedded.EmbeddedBackend``): filters as SQL on ``docs``, the lexical candidates (FTS5
bm25, in tiers past :data:`RANK_MAX` matches) and the vector candidates, their fusion, the
totals, the orders by date and pay, and the facets, all in one read transaction."""
from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from typing import Any

import numpy as np

import chinese
from search import analysis, fusion
from search.base import Hit, Query, Range, SearchResult, SearchUnavailable
from search.embedded_schema import _FIELD_NAME_OK, COLUMN_FIELDS, RANK_MAX, _fts, _kv


def _phrase(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def fts_expression(terms: list[analysis.Term], any_term: bool = False, columns: tuple[str, ...] = ()) -> str:
    """The FTS5 MATCH expression for analysed terms (see ``search.analysis``), over
    all columns or only ``columns``."""
    colspec = f"{{{' '.join(columns)}}} : " if columns else ""
    parts = []
    for t in terms:
        alts = []
        for a in t.alternatives:
            if len(a) == 1 and analysis._HAN_RE.match(a):
                alts.append(f"{colspec}{_phrase(a)} *")  # one character: prefix of a pair
                continue
            toks = chinese.bigrams(a)
            if not toks:
                continue
            alts.append(colspec + _phrase(" ".join(toks)))
            if len(toks) > 1 and " " not in a and not columns:
                alts.append(f"words : {_phrase(a)}")  # whole-word bonus
            if chinese.looks_like_pinyin(a) and not columns:
                alts.append(f"pinyin : {_phrase(a)}")  # kuaiji → 会计
        if alts:
            parts.append("(" + " OR ".join(alts) + ")")
    return (" OR " if any_term else " AND ").join(parts)


class EmbeddedQueries:
    """The read side of the embedded backend. It uses the backend's ``_conn()``,
    ``_refresh_vectors(c)``, ``vectors`` and ranking settings (``depth``, ``fusion_method``,
    ``vector_weight``)."""

    def search(self, query: Query) -> SearchResult:
        query.validate()
        try:
            with self._conn() as c:
                # one read transaction: the vectors' state (meta), the matches and the ids
                # all come from one committed state, even while a rebuild commits
                c.execute("BEGIN")
                try:
                    return self._search(c, query)
                finally:
                    if c.in_transaction:
                        c.execute("COMMIT")
        except sqlite3.Error as e:
            raise SearchUnavailable(f"search failed: {e}") from e

    # filters ---------------------------------------------------------------
    @staticmethod
    def _filter_sql(filters, doc_type: str, alias: str = "d") -> tuple[list[str], list[Any]]:
        """SQL conditions (AND-ed) on the ``docs`` row ``alias`` and their parameters.

        Schema scalars are typed columns of ``docs`` (``d.f_district = ?``): over FTS
        matches or vector candidates, a filter costs one row lookup per candidate.
        Other fields go through ``fv`` (``d.rowid IN (SELECT rowid FROM fv ...)``).
        (Measured: ``rowid IN (...)`` on an FTS5 table itself makes FTS5 re-run the
        MATCH per row, and correlated ``EXISTS`` over ``fv`` cost 30 µs per row.)
        """
        conds: list[str] = []
        params: list[Any] = []
        colkinds = COLUMN_FIELDS.get(doc_type, {})
        for name, cond in filters.items():
            if not set(name) <= _FIELD_NAME_OK:
                raise ValueError(f"bad field name {name!r}")
            kind = colkinds.get(name)
            if kind:
                col = f"{alias}.f_{name}"
                numeric = kind in ("int", "float")

                def conv(v, name=name, numeric=numeric):
                    if numeric:
                        if isinstance(v, bool) or not isinstance(v, (int, float)):
                            raise ValueError(f"filter on {name!r} needs a number, not {v!r}")
                        return v
                    return _kv(v)

                if isinstance(cond, Range):
                    for op, v in cond.bounds():
                        conds.append(f"{col} {op} ?")
                        params.append(conv(v))
                elif cond is None:
                    conds.append(f"{col} IS NULL")
                else:
                    values = list(cond) if isinstance(cond, (list, tuple, set, frozenset)) else [cond]
                    vals = [conv(v) for v in values if v is not None]
                    parts = []
                    if vals:
                        parts.append(f"{col} IN ({','.join('?' * len(vals))})")
                        params.extend(vals)
                    if any(v is None for v in values):
                        parts.append(f"{col} IS NULL")
                    conds.append("(" + (" OR ".join(parts) or "0") + ")")
                continue

            def member(name_sql: str, negate: bool = False) -> str:
                return f"{alias}.rowid {'NOT ' if negate else ''}IN (SELECT rowid FROM fv WHERE name = ?{name_sql})"

            if isinstance(cond, Range):
                sub, sp = [], [name]
                for op, v in cond.bounds():
                    if isinstance(v, (_dt.date, _dt.datetime, str)):
                        sub.append(f" AND kv {op} ?")
                        sp.append(_kv(v))
                    elif isinstance(v, (int, float)) and not isinstance(v, bool):
                        sub.append(f" AND nv {op} ?")
                        sp.append(float(v))
                    else:
                        raise ValueError(f"bad range bound for {name}: {v!r}")
                conds.append(member("".join(sub)))
                params.extend(sp)
                continue
            if cond is None:
                conds.append(member("", negate=True))
                params.append(name)
                continue
            values = list(cond) if isinstance(cond, (list, tuple, set, frozenset)) else [cond]
            kvs = [_kv(v) for v in values if v is not None]
            parts = []
            if kvs:
                parts.append(member(f" AND kv IN ({','.join('?' * len(kvs))})"))
                params.extend([name, *kvs])
            if any(v is None for v in values):
                parts.append(member("", negate=True))
                params.append(name)
            conds.append("(" + (" OR ".join(parts) or "0") + ")")
        return conds, params

    # the search pipeline ----------------------------------------------------
    def _search(self, c: sqlite3.Connection, q: Query) -> SearchResult:
        fts = _fts(q.doc_type)
        conds, fparams = self._filter_sql(q.filters, q.doc_type)
        dwhere = "".join(f" AND {x}" for x in conds)
        notes: list[str] = []
        need = q.offset + q.per_page
        depth = max(self.depth, 2 * need)

        aq = analysis.analyze_query(q.text) if q.text and q.text.strip() else None
        use_lex = q.mode in ("hybrid", "lexical") and aq is not None and bool(aq.terms)
        qv = None
        if q.mode in ("hybrid", "vector") and q.query_vector is not None:
            qv = np.asarray(q.query_vector, dtype=np.float32).reshape(-1)
            n = float(np.linalg.norm(qv))
            if n > 0:
                qv = qv / n
        if q.mode == "vector" and qv is None:
            raise ValueError("mode 'vector' needs query_vector")

        # lexical: FTS5 matches, joined to docs only when there are filters
        join_from = f"{fts} JOIN docs AS d ON d.rowid = {fts}.rowid WHERE {fts} MATCH ?{dwhere}"
        lex_from = join_from if conds else f"{fts} WHERE {fts} MATCH ?"
        match_expr, tiers = None, []
        if use_lex:
            terms, any_term = aq.terms, False
            match_expr = fts_expression(terms)
            if match_expr and aq.relaxable:
                hit = c.execute(f"SELECT 1 FROM {lex_from} LIMIT 1", (match_expr, *fparams)).fetchone()
                if hit is None:
                    terms, any_term = aq.relaxed_terms, True
                    match_expr = fts_expression(terms, any_term=True)
                    notes.append("relaxed")
            if match_expr:
                tiers = [fts_expression(terms, any_term=any_term, columns=("title",)), match_expr]
            else:
                use_lex = False
        lex_sql = f"SELECT {fts}.rowid FROM {lex_from}"
        lex_params = [match_expr, *fparams]

        # vector: only candidates at the similarity threshold or more count as matches
        vec: list[tuple[int, float]] = []
        if qv is not None:
            self._refresh_vectors(c)
            vec = self._vector_top(c, q.doc_type, qv, depth, conds, fparams)
            if q.min_similarity is not None:
                vec = [(r, s) for r, s in vec if s >= q.min_similarity]
        vec_ids = json.dumps([r for r, _ in vec])
        relaxed = "relaxed" in notes

        # totals: lexical matches (every term: exact; any term: related), plus vector
        # candidates that are not lexical matches (related)
        lex_total = 0
        exact_vec: set[int] = set()  # vector candidates that are also exact matches
        if use_lex:
            lex_total = c.execute(f"SELECT count(*) FROM {lex_from}", lex_params).fetchone()[0]
            if vec:
                overlap = {r for (r,) in c.execute(
                    f"SELECT value FROM json_each(?) WHERE value IN (SELECT {fts}.rowid FROM {lex_from})",
                    (vec_ids, *lex_params))}
                if not relaxed:
                    exact_vec = overlap
                total = lex_total + len(vec) - len(overlap)
            else:
                total = lex_total
            exact_total = 0 if relaxed else lex_total
        elif qv is not None:
            total, exact_total = len(vec), 0
        elif aq is not None:
            total = exact_total = 0  # text without any searchable term (only punctuation)
        else:
            total = exact_total = None

        # candidate set (for facets, date sort, browse)
        if use_lex and vec:
            cand_sql = f"{lex_sql} UNION SELECT value FROM json_each(?)"
            cand_params = [*lex_params, vec_ids]
        elif use_lex:
            cand_sql, cand_params = lex_sql, lex_params
        elif qv is not None:
            cand_sql, cand_params = "SELECT value FROM json_each(?)", [vec_ids]
        elif aq is not None:
            cand_sql, cand_params = "SELECT rowid FROM docs WHERE 0", []
        else:  # browse
            cand_sql = f"SELECT d.rowid FROM docs AS d WHERE d.doc_type=?{dwhere}"
            cand_params = [q.doc_type, *fparams]
        if total is None:
            total = exact_total = c.execute(f"SELECT count(*) FROM ({cand_sql})", cand_params).fetchone()[0]

        # ranking: exact matches first in every order, then the related ones
        # (only in "honest" mode, with a similarity threshold: matching's candidate pools,
        # which set none, keep the plain fused order)
        exact_first = use_lex and not relaxed and q.min_similarity is not None
        if q.sort in ("date", "pay") or (not use_lex and qv is None):
            if exact_first:
                first, first_params = f"rowid IN ({lex_sql}) DESC, ", lex_params
            else:
                first, first_params = "", []
            key = "f_salary_max IS NULL, f_salary_max DESC, " if q.sort == "pay" else ""
            rows = c.execute(
                f"SELECT rowid FROM docs WHERE rowid IN ({cand_sql}) "
                f"ORDER BY {first}{key}sort_on IS NULL, sort_on DESC, rowid DESC LIMIT ? OFFSET ?",
                (*cand_params, *first_params, q.per_page, q.offset),
            ).fetchall()
            vec_rank = {r: i + 1 for i, (r, _) in enumerate(vec)}
            ranked = [(r, 0.0, None, vec_rank.get(r)) for (r,) in rows]
        elif use_lex and qv is None:
            rows = self._lex_top(c, fts, lex_from, join_from, tiers, lex_total, fparams, q.per_page, q.offset)
            ranked = [(r, s, q.offset + i + 1, None) for i, (r, s) in enumerate(rows)]
        else:
            lex: list[tuple[int, float]] = []
            if use_lex:
                lex = self._lex_top(c, fts, lex_from, join_from, tiers, lex_total, fparams, depth, 0)
            if lex and vec:
                fused = fusion.fuse(lex, vec, method=self.fusion_method, vector_weight=self.vector_weight)
            elif lex:
                fused = [(r, s, i + 1, None) for i, (r, s) in enumerate(lex)]
            else:
                fused = [(r, s, None, i + 1) for i, (r, s) in enumerate(vec)]
            if exact_first:
                fused = ([f for f in fused if f[2] is not None or f[0] in exact_vec]
                         + [f for f in fused if f[2] is None and f[0] not in exact_vec])
            ranked = fused[q.offset : need]

        ids = self._ids(c, [r[0] for r in ranked])
        hits = [Hit(ids[r], float(s), lr, vr) for r, s, lr, vr in ranked if r in ids]
        facets = self._facets(c, q.doc_type, q.facets, cand_sql, cand_params) if q.facets else {}
        return SearchResult(hits, total, facets, q.page, q.per_page, notes, exact_total)

    def _lex_top(self, c, fts, lex_from, join_from, tiers, n_matches, fparams, limit, offset) -> list[tuple[int, float]]:
        """Best lexical matches. At most :data:`RANK_MAX` matches: bm25 of the whole
        query over all of them. More: title matches first, then the rest, and within
        each tier bm25 over its newest :data:`RANK_MAX` documents (highest rowids, i.e.
        most recently indexed) — a bounded cost for broad queries such as 会计 over
        100k postings (27k matches: scoring all of them took 80–200 ms)."""
        title, full = tiers[0], tiers[-1]
        if n_matches <= RANK_MAX:
            # with filters (a join), "rank + 0" so that only the filtered rows are scored
            order = f"{fts}.rank + 0" if lex_from == join_from and " AND " in lex_from else f"{fts}.rank"
            return c.execute(
                f"SELECT {fts}.rowid, -{fts}.rank FROM {lex_from} ORDER BY {order} LIMIT ? OFFSET ?",
                (full, *fparams, limit, offset),
            ).fetchall()
        out: list[tuple[int, float]] = []
        for expr in (title, f"({full}) NOT ({title})"):
            need = limit - len(out)
            if need <= 0:
                break
            if offset > 0:
                n = c.execute(f"SELECT count(*) FROM {lex_from}", (expr, *fparams)).fetchone()[0]
                if offset >= n:
                    offset -= n
                    continue
            edge = c.execute(
                f"SELECT {fts}.rowid FROM {lex_from} ORDER BY {fts}.rowid DESC LIMIT 1 OFFSET ?",
                (expr, *fparams, RANK_MAX - 1),
            ).fetchone()
            window = f" AND {fts}.rowid >= ?" if edge else ""
            # "rank + 0": a bare ORDER BY rank makes FTS5 sort by itself and score
            # every match before the rowid window applies (measured 2-4x slower)
            rows = c.execute(
                f"SELECT {fts}.rowid, -{fts}.rank FROM {lex_from}{window} ORDER BY {fts}.rank + 0 LIMIT ? OFFSET ?",
                (expr, *fparams, *([edge[0]] if edge else []), need, offset),
            ).fetchall()
            offset = 0
            if out and rows:  # keep this tier below the one before (score-based fusion)
                floor, top = min(s for _, s in out), max(s for _, s in rows)
                if top >= floor:
                    rows = [(r, s - top + floor - 1e-6) for r, s in rows]
            out.extend(rows)
        return out

    def _vector_top(self, c, doc_type, qv, k, conds, fparams) -> list[tuple[int, float]]:
        if not conds:
            return self.vectors.top(doc_type, qv, k)
        # The best unfiltered neighbours that pass the filters are exactly the filtered
        # top k once at least k of them pass. Most searches filter on little (only
        # status = published), so the first, narrow step nearly always suffices; the
        # wider step serves selective filters, and beyond that the whole filtered set
        # is scored (small when the filters are that selective). Measured at 100k
        # postings: the narrow step costs about a fifth of the old single wide step.
        for wide in (2 * k, max(20 * k, 1000)):
            over = self.vectors.top(doc_type, qv, wide)
            if not over:
                return []
            ok = {
                r
                for (r,) in c.execute(
                    f"SELECT d.rowid FROM docs AS d WHERE d.rowid IN (SELECT value FROM json_each(?))"
                    f"{''.join(f' AND {x}' for x in conds)}",
                    (json.dumps([r for r, _ in over]), *fparams),
                )
            }
            passed = [(r, s) for r, s in over if r in ok]
            if len(passed) >= k or len(over) < wide:
                return passed[:k]
        rowids = np.array(
            [r for (r,) in c.execute(
                f"SELECT d.rowid FROM docs AS d WHERE d.doc_type=?{''.join(f' AND {x}' for x in conds)}",
                (doc_type, *fparams),
            )],
            dtype=np.int64,
        )
        return self.vectors.top(doc_type, qv, k, rowids)

    @staticmethod
    def _ids(c, rowids: list[int]) -> dict[int, str]:
        if not rowids:
            return {}
        return dict(c.execute("SELECT rowid, id FROM docs WHERE rowid IN (SELECT value FROM json_each(?))", (json.dumps(rowids),)))

    @staticmethod
    def _facets(c, doc_type, names, cand_sql, cand_params) -> dict[str, dict[str, int]]:
        """Counts of each value of each field in ``names`` over the candidate set: one
        GROUP BY pass over ``docs`` for the column fields, one over ``fv`` for others."""
        out: dict[str, dict[str, int]] = {}
        colkinds = COLUMN_FIELDS.get(doc_type, {})
        cols, other = [], []
        for n in names:
            if not set(n) <= _FIELD_NAME_OK:
                raise ValueError(f"bad field name {n!r}")
            out[n] = {}
            (cols if n in colkinds else other).append(n)
        if cols:
            sel = ", ".join(f"f_{n}" for n in cols)
            rows = c.execute(f"SELECT {sel}, count(*) FROM docs WHERE rowid IN ({cand_sql}) GROUP BY {sel}", cand_params)
            for row in rows:
                cnt = row[-1]
                for n, v in zip(cols, row[:-1]):
                    if v is not None:
                        key = str(v)
                        out[n][key] = out[n].get(key, 0) + cnt
        if other:
            rows = c.execute(
                f"SELECT f.name, f.kv, count(*) FROM fv AS f WHERE f.rowid IN ({cand_sql}) "
                f"AND f.name IN ({','.join('?' * len(other))}) GROUP BY f.name, f.kv",
                (*cand_params, *other),
            )
            for name, kv, cnt in rows:
                out[name][kv] = cnt
        return {n: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for n, v in out.items()}
