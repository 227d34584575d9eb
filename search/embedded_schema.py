"""The embedded backend's storage: its tables, the typed columns of ``docs``, the FTS tables'
names and how a field's value is stored. ``search.embedded`` writes with these,
``search.embedded_query`` reads with them."""
from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from search.base import DOC_TYPES, FIELD_SCHEMA, as_date

BM25_WEIGHTS = (5.0, 3.0, 1.0, 1.0, 2.0)  # title, skills, body, words, pinyin
FTS_COLUMNS = ("title", "skills", "body", "words", "pinyin")
#: Lexical ranking: bm25 over all matches when there are at most RANK_MAX;
#: otherwise title matches first, then the rest, each tier by bm25 over its newest
#: RANK_MAX documents (see EmbeddedBackend._lex_top). Scoring costs 2.5–10 µs a
#: match (焊工 at 100k postings: 27k matches, 77 ms); this bounds it.
RANK_MAX = 1000
_FIELD_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789_")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS docs(
    rowid INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_type TEXT NOT NULL,
    id TEXT NOT NULL,
    sort_on TEXT,
    UNIQUE(doc_type, id));
CREATE INDEX IF NOT EXISTS docs_sort ON docs(doc_type, sort_on);
CREATE TABLE IF NOT EXISTS fv(rowid INTEGER NOT NULL, name TEXT NOT NULL, kv TEXT, nv REAL);
CREATE INDEX IF NOT EXISTS fv_kv ON fv(name, kv, rowid);
CREATE INDEX IF NOT EXISTS fv_nv ON fv(name, nv, rowid);
CREATE INDEX IF NOT EXISTS fv_row ON fv(rowid, name, kv, nv);
CREATE TABLE IF NOT EXISTS vec(rowid INTEGER PRIMARY KEY, doc_type TEXT NOT NULL, seq INTEGER NOT NULL, v BLOB);
CREATE INDEX IF NOT EXISTS vec_seq ON vec(seq);
"""


_SCALAR = ("keyword", "int", "float", "date", "bool")
#: schema fields stored as typed columns ``f_<name>`` of ``docs`` (one value each):
#: a filter is then one row lookup per candidate, not a join. Other fields (lists,
#: fields outside the schema) live in ``fv``.
COLUMN_FIELDS: dict[str, dict[str, str]] = {
    dt: {name: kind for name, kind in schema.items() if kind in _SCALAR} for dt, schema in FIELD_SCHEMA.items()
}
_ALL_COLUMNS = sorted({name for cols in COLUMN_FIELDS.values() for name in cols})
_INDEXED_COLUMNS = ("kind", "district", "status")


def _column_value(kind: str, name: str, value: Any):
    if value is None:
        return None
    if isinstance(value, (list, tuple, set, frozenset)):
        raise ValueError(f"field {name!r} takes one value, not a list")
    if kind == "int":
        if isinstance(value, bool):
            raise ValueError(f"field {name!r} takes a number")
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "date":
        return as_date(value).isoformat()
    if kind == "bool":
        return "true" if bool(value) else "false"
    return _kv(value)


def _fts(doc_type: str) -> str:
    if doc_type not in DOC_TYPES:
        raise ValueError(f"doc_type must be one of {DOC_TYPES}, not {doc_type!r}")
    return f"fts_{doc_type}"


def _values(value: Any) -> list[tuple[str, float | None]]:
    """(kv, nv) rows for one field value."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        out: list[tuple[str, float | None]] = []
        for v in value:
            out.extend(_values(v))
        return out
    if isinstance(value, bool):
        return [("true" if value else "false", float(value))]
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return []
        return [(str(value), float(value))]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return [(as_date(value).isoformat(), None)]
    return [(str(value), None)]


def _kv(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return as_date(value).isoformat()
    return str(value)
