"""Engines and sessions.

SQLite runs with WAL, foreign keys and a busy timeout, and every write
transaction starts with ``BEGIN IMMEDIATE``: with SQLite's default deferred
transactions, concurrent read-modify-write saves from several Streamlit sessions
are silently lost (see the concurrency tests). Writers of one process also queue
on a lock of their own before ``BEGIN IMMEDIATE``: SQLite's busy handler retries in
naps of up to 100 ms, so under load a writer could keep losing the write lock to
one that had just committed and began again, and be refused after the whole busy
timeout ("database is locked"); a thread blocked on a lock is woken as soon as it
is free. PostgreSQL needs none of this.
"""
from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from core.text import BIDI_CONTROLS, neutralise_bidi

BUSY_TIMEOUT_MS = 15_000
_engines: dict[str, Engine] = {}
_lock = threading.Lock()
_queued_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # SQLite engine -> its writers' lock


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _configure_sqlite(engine: Engine, immediate_writes: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 32 MB of page cache per connection: halves the heatmap query at 100,000 audits.
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()

    if immediate_writes:
        _queued_writers[engine] = threading.RLock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        write = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write and immediate_writes else "BEGIN")


PRIVATE_MODE = 0o600


def private_file(path) -> None:
    """Create ``path`` readable and writable by its owner only (0600), or tighten it (and
    its SQLite ``-wal``/``-shm`` companions) if it exists. SQLite creates the WAL and shared
    memory files with the database file's permissions, so a private database stays private."""
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
    except FileExistsError:
        pass
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if each.exists() and each.stat().st_mode & 0o077:
            each.chmod(PRIVATE_MODE)


def create_db_engine(url: str, *, immediate_writes: bool = True) -> Engine:
    """A new engine for ``url``. ``immediate_writes=False`` exists only so that a test
    can show what goes wrong without it."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            private_file(database)  # 0600: pseudonymised case data is personal data
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine, immediate_writes)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
        _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # No JIT compilation: the dashboard's statements take tens to hundreds of milliseconds,
        # and compiling them (about 60 ms for Progress's actions) cost more than it saved. At
        # 1,000,000 audits, Progress's cold run went from 1,245 to 932 ms and Overview's from 633
        # to 465 (docs/benchmark.md). Set outside a transaction, so that it lasts the connection.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.autocommit = autocommit


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the configured DATABASE_URL)."""
    if url is None:
        from core.config import load_settings

        url = load_settings().database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create_db_engine(url)
        return engine


def dispose_engines() -> None:
    """Close every engine (tests, and after a restore)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session for reading; anything it writes is rolled back."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        yield session


def _without_bidi(value):
    if isinstance(value, str):
        return neutralise_bidi(value) if any(ch in value for ch in BIDI_CONTROLS) else value
    if isinstance(value, dict):
        return {k: _without_bidi(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_bidi(v) for v in value]
    return value


@event.listens_for(Session, "before_flush")
def _neutralise_bidi(session: Session, _context, _instances) -> None:
    """The input seam for stored text (issue 14): bidirectional control characters are
    dropped from every text and JSON value written, whichever page or import wrote it,
    so no stored text shows in another order than it reads ("evil" as "live")."""
    for instance in list(session.new) + list(session.dirty):
        for name, value in list(vars(instance).items()):
            if name.startswith("_") or not isinstance(value, (str, dict, list)):
                continue
            cleaned = _without_bidi(value)
            if cleaned != value:
                setattr(instance, name, cleaned)


@event.listens_for(Session, "do_orm_execute")
def _neutralise_bidi_in_bulk(state) -> None:
    """The same for ``session.execute(insert(Model), rows)`` (answers and actions are bulk-inserted)."""
    if not (state.is_insert or state.is_update):
        return
    rows = state.parameters
    for row in rows if isinstance(rows, list) else [rows] if isinstance(rows, dict) else []:
        if isinstance(row, dict):
            for name, value in list(row.items()):
                if isinstance(value, (str, dict, list)):
                    row[name] = _without_bidi(value)


class WriteRefused(Exception):
    """A write refused before it started, because the person asking may no longer write
    (signed out, idle, deactivated, locked, or without the role); the message says why."""


# The check every write makes first (issue 14): installed by the app's UI layer
# (``ui.guard``), which knows who is signed in to the current Streamlit session.
# ``None`` (scripts, the data-layer tests) means no session to check.
_write_check: Callable[[], None] | None = None
_commit_counter = itertools.count(1)
_last_commit = 0


def set_write_check(check: Callable[[], None] | None) -> None:
    """Install the function every ``write_session`` calls before writing; it raises
    ``WriteRefused`` to refuse."""
    global _write_check
    _write_check = check


def _note_commit() -> None:
    global _last_commit
    _last_commit = next(_commit_counter)


def commits_so_far() -> int:
    """How many write transactions this process has committed: a value that changes after every
    write here, so what was read before it (``ui.per_run``) is read again."""
    return _last_commit


@contextmanager
def write_session(engine: Engine | None = None, *, checked: bool = True) -> Iterator[Session]:
    """One unit of work: everything in the block is committed together or not at all.

    On SQLite the transaction takes the write lock at once (BEGIN IMMEDIATE), so
    two writers queue instead of overwriting each other. Before anything is written,
    the installed write check runs (``checked=False`` only for the sign-in
    bookkeeping itself, which happens while nobody is signed in).
    """
    if checked and _write_check is not None:
        _write_check()
    engine = engine or get_engine()
    queue = _queued_writers.get(engine)
    if queue is not None and not queue.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
        # What SQLite itself says after its busy timeout, so that ui.errors shows it as it shows any database
        # that cannot save right now (nothing typed is lost).
        raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
    try:
        with Session(engine.execution_options(write=True), expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
                _note_commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        if queue is not None:
            queue.release()
