"""Commands: ``flask --app marketplace <command>``."""
from __future__ import annotations

import ctypes
import gc
import json
import os
import threading

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from jobs import embedded_beat
from jobs.outbox import flush
from marketplace import create_app, policies
from marketplace.config import ROOT
from marketplace.core import indexing, policy_versions, pool_snapshots
from marketplace.errors import DomainError
from marketplace.policy import PolicySetError, calculate_internship_json


def upgrade_database(app: Flask) -> None:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    with app.extensions["db"].engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    # The bundled policy sets are the seed versions (idempotent; MARKETPLACE_POLICY_SET names
    # the city's set only when none is chosen yet).
    with app.extensions["db"].unit_of_work() as s:
        policy_versions.seed_bundled(s, app.config["MARKETPLACE"].POLICY_SET)


def init_app(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Create or migrate the database schema to the latest version."""
        upgrade_database(current_app)
        click.echo("database at the latest schema")

    @app.cli.command("demo-load")
    def demo_load():
        """Load the demo data set (once; a second run changes nothing)."""
        with current_app.extensions["db"].unit_of_work() as s:
            result = current_app.extensions["demo_loader"](s, current_app.extensions["cipher"])
        click.echo(json.dumps(result, ensure_ascii=False))
        if result["loaded"]:
            _reindex(("posting", "profile"))

    @app.cli.group("policy")
    def policy_group():
        """The app's policy sets (stored versions; ``python -m marketplace.policy`` reads the files)."""

    @policy_group.command("internship")
    @click.argument("file", type=click.File("rb"), default="-")
    def policy_internship(file):
        """The internship-subsidy calculator on the app's stored versions: a case naming no set is
        judged by the city's set in force on its outcome date; each answer names set and version."""
        try:
            data = json.loads(file.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            click.echo(json.dumps({"error": f"input is not valid JSON: {exc}"}))
            raise SystemExit(2) from None
        with current_app.extensions["db"].unit_of_work(write=False) as s:
            def resolve(name, on):
                try:
                    return policies.version_on(name, on, s) if name else policies.in_force(on, s)
                except DomainError as exc:
                    raise PolicySetError(exc.message_en) from None
            result, ok = calculate_internship_json(data, resolve=resolve)
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        raise SystemExit(0 if ok else 1)

    @app.cli.command("reindex")
    @click.option("--type", "doc_type", type=click.Choice(["posting", "profile", "all"]), default="all")
    def reindex(doc_type):
        """Rebuild the search index from the database (searches keep working meanwhile)."""
        _reindex(("posting", "profile") if doc_type == "all" else (doc_type,))

    @app.cli.command("re-embed")
    def re_embed():
        """After a change of MARKETPLACE_ENCODER: embed every posting and profile with the new
        model (cached per model) and rebuild the index with the new vectors."""
        _reindex(("posting", "profile"))

    @app.cli.command("build-pools")
    @click.option("--force", is_flag=True, help="build both snapshots even when not due")
    def build_pools(force):
        """Build the ranking pools' snapshots that are due (as the periodic job does; run it
        from each node's cron when every node keeps its own snapshots)."""
        rt = current_app.extensions["runtime"]
        click.echo(json.dumps(pool_snapshots.run(current_app.extensions["db"], rt, force=force), ensure_ascii=False))

    @app.cli.command("flush-outbox")
    def flush_outbox():
        """Send the tasks kept while the broker was down."""
        celery = current_app.extensions["celery"]
        n = flush(current_app.extensions["db"], lambda name, args: celery.tasks[name].apply_async(args=args))
        click.echo(f"{n} tasks sent")

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=8000, type=int)
    @click.option("--workers", default=None, type=click.IntRange(1, 64), envvar="MARKETPLACE_WEB_WORKERS",
                  help="server processes (default: one per CPU core, at most 4)")
    @click.option("--threads", default=8, type=click.IntRange(1, 256), help="threads per process")
    def serve(host, port, workers, threads):
        """Serve the marketplace: waitress in one process, or gunicorn with several worker
        processes (the default on a multi-core machine; see docs/operations.md)."""
        workers = workers or default_workers()
        one_math_thread()
        steady_malloc()
        more_open_files()
        click.echo(f"Serving on http://{host}:{port}/  ({workers} process(es) x {threads} threads; Ctrl+C to stop)")
        if workers == 1:
            from waitress import serve as waitress_serve  # noqa: PLC0415  (one server or the other, on demand)

            current_app.config["SERVER_THREADS"] = threads  # the fair streams' cap is sized from it
            _warm_up(current_app)
            # poll(), not select(): select() cannot watch a descriptor numbered 1,024 or more,
            # and a server with its SQLite connections per thread and its snapshots gets there
            waitress_serve(current_app._get_current_object(), host=host, port=port, threads=threads,
                           asyncore_use_poll=True)
        else:
            current_app.extensions["db"].engine.dispose()  # nothing opened here crosses the fork
            serve_processes(host, port, workers, threads)


def more_open_files() -> None:
    """Raise this process's soft limit on open files to its hard limit (at most 65,536). A
    server holds a SQLite connection per thread to each of its six files and takes a socket per
    client; the common default soft limit of 1,024 left too little room (a request then failed
    with "Too many open files"), while the hard limit is usually far higher."""
    import resource  # noqa: PLC0415  (POSIX only; the server runs on Linux)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def one_math_thread() -> None:
    """A server runs many requests at once, each on one thread: numpy's BLAS (OpenBLAS) and the
    encoder's OpenMP each keep a pool of threads per process that spin while waiting for work,
    and on a busy machine the two pools starve each other: one query's encoding took 1,030 ms
    after a matrix product instead of 26 ms (2 cores). So the server holds both to one thread
    per call (``MARKETPLACE_SERVER_MATH_THREADS``, default 1); batch work (pool builds,
    re-indexing from the CLI, the benchmarks) keeps the libraries' defaults. OpenMP reads
    its variable when it is loaded, later, in each worker; OpenBLAS is loaded already and is
    limited here, before the fork."""
    from threadpoolctl import threadpool_limits  # noqa: PLC0415  (only when serving)

    n = os.environ.get("MARKETPLACE_SERVER_MATH_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", n)
    threadpool_limits(int(n))


#: the thresholds ``steady_malloc`` sets (bytes): blocks from 1 MB up mapped, 8 MB kept free at a heap's top
MALLOC_MMAP_BYTES, MALLOC_TRIM_BYTES = 1 << 20, 8 << 20
#: at most this many malloc arenas (``steady_malloc``): the main heap and one for all request threads
MALLOC_ARENAS = 2


def steady_malloc() -> bool:
    """Fixed malloc thresholds for a server process (and the workers it forks): blocks of
    1 MB and more are mapped and given back when freed, and a thread's heap keeps at most
    8 MB free at its top. glibc's default raises its mapping threshold to the size of every
    large block freed (up to 32 MB), so afterwards such blocks come from the per-thread arenas,
    which keep what is freed: a ranking's scattered reads and 100k-row arrays left each request
    thread holding a few tens of MB. Measured at 100k + 100k (``tools.loadtest``, recommendations,
    2 and 4 processes): server PSS 1,318 -> 1,138 MB and 1,779 -> 1,364 MB; in one process
    a cold recommendation took the same time (32 ms) within the noise.

    And at most ``MALLOC_ARENAS`` arenas: glibc gives each new thread an arena of its own (up to
    8 per core), and each kept its own free pieces of the same sizes, so a process grew with its
    request threads. Python runs one thread at a time, so they rarely wait for the one arena.
    Measured (100k + 100k, 2 processes x 8 threads, 300 searches and 300 cold recommendations):
    a worker's own memory 172 -> 124 MB. ``MARKETPLACE_SERVER_STEADY_MALLOC=0`` keeps glibc's
    defaults. False where there is no glibc."""
    if os.environ.get("MARKETPLACE_SERVER_STEADY_MALLOC", "1") == "0":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): their own allocators
        return False
    m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8  # malloc.h
    return (bool(mallopt(m_mmap_threshold, MALLOC_MMAP_BYTES)) and bool(mallopt(m_trim_threshold, MALLOC_TRIM_BYTES))
            and bool(mallopt(m_arena_max, MALLOC_ARENAS)))


