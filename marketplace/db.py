"""Engine and sessions. Only ``web`` (once per request) and ``jobs`` (once per task) commit.

SQLite (the embedded default) gets foreign keys, WAL and a busy timeout on every
connection; PostgreSQL gets ``pool_pre_ping`` so that a restarted database is
reconnected to without restarting the app.

SQLite and concurrent writers: a transaction that began with a plain (deferred) BEGIN and
read before writing cannot take the write lock once another connection has committed
since its first read: SQLite answers "database is locked" at once, without waiting for
the busy timeout. Transactions that will write therefore begin with BEGIN IMMEDIATE, which
takes the write lock first and waits (up to the busy timeout) for it; readers are never
blocked in WAL mode. The web layer marks requests with an unsafe method (POST, PUT, PATCH,
DELETE) as writing (:func:`writing`); jobs and commands (:meth:`Database.unit_of_work`)
always do. Measured with tools/loadtest_fairs.py: concurrent check-ins at 50 connections
failed with that error about 40 % of the time before, none after.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from search.sqlite_util import enable_wal

#: True while the current request or job is expected to write (SQLite: BEGIN IMMEDIATE).
_writing: ContextVar[bool] = ContextVar("marketplace_db_writing", default=False)
#: The session of the job or command running in this context (``unit_of_work``), for the
#: few seams that read without being handed one (``marketplace.policies``).
_current: ContextVar[Session | None] = ContextVar("marketplace_db_session", default=None)


def current_session() -> Session | None:
    """The session of the unit of work running in this context, if any."""
    return _current.get()


@contextmanager
def writing(flag: bool = True):
    """Transactions begun inside this block take SQLite's write lock at BEGIN."""
    token = _writing.set(flag)
    try:
        yield
    finally:
        _writing.reset(token)


def mark_writing(flag: bool):
    """Set the flag for the rest of this context (the web layer: once per request); returns
    the token for :func:`unmark_writing`."""
    return _writing.set(flag)


def unmark_writing(token) -> None:
    _writing.reset(token)


#: each SQLite connection's own page cache (KB; SQLite's default is 2,000). A server process
#: holds a connection per request thread and the OS caches the file for all of them, so a large
#: private cache per connection only grew every process: 8 threads x 2 MB, and more in the
#: search index's connections (``search.embedded``).
PAGE_CACHE_KB = 1024


def make_engine(url: str, **kw) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Let SQLAlchemy, not pysqlite, issue BEGIN: pysqlite's own transaction
            # handling breaks SAVEPOINTs (SQLAlchemy's documented recipe).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KB}")
            cur.close()
            enable_wal(dbapi_conn)  # the server's worker processes open the file together

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, **kw)


class Database:
    """Holds the engine and a session factory; tests may bind it to one connection."""

    def __init__(self, url: str | None = None, engine: Engine | None = None):
        self.engine = engine or make_engine(url)
        self.factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.factory()

    def bind_to(self, connection) -> None:
        """Make every new session join ``connection``'s transaction through savepoints
        (used by the rollback-isolated test fixture)."""
        self.factory = sessionmaker(bind=connection, expire_on_commit=False,
                                    join_transaction_mode="create_savepoint")

    @contextmanager
    def unit_of_work(self, write: bool = True):
        """One transaction: commit on success, roll back on error (for jobs and commands).

        ``write=False`` for work that only reads the database, however long it runs (the
        search index's rebuild, the indexing tasks): on SQLite it then does not hold the
        write lock, so the site's own writes go on meanwhile."""
        s = self.session()
        token = _writing.set(write)
        current = _current.set(s)
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()
            _current.reset(current)
            _writing.reset(token)


# --- work after the commit, and paging ------------------------------------------------
# Operations queue work that must happen only once the commit succeeded (indexing,
# notifications) with ``after_commit(session, task_name, *args)``; the committer (the web
# request or the task) sends it, so a rolled-back change never reaches the search index.

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
