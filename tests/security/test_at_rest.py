"""Issue 14, point 6: files at rest are private, and the deployment says so.

The database, its WAL and shared-memory files, backups and the demo cookie key hold
personal data or the key to forge a sign-in: created 0600 (owner only) whatever the
umask, and the systemd unit sets UMask=0077 for everything else the app writes."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from core import config
from db.engine import create_db_engine
from db.transfer import backup_sqlite

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The usual umask, under which files come out world-readable (644)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_database_its_wal_and_a_backup_are_created_0600(tmp_path, open_umask):
    database = tmp_path / "data" / "audit.db"
    engine = create_db_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x TEXT)"))
        connection.execute(text("INSERT INTO t VALUES ('LCS123456')"))
        # The WAL and shared-memory files exist while a connection is open.
        assert {p.name for p in database.parent.iterdir()} >= {"audit.db", "audit.db-wal", "audit.db-shm"}
        assert {p.name: oct(mode(p)) for p in database.parent.iterdir()} == {
            "audit.db": "0o600", "audit.db-wal": "0o600", "audit.db-shm": "0o600"}
    backup = backup_sqlite(f"sqlite:///{database}", tmp_path / "backups" / "audit-2026-11-30.db")
    assert oct(mode(backup)) == "0o600"
    engine.dispose()


def test_an_existing_world_readable_database_is_made_private_on_start(tmp_path, open_umask):
    database = tmp_path / "audit.db"
    database.write_bytes(b"")
    database.chmod(0o644)
    create_db_engine(f"sqlite:///{database}").dispose()
    assert oct(mode(database)) == "0o600"


def test_the_demo_cookie_key_is_created_0600(tmp_path, monkeypatch, open_umask):
    monkeypatch.setattr(config, "DATA_DIR", tmp_path / "data")
    key = config._demo_cookie_key()
    path = tmp_path / "data" / "demo-cookie-key"
    assert path.read_text() == key and len(key) >= 48
    assert oct(mode(path)) == "0o600"


def test_the_systemd_unit_sets_a_private_umask():
    unit = (ROOT / "deploy" / "case-audit@.service").read_text()
    assert "\nUMask=0077\n" in unit


def test_the_nginx_policy_blocks_images_and_connections_to_other_origins():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    line = next(line for line in conf.splitlines() if "Content-Security-Policy" in line)
    for directive in ("default-src 'self'", "img-src 'self' data: blob:", "connect-src 'self';",
                      "frame-ancestors 'self'", "form-action 'self'", "base-uri 'self'", "object-src 'none'"):
        assert directive in line, directive
    assert "http:" not in line.split("img-src")[1].split(";")[0]
    assert "always" in line  # on every response, errors included
