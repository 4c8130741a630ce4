"""Running Alembic from code: the app upgrades to head on start."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from db.engine import get_engine

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["database_url"] = url
    return config


def head_revision(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(url: str) -> str | None:
    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


MIGRATION_LOCK_ID = 72_620_001  # any constant: the PostgreSQL advisory lock for migrations


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (default: the newest).

    Several app processes start at once in a multi-process deployment and each
    upgrades on start: one transaction holding a lock (an advisory lock on
    PostgreSQL, the write lock on SQLite) makes them take turns, and the later
    ones find nothing left to do.
    """
    engine = get_engine(url)
    config = alembic_config(url)
    with engine.execution_options(write=True).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(url: str, revision: str) -> None:
    config = alembic_config(url)
    with get_engine(url).execution_options(write=True).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