_math = threading.local()


def _one_math_thread_here() -> None:
    """OpenMP's limit is per thread (a library loaded before the variable was set, faiss's,
    keeps its default for every new thread): each request thread sets its own, once."""
    if not getattr(_math, "set", False):
        from threadpoolctl import threadpool_limits  # noqa: PLC0415  (only when serving)

        threadpool_limits(int(os.environ.get("MARKETPLACE_SERVER_MATH_THREADS", "1")))
        _math.set = True


def default_workers() -> int:
    """One process per core, at most 4. Python runs one thread at a time per process, so on
    a 2-core machine two processes serve about twice what one does. The ranking pools and the
    search vectors are memory-mapped files and the imported code and dictionaries are loaded
    before the fork, so the processes share most of their memory (README, "Scale-out")."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def _warm_up(app: Flask) -> None:
    app.before_request(_one_math_thread_here)
    embedded_beat.start(app)  # periodic tasks without a broker (one process runs each, by a DB lock)
    backend = app.extensions["runtime"].backend
    if hasattr(backend, "warm_up"):  # load the index into memory before the first request
        backend.warm_up()


def serve_processes(host: str, port: int, workers: int, threads: int) -> None:
    """gunicorn (threaded workers). Each worker builds its own app after the fork, so no
    database connection, SQLite handle or model is shared between processes; what is shared,
    read-only, is the imported code and the Chinese dictionaries loaded here before the fork. Search result
    caches are per process: a write made through one process shows in the others' searches
    within SEARCH_CACHE_SECONDS; fair events reach the other processes through the fair bus
    relay (Redis, or a file in the instance folder: ``services.fair_bus``)."""
    from gunicorn.app.base import BaseApplication  # noqa: PLC0415  (one server or the other, on demand)

    from marketplace.web import serving  # noqa: PLC0415  (gunicorn's worker: imports gunicorn, on demand)
    from search import analysis  # noqa: PLC0415  (the Chinese dictionaries, below)

    # Memory every worker would otherwise hold a copy of is made here, once, before the fork:
    # the code of every module (imported above and by this CLI's app) and the Chinese
    # dictionaries (jieba, OpenCC, pypinyin: ~70 MB of Python objects). Then gc.freeze() moves
    # them out of the collector's reach, so a worker's full collection does not write to their
    # pages and copy them (copy-on-write). Not the model: encoding in a parent that forks hangs
    # its children (STACK-NOTES), so each worker loads it on first use.
    analysis.warm_up()
    gc.collect()
    gc.freeze()

    class _Server(BaseApplication):
        def load_config(self):
            for k, v in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                         "worker_class": "marketplace.web.serving.JsonErrorWorker", "timeout": 120,
                         "limit_request_line": serving.LIMIT_REQUEST_LINE,
                         "limit_request_fields": serving.LIMIT_REQUEST_FIELDS,
                         "limit_request_field_size": serving.LIMIT_REQUEST_FIELD_SIZE,
                         "graceful_timeout": 20, "keepalive": 5,
                         "accesslog": None, "errorlog": "-", "loglevel": "warning",
                         "post_worker_init": lambda worker: _warm_up(worker.wsgi)}.items():
                self.cfg.set(k, v)

        def load(self):
            app = create_app()
            app.config["SERVER_THREADS"] = threads  # the fair streams' cap is sized from it
            return app

    _Server().run()


def _reindex(doc_types) -> None:
    rt = current_app.extensions["runtime"]
    for doc_type in doc_types:
        with current_app.extensions["db"].unit_of_work(write=False) as s:  # the site keeps writing meanwhile
            with click.progressbar(length=1, label=f"indexing {doc_type}s") as bar:
                def progress(done, total):
                    bar.length = total
                    bar.update(done - bar.pos)

                n = indexing.reindex(s, rt.backend, rt.encoder, doc_type, progress=progress)
        rt.invalidate()
        click.echo(f"{n} {doc_type}s indexed")
