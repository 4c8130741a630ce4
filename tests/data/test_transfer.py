"""Moving a council from SQLite to PostgreSQL, and SQLite backup and restore."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import create_db_engine, dispose_engines, get_engine, write_session
from db.events import record
from db.models import Audit, Event, Team
from db.transfer import TransferError, backup_sqlite, copy_database, integrity_check, restore_sqlite
from tests.conftest import _pg_admin, _pg_url, _require_pg

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_pg_url(tmp_path, _templates):
    _require_pg()
    # A database with no tables at all: `copy` migrates it itself.
    name = f"audit_copy_{os.getpid()}_{tmp_path.name[-8:]}".lower().replace("-", "_")
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
    _pg_admin(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    dispose_engines()
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgresql
def test_copy_from_sqlite_to_postgresql_keeps_every_row_and_the_event_log(sqlite_demo_url, empty_pg_url):
    reports = copy_database(sqlite_demo_url, empty_pg_url)
    by_table = {r.table: r for r in reports}
    assert all(r.matches for r in reports)
    assert by_table["audit"].target_rows == by_table["audit"].source_rows > 400
    assert by_table["event"].target_rows > 0
    target = create_db_engine(empty_pg_url)
    try:
        with Session(target) as session:
            assert session.exec(select(func.count()).select_from(Audit).where(Audit.kind == "external")).one() == 386
            # Sequences moved past the copied ids: new rows get new ids, not clashes.
            session.add(Team(name="Added after the move"))
            session.commit()
            record(session, "tester", "test", "team", 1)
            session.commit()
            assert session.exec(select(func.count()).select_from(Event)).one() == by_table["event"].source_rows + 1
    finally:
        target.dispose()


def test_copy_refuses_a_target_that_holds_data(sqlite_demo_url, tmp_path):
    target = f"sqlite:///{tmp_path / 'target.db'}"
    copy_database(sqlite_demo_url, target)
    with pytest.raises(TransferError, match="already holds data"):
        copy_database(sqlite_demo_url, target)


def test_copy_command_line_prints_the_comparison(sqlite_demo_url, tmp_path):
    target = f"sqlite:///{tmp_path / 'cli.db'}"
    done = subprocess.run([sys.executable, "-m", "db", "copy", "--from", sqlite_demo_url, "--to", target],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "counts and checksums match" in done.stdout
    assert "audit" in done.stdout


def test_backup_and_restore_round_trip(sqlite_demo_url, tmp_path):
    engine = get_engine(sqlite_demo_url)
    backup = backup_sqlite(sqlite_demo_url, tmp_path / "backups" / "b1.db")
    assert integrity_check(backup) == "ok"
    with write_session(engine) as session:
        session.add(Team(name="Made after the backup"))
    with pytest.raises(TransferError, match="exists"):
        backup_sqlite(sqlite_demo_url, backup)
    restore_sqlite(backup, sqlite_demo_url)
    engine.dispose()
    with Session(get_engine(sqlite_demo_url)) as session:
        names = set(session.exec(select(Team.name)))
        assert "Made after the backup" not in names
        assert session.exec(select(func.count()).select_from(Audit).where(Audit.kind == "external")).one() == 386


def test_restore_refuses_a_corrupt_backup(sqlite_demo_url, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(TransferError):
        restore_sqlite(bad, sqlite_demo_url)
    with Session(get_engine(sqlite_demo_url)) as session:
        assert session.exec(select(func.count()).select_from(Audit)).one() > 400


def test_backup_of_postgresql_points_to_pg_dump(demo_url, tmp_path):
    if demo_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    with pytest.raises(TransferError, match="pg_dump"):
        backup_sqlite(demo_url, tmp_path / "x.db")
