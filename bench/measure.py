"""Timing one dashboard page: cold and warm script runs, its SQL alone, and the naive baseline.

Pages run through Streamlit's AppTest (the real page file, the real guard and
cached queries) signed in as a synthetic user, one session per page. "Cold" clears
``st.cache_data`` (every cached query) before the rerun (the Python process and
the database's own page cache stay warm, as on a running server); "warm" reruns
without clearing. "SQL" replays the statements the cold run sent, straight on a
database connection, fetching every row: the database's share of a cold run.
"""
from __future__ import annotations

import resource
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


class StatementLog:
    """Records the SELECTs every engine in this process sends while ``active``."""

    def __init__(self) -> None:
        self.active = False
        self.statements: list[tuple[str, object]] = []
        event.listen(Engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters))

    def start(self) -> None:
        self.statements = []
        self.active = True

    def stop(self) -> list[tuple[str, object]]:
        self.active = False
        return list(self.statements)

    def close(self) -> None:
        event.remove(Engine, "before_cursor_execute", self._record)


def replay_ms(engine: Engine, statements: list[tuple[str, object]]) -> float:
    """Milliseconds to execute ``statements`` and fetch all their rows on one raw connection."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        started = time.perf_counter()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        elapsed = time.perf_counter() - started
        cursor.close()
        connection.rollback()
    finally:
        connection.close()
    return elapsed * 1000


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class PageTiming:
    name: str
    cold_ms: float | None = None
    warm_ms: float | None = None
    sql_ms: float | None = None
    naive_ms: float | None = None
    statements: int = 0
    error: str | None = None
    samples: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        result = {"cold_ms": _r(self.cold_ms), "warm_ms": _r(self.warm_ms), "sql_ms": _r(self.sql_ms),
                  "statements": self.statements}
        if self.naive_ms is not None:
            result["naive_ms"] = _r(self.naive_ms)
        if self.samples:
            # The fastest run: on a shared, busy machine the clearest view of the page's own cost.
            result["cold_min_ms"] = _r(min(self.samples["cold"]))
            result["warm_min_ms"] = _r(min(self.samples["warm"]))
            # The slowest cold run: where a stall lands that the median passes over (a full garbage
            # collection, ui/heap.py).
            result["cold_max_ms"] = _r(max(self.samples["cold"]))
            # CPU time of this process (every thread; SQLite runs in-process): what the run cost, whatever
            # else the machine was doing. On a quiet machine wall time is close to it.
            for key in ("cold", "warm", "sql"):
                result[f"{key}_cpu_ms"] = _r(statistics.median(self.samples[f"{key}_cpu"]))
        if self.error:
            result["error"] = self.error
        return result


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _signed_in(path: str, username: str, query: dict | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / path), default_timeout=600)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    # What the sign-in library leaves in the session after a successful sign-in.
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["roles"] = []
    return at


def signed_in(path: str, username: str, query: dict | None = None):
    """An AppTest of ``path`` with ``username`` signed in (what the sign-in library leaves behind)."""
    return _signed_in(path, username, query)


def run_timed(at) -> float:
    return _run(at)


LAST_CPU_MS: list[float] = [0.0]  # CPU time of the last run (every thread of this process)


def _run(at) -> float:
    cpu = time.process_time()
    started = time.perf_counter()
    at.run()
    elapsed = (time.perf_counter() - started) * 1000
    LAST_CPU_MS[0] = (time.process_time() - cpu) * 1000
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].message}")
    if any("do not have access" in str(e.value) for e in at.error):
        raise RuntimeError("the benchmark user may not open this page")
    shown = [str(getattr(e, "value", "")) for kind in (at.info, at.warning, at.error) for e in kind]
    if any("You were signed out" in text for text in shown):
        # The page timed would be the sign-in form: fail rather than report a fast page.
        raise RuntimeError("the benchmark user was signed out (idle time-out): " + "; ".join(shown))
    return elapsed


def clear_caches() -> None:
    """Empty the data caches (every cached query). ``st.cache_resource`` is left alone: it holds
    process-wide resources (Streamlit's component registry among them) that a running server
    keeps, and clearing it would time Streamlit rescanning installed packages, not the page."""
    import streamlit as st

    st.cache_data.clear()


def time_page(page, database_url: str, engine: Engine, log: StatementLog, repeat: int, naive_repeat: int,
              query: dict | None = None) -> PageTiming:
    """Median timings of ``page`` (a ``bench.pages.BenchPage``)."""
    timing = PageTiming(page.name)
    if not (ROOT / page.path).exists():
        timing.error = f"{page.path} does not exist"
        return timing
    try:
        # One session, as one user at a server. Its first, untimed, run imports the page's modules
        # and starts the session (AppTest then also scans installed packages for components,
        # which a server does once at start-up, not per page).
        at = _signed_in(page.path, page.user, query)
        _run(at)
        cold, sql, cold_cpu, warm, warm_cpu, sql_cpu = [], [], [], [], [], []
        for _ in range(repeat):
            clear_caches()
            log.start()
            cold.append(_run(at))
            cold_cpu.append(LAST_CPU_MS[0])
            statements = log.stop()
            cpu = time.process_time()
            sql.append(replay_ms(engine, statements))
            sql_cpu.append((time.process_time() - cpu) * 1000)
        timing.statements = len(statements)
        for _ in range(repeat):
            warm.append(_run(at))
            warm_cpu.append(LAST_CPU_MS[0])
        timing.cold_ms, timing.warm_ms, timing.sql_ms = map(statistics.median, (cold, warm, sql))
        timing.samples = {"cold": cold, "warm": warm, "sql": sql, "cold_cpu": cold_cpu, "warm_cpu": warm_cpu,
                          "sql_cpu": sql_cpu}
    except Exception as exc:  # report and go on with the other pages
        timing.error = str(exc)
    return timing


def time_naive(page, database_url: str, repeat: int) -> float | None:
    """The naive baseline's median, or None where the page has none or ``repeat`` is 0 (skipped)."""
    if page.naive is None or repeat < 1:
        return None
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        page.naive(database_url)
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)
