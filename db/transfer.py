"""Moving a council's data between databases, and backing it up.

``copy_database`` moves every row of every table (the event log included, ids
kept) from one database into a freshly migrated, empty one, then compares row
counts and a checksum of every table on both sides. ``backup_sqlite`` and
``restore_sqlite`` use SQLite's online backup API, which is safe while the app
is serving; for PostgreSQL use ``pg_dump``/``pg_restore`` (see the README).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table)
from db import migrate
from db.engine import create_db_engine, is_sqlite, private_file

BATCH = 2_000


class TransferError(RuntimeError):
    """A copy, backup or restore that cannot be done safely; the message says why."""


@dataclass(frozen=True)
class TableReport:
    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def matches(self) -> bool:
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


def _tables() -> list[Table]:
    return list(SQLModel.metadata.sorted_tables)


def _normal(value):
    """One representation per value whatever the backend returned, for checksums."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return value


def table_checksum(engine: Engine, table: Table) -> tuple[int, str]:
    """(row count, sha256 of every row in primary-key order)."""
    digest = hashlib.sha256()
    count = 0
    order = list(table.primary_key.columns) or list(table.columns)
    with engine.connect() as conn:
        for row in conn.execute(select(table).order_by(*order)):
            digest.update(json.dumps([_normal(v) for v in row], default=str).encode())
            count += 1
    return count, digest.hexdigest()


def compare(source: Engine, target: Engine) -> list[TableReport]:
    reports = []
    for table in _tables():
        source_rows, source_sum = table_checksum(source, table)
        target_rows, target_sum = table_checksum(target, table)
        reports.append(TableReport(table.name, source_rows, target_rows, source_sum, target_sum))
    return reports


def _row_count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def copy_database(source_url: str, target_url: str) -> list[TableReport]:
    """Copy everything from ``source_url`` into ``target_url`` (migrated here; must be empty)."""
    if source_url == target_url:
        raise TransferError("The source and the target are the same database.")
    source = create_db_engine(source_url)
    try:
        source_revision = migrate.current_revision(source_url)
        if source_revision != migrate.head_revision(source_url):
            raise TransferError(
                f"The source is at schema revision {source_revision}; run `python -m db upgrade` on it first."
            )
        migrate.upgrade(target_url)
        target = create_db_engine(target_url)
        try:
            non_empty = [t.name for t in _tables() if _row_count(target, t)]
            if non_empty:
                raise TransferError(f"The target already holds data ({', '.join(non_empty)}); copy into an empty database.")
            with source.connect() as src, target.begin() as dst:
                for table in _tables():
                    result = src.execute(select(table))
                    while rows := result.fetchmany(BATCH):
                        dst.execute(table.insert(), [dict(row._mapping) for row in rows])
                if target.dialect.name == "postgresql":
                    _reset_sequences(dst)
            reports = compare(source, target)
        finally:
            target.dispose()
    finally:
        source.dispose()
    mismatched = [r.table for r in reports if not r.matches]
    if mismatched:
        raise TransferError(f"Copied, but these tables differ from the source: {', '.join(mismatched)}")
    return reports


def _reset_sequences(conn) -> None:
    """Explicit ids were inserted: move each id sequence past the highest id."""
    for table in _tables():
        if "id" in table.columns and table.c.id.primary_key and table.c.id.autoincrement is not False:
            conn.execute(
                # bandit B608: table names come from the schema's metadata, never from input
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "  # nosec B608
                    f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"
                )
            )


def _sqlite_path(url: str) -> Path:
    if not is_sqlite(url):
        raise TransferError(
            "Online backup here is for SQLite. For PostgreSQL use pg_dump (see the README: Backups)."
        )
    database = make_url(url).database
    if not database or database == ":memory:":
        raise TransferError("An in-memory database cannot be backed up.")
    return Path(database)


def backup_sqlite(url: str, destination: Path) -> Path:
    """An online, consistent copy of the SQLite database at ``url`` in ``destination``."""
    source_path = _sqlite_path(url)
    if not source_path.exists():
        raise TransferError(f"No database file at {source_path}.")
    destination = Path(destination)
    if destination.exists():
        raise TransferError(f"{destination} exists; choose a new file name so no backup is overwritten.")
    private_file(destination)  # 0600, like the database itself
    with closing(sqlite3.connect(source_path)) as src, closing(sqlite3.connect(destination)) as dst:
        src.backup(dst)
    check = integrity_check(destination)
    if check != "ok":
        raise TransferError(f"The backup failed its integrity check: {check}")
    return destination


def restore_sqlite(backup: Path, url: str) -> None:
    """Replace the contents of the database at ``url`` with ``backup`` (online, all or nothing)."""
    backup = Path(backup)
    if not backup.exists():
        raise TransferError(f"No backup file at {backup}.")
    check = integrity_check(backup)
    if check != "ok":
        raise TransferError(f"The backup file fails its integrity check ({check}); nothing was restored.")
    target_path = _sqlite_path(url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(backup)) as src, closing(sqlite3.connect(target_path)) as dst:
        src.backup(dst)


def integrity_check(path: Path) -> str:
    """SQLite's own verdict on a database file: "ok", or what is wrong with it."""
    try:
        with closing(sqlite3.connect(path)) as conn:
            return conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return str(error)


def reflected_tables(engine: Engine) -> list[str]:
    # The names alone: reflecting whole tables would also read their indexes, and SQLAlchemy
    # warns on each index SQLite cannot describe (migration 0008's end on an expression).
    return sorted(inspect(engine).get_table_names())
