"""Alembic environment: the URL comes from MARKETPLACE_DATABASE_URL (or the caller's
connection, for tests and ``flask db-upgrade``)."""
from alembic import context
from sqlalchemy import pool

from marketplace.config import Config
from marketplace.core.models import Base
from marketplace.db import make_engine
from marketplace.fairs import models as _fairs_models  # noqa: F401  (each area's tables join Base.metadata)
from marketplace.internships import models as _internships_models  # noqa: F401
from marketplace.notifications import models as _notifications_models  # noqa: F401
from marketplace.welfare import models as _welfare_models  # noqa: F401

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(Config.from_env().database_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        _migrate(conn)
        conn.commit()


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=Config.from_env().database_url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run()
