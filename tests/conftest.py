"""Shared fixtures: real databases (SQLite files and PostgreSQL databases), fresh per test.

Migrating and seeding the demo takes seconds, so each is done once per test
session into a template; every test gets its own copy (a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL). Data-layer tests that take
``db_url`` or ``demo_url`` run on both databases.
"""
from __future__ import annotations

import itertools
import os
import secrets
import shutil
from datetime import date
from pathlib import Path

import pytest

# Settings every test process shares; set before any project module reads them.
os.environ.setdefault("AUDIT_COOKIE_KEY", secrets.token_urlsafe(48))
os.environ.setdefault("AUDIT_DEMO_MODE", "1")

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from db import migrate  # noqa: E402
from db.demo import seed_demo  # noqa: E402
from db.engine import dispose_engines, get_engine, write_session  # noqa: E402

# The suite's one clock. The demo is seeded as of this day and the app (AppTest in this process,
# the browser tests' servers through the environment) reads it as today, so no test depends on
# the day it runs. AUDIT_TEST_TODAY moves it: CI runs the date-sensitive tiers a second time on a
# day that stresses the working-day rules (scripts/test-moved-clock.sh).
REFERENCE_DAY = date(2026, 11, 26)  # a Thursday; the demo's week 12; the day the pinned figures were counted
DEMO_TODAY = date.fromisoformat(os.environ.get("AUDIT_TEST_TODAY") or REFERENCE_DAY.isoformat())
os.environ["AUDIT_TODAY"] = DEMO_TODAY.isoformat()
PG_ADMIN_URL = os.environ.get("AUDIT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
_counter = itertools.count()


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


PG_AVAILABLE = _pg_available()


def _require_pg() -> None:
    if not PG_AVAILABLE:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}; .ci/run should have started it")
        pytest.skip("PostgreSQL not reachable (set CI=1 to make this an error)")


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _pg_admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory):
    """Migrated (and demo-seeded) template databases, made on first use."""
    made: dict[tuple[str, bool], str] = {}
    root = tmp_path_factory.mktemp("templates")
    pg_names: list[str] = []

    def get(backend: str, demo: bool) -> str:
        key = (backend, demo)
        if key in made:
            return made[key]
        if backend == "sqlite":
            url = f"sqlite:///{root / ('demo.db' if demo else 'empty.db')}"
        else:
            name = f"audit_tmpl_{os.getpid()}_{'demo' if demo else 'empty'}"
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
            _pg_admin(f'CREATE DATABASE "{name}"')
            pg_names.append(name)
            url = _pg_url(name)
        migrate.upgrade(url)
        if demo:
            with write_session(get_engine(url)) as session:
                seed_demo(session, today=DEMO_TODAY)
        dispose_engines()
        made[key] = url
        return url

    yield get
    dispose_engines()
    for name in pg_names:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _copy(template_url: str, backend: str, tmp_path: Path):
    """A private copy of a template database; returns (url, cleanup)."""
    if backend == "sqlite":
        source = Path(template_url.removeprefix("sqlite:///"))
        target = tmp_path / f"db{next(_counter)}.db"
        shutil.copy(source, target)
        return f"sqlite:///{target}", lambda: None
    name = f"audit_t_{os.getpid()}_{next(_counter)}"
    template = template_url.rsplit("/", 1)[1]
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def cleanup():
        dispose_engines()
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return _pg_url(name), cleanup


def _database(request, tmp_path, _templates, demo: bool):
    backend = request.param
    if backend == "postgresql":
        _require_pg()
    url, cleanup = _copy(_templates(backend, demo), backend, tmp_path)
    yield url
    dispose_engines()
    cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, _templates):
    """A migrated, empty database of each kind."""
    yield from _database(request, tmp_path, _templates, demo=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_url(request, tmp_path, _templates):
    """A database of each kind holding the demo programme (seeded as of DEMO_TODAY)."""
    yield from _database(request, tmp_path, _templates, demo=True)


@pytest.fixture
def sqlite_demo_url(tmp_path, _templates):
    """A demo database on SQLite only (AppTest and browser tests)."""
    url, cleanup = _copy(_templates("sqlite", True), "sqlite", tmp_path)
    yield url
    dispose_engines()
    cleanup()


@pytest.fixture
def session(db_url):
    with Session(get_engine(db_url), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def demo_session(demo_url):
    with Session(get_engine(demo_url), expire_on_commit=False) as s:
        yield s
