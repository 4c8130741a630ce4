"""Shared fixtures: real databases (SQLite files and PostgreSQL databases), fresh per test.

Migrating and seeding the demo takes seconds, so each is done once per test
session into a template; every test gets its own copy (a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL, made ahead and dropped afterwards
on a background thread). Data-layer tests that take
``db_url`` or ``demo_url`` run on both databases.
"""
from __future__ import annotations

import itertools
import os
import secrets
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
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

# The demo's calendar, from its rule (db/demo.py, README): a 12-week programme whose week 12 is
# the week of DEMO_TODAY, so it starts on the Monday 11 weeks before; months are 4 weeks.
THIS_MONDAY = DEMO_TODAY - timedelta(days=DEMO_TODAY.weekday())
PROGRAMME_START = THIS_MONDAY - timedelta(weeks=11)  # Monday 7 September 2026 on the reference day
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def due_date_the_rules_accept() -> date:
    """A new due date for an action, whatever the day the suite runs: the first working day (not a
    weekend or bank holiday) from the Monday two weeks after this week's."""
    from core.workdays import is_working_day

    day = THIS_MONDAY + timedelta(weeks=2)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def demo_week(n: int) -> tuple[date, date]:
    """Monday and Sunday of the demo programme's week ``n``."""
    monday = PROGRAMME_START + timedelta(weeks=n - 1)
    return monday, monday + timedelta(days=6)


def day_words(day: date, year: bool = True) -> str:
    """'26 Nov 2026' (or '26 Nov')."""
    return f"{day.day} {_MONTHS[day.month - 1]}" + (f" {day.year}" if year else "")


def demo_month(n: int) -> str:
    """How the app names the demo's month ``n``: 'Month 2 (weeks 5-8), 5 Oct - 1 Nov 2026' on the reference day."""
    first, last = demo_week(4 * n - 3)[0], demo_week(4 * n)[1]
    span = f"{day_words(first, year=first.year != last.year)} - {day_words(last)}"
    return f"Month {n} (weeks {4 * n - 3}-{4 * n}), {span}"


# Tests that take more than about 2 s (measured with --durations, docs/testing.md), and the
# concurrency and scikit-learn cross-checks: left out of the fast tier, run by the full suite and CI.
# Listed here rather than in each feature's file; an exhaustive matrix marks its own cases (matrix()).
SLOW = (
    "tests/reliability/",  # threads, killed processes, a stopped PostgreSQL server
    "tests/data/test_foundation.py::test_concurrent_saves_from_8_threads_are_all_kept_on_sqlite",
    # scikit-learn takes about 2 s to import; the hand-worked kappas prove the formula in the fast tier
    "tests/unit/test_moderation.py::test_the_hand_worked_kappas_match_scikit_learn",
    "tests/unit/test_moderation.py::test_kappa_matches_scikit_learn_on_random_samples",
    # building the board report (nine charts drawn to PNG, the PDF, the workbook) takes 5 s or more;
    # tests/unit/test_board_report.py checks the PDF and the workbook from given figures
    "tests/data/test_board_report_oracle.py::",
    "tests/data/test_progress_figures.py::test_a_sponsors_board_report_holds_no_figure_of_a_team_under_3_audits",
    # every page with hostile text (one page's is in the fast tier), a timing comparison, 50,000 rows
    "tests/security/test_hostile_text.py::test_every_page_shows_hostile_text_as_text",
    "tests/security/test_sign_in_security.py::test_an_unknown_name_takes_as_long_as_a_wrong_password",
    "tests/security/test_sign_in_security.py::test_wrong_password_and_unknown_user_get_the_same_messages_in_the_same_order",
    "tests/unit/test_exports.py::test_fifty_thousand_rows_in_under_three_seconds",
    "tests/app/test_progress.py::test_other_dates_can_be_chosen",
    "tests/app/test_progress.py::test_choosing_another_period_redraws_and_keeps_it_in_the_url",
    "tests/data/test_moderation.py::test_the_demo_moderation_tells_a_realistic_story_and_its_figures_are_pinned",
    "tests/data/test_heatmap.py::test_bench_smoke_prints_the_json_figures_and_the_naive_baseline_agrees",
    "tests/data/test_progress.py::test_board_report_for_month_2_matches_the_database",
    "tests/app/test_progress.py::test_preparing_the_board_report_shows_progress_logs_it_and_offers_both_files",
    "tests/app/test_progress.py::test_every_number_on_the_dashboard_is_in_the_report",
    "tests/app/test_progress.py::test_presentation_mode_shows_one_slide_at_a_time",
    "tests/data/test_transfer.py::test_copy_command_line_prints_the_comparison",
    "tests/data/test_deployment.py::test_three_processes_upgrading_at_once_leave_one_clean_schema",
)


