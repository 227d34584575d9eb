"""Commands: ``flask --app marketplace <command>``."""
from __future__ import annotations

import json

import click
from flask import Flask, current_app


def upgrade_database(app: Flask) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig

    from .config import ROOT

    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    with app.extensions["db"].engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def init_app(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Create or migrate the database schema to the latest version."""
        upgrade_database(current_app)
        click.echo("database at the latest schema")

    @app.cli.command("demo-load")
    def demo_load():
        """Load the demo data set (once; a second run changes nothing)."""
        from .services import demo

        with current_app.extensions["db"].unit_of_work() as s:
            result = demo.load(s, current_app.extensions["cipher"])
            if result["loaded"]:
                result.update(demo.load_extras(s, current_app.extensions["cipher"]))
        click.echo(json.dumps(result, ensure_ascii=False))
        if result["loaded"]:
            _reindex(("posting", "profile"))

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

    @app.cli.command("flush-outbox")
    def flush_outbox():
        """Send the tasks kept while the broker was down."""
        from jobs.outbox import flush

        celery = current_app.extensions["celery"]
        n = flush(current_app.extensions["db"], lambda name, args: celery.tasks[name].apply_async(args=args))
        click.echo(f"{n} tasks sent")

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=8000, type=int)
    @click.option("--threads", default=8, type=int)
    def serve(host, port, threads):
        """Serve the marketplace with waitress (a production WSGI server)."""
        from waitress import serve as waitress_serve

        backend = current_app.extensions["runtime"].backend
        if hasattr(backend, "warm_up"):  # load the index into memory before the first request
            backend.warm_up()
        click.echo(f"Serving on http://{host}:{port}/  (Ctrl+C to stop)")
        waitress_serve(current_app._get_current_object(), host=host, port=port, threads=threads)


def _reindex(doc_types) -> None:
    from .services import indexing

    rt = current_app.extensions["runtime"]
    for doc_type in doc_types:
        with current_app.extensions["db"].unit_of_work() as s:
            with click.progressbar(length=1, label=f"indexing {doc_type}s") as bar:
                def progress(done, total):
                    bar.length = total
                    bar.update(done - bar.pos)

                n = indexing.reindex(s, rt.backend, rt.encoder, doc_type, progress=progress)
        rt.invalidate()
        click.echo(f"{n} {doc_type}s indexed")
