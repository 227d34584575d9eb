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
        command.upgrade(cfg, "head")


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
        click.echo(json.dumps(result, ensure_ascii=False))

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=8000, type=int)
    @click.option("--threads", default=8, type=int)
    def serve(host, port, threads):
        """Serve the marketplace with waitress (a production WSGI server)."""
        from waitress import serve as waitress_serve

        click.echo(f"Serving on http://{host}:{port}/  (Ctrl+C to stop)")
        waitress_serve(current_app._get_current_object(), host=host, port=port, threads=threads)