def matrix(cases, *, fast, ids=None):
    """Parameters for an exhaustive matrix (every write button, every refused role x page cell):
    the full run and CI run every case; the fast tier runs only the cases whose id is in ``fast``,
    one per outcome the matrix proves, and the others are marked ``slow``. A case is a tuple of the
    test's arguments; its id is ``ids(case)``, by default the arguments joined by "-" (pytest's own)."""
    params, seen = [], set()
    for case in cases:
        case_id = ids(case) if ids else "-".join(str(value) for value in case)
        seen.add(case_id)
        params.append(pytest.param(*case, id=case_id, marks=() if case_id in fast else pytest.mark.slow))
    unknown = set(fast) - seen
    assert not unknown, f"fast cases not in the matrix: {sorted(unknown)}"
    return params


# Browser modules whose tests may run on different pytest-xdist workers, each worker with its own
# module server: every test signs in and reads on its own and needs nothing an earlier test of the
# module wrote. Any other browser module runs whole on one worker, in file order, on one server
# (`--dist loadgroup`, .ci/run); a new browser module is kept whole unless it is added here.
BROWSER_SPLIT = (
    "tests/browser/test_accessibility.py",
    "tests/browser/test_role_matrix.py",
)


def pytest_collection_modifyitems(config, items):
    """Mark ``postgresql`` the PostgreSQL run of every data-layer test (the ``[postgresql]`` param of
    ``db_url`` and ``demo_url``; a test that needs the server otherwise carries the mark itself) and
    ``slow`` the tests listed in SLOW: the fast tier (-m "not browser and not slow and not postgresql")
    runs the data layer on SQLite only; the full run and CI run everything on both databases. Group
    each browser module for pytest-xdist's ``--dist loadgroup`` (one worker, one module server), but
    for those in BROWSER_SPLIT."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgresql" in (params.get("db_url"), params.get("demo_url")):
            item.add_marker(pytest.mark.postgresql)
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("browser") and not item.nodeid.startswith(BROWSER_SPLIT):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def pytest_runtest_setup(item):
    """A test marked ``reference_day`` holds only for the demo as of REFERENCE_DAY."""
    if DEMO_TODAY != REFERENCE_DAY and item.get_closest_marker("reference_day"):
        pytest.skip(f"pins the demo's figures as of {REFERENCE_DAY}; the clock is moved to {DEMO_TODAY}")


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
    _pg_clones.close()
    for name in pg_names:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _PgClones:
    """PostgreSQL copies of the templates, made one test ahead and dropped after use on a
    background thread, so a test waits for neither ``CREATE DATABASE ... TEMPLATE`` nor
    ``DROP DATABASE`` (about 0.5 s and 1 s each on a quiet machine, several seconds under load).
    Every test still gets a database of its own, fresh from the template."""

    def __init__(self) -> None:
        self._thread: ThreadPoolExecutor | None = None
        self._ahead: dict[str, Future] = {}  # template name -> the next copy's name
        self._drops: list[Future] = []

    def _pool(self) -> ThreadPoolExecutor:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-clones")
        return self._thread

    @staticmethod
    def _create(template: str) -> str:
        name = f"audit_t_{os.getpid()}_{next(_counter)}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def take(self, template: str) -> str:
        ahead = self._ahead.pop(template, None)
        try:
            name = ahead.result() if ahead is not None else self._create(template)
        except Exception:  # the copy made ahead failed (the server was busy or away): make one now
            name = self._create(template)
        self._ahead[template] = self._pool().submit(self._create, template)
        return name

    def drop(self, name: str) -> None:
        self._drops.append(self._pool().submit(_pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        """Drop the copies made ahead and wait for every drop (before the templates go)."""
        for ahead in self._ahead.values():
            try:
                self.drop(ahead.result())
            except Exception:
                pass
        self._ahead.clear()
        for future in self._drops:
            future.exception()  # wait; a failed drop leaves a stray database, not a failed test
        self._drops.clear()
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None


_pg_clones = _PgClones()


def _copy(template_url: str, backend: str, tmp_path: Path):
    """A private copy of a template database; returns (url, cleanup)."""
    if backend == "sqlite":
        source = Path(template_url.removeprefix("sqlite:///"))
        target = tmp_path / f"db{next(_counter)}.db"
        shutil.copy(source, target)
        return f"sqlite:///{target}", lambda: None
    name = _pg_clones.take(template_url.rsplit("/", 1)[1])

    def cleanup():
        dispose_engines()
        _pg_clones.drop(name)

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


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the whole run, shared by the browser tier and the security tier's
    browser test: a second sync_playwright() in the same process fails ("Sync API inside the asyncio
    loop"), so every chromium is launched from this one. Defined here, once, so no module that
    imports fixtures can start a second one."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: apt-get install -y chromium-headless-shell")
    with sync_playwright() as p:
        yield p
