"""Several app processes starting at once on one database all migrate it safely."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, text

from db import migrate
from db.engine import get_engine

ROOT = Path(__file__).resolve().parents[2]


def test_three_processes_upgrading_at_once_leave_one_clean_schema(db_url):
    migrate.downgrade(db_url, "base")
    get_engine(db_url).dispose()
    processes = [
        subprocess.Popen([sys.executable, "-m", "db", "--database-url", db_url, "upgrade"], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in processes]
    assert [code for _, _, code in results] == [0, 0, 0], [err[-500:] for _, err, _ in results]
    assert migrate.current_revision(db_url) == migrate.head_revision(db_url)
    assert "audit" in inspect(get_engine(db_url)).get_table_names()
    with get_engine(db_url).connect() as conn:
        assert conn.execute(text("select count(*) from alembic_version")).scalar_one() == 1
