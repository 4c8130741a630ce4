"""``python -m bench --audits N [--database-url URL]``: build N synthetic audits, time every page.

Every page of ``core.authz.PAGES`` for every role that may open it (cold, warm, its SQL,
statements), the interactions users wait on, every export, and the monthly board report
(its figures, then the charts, PDF and workbook "Prepare the board report" builds). Prints
tables, then as its last line one JSON object::

    {"audits": N, "pages": {"<page>/<role>": {"cold_ms", "warm_ms", "sql_ms", "statements"[, "naive_ms"]}},
     "interactions": {"<name>": {"median_ms"}}, "exports": {"<name>": {"median_ms", "rows"}},
     "board_report": {"figures" | "charts" | "pdf" | "workbook" | "prepare": {"median_ms"}},
     "save_ms": .., "peak_rss_mb": ..}

``peak_rss_mb`` is the peak memory of the process that ran the pages, measured
before the naive baselines load whole tables (``peak_rss_with_naive_mb``); the
database is built in a child process so that building does not count.
``save_ms`` is ``bench.save.median_save_ms`` (the audit-entry feature's own
benchmark) when that module exists, else null.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
# bandit B404: runs this package's own builder, fixed arguments
import subprocess  # nosec B404
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("pages: sql <= 150 ms, cold <= 1.5 x sql + 50 ms, warm <= 50 ms; interactions <= 300 ms; "
           "exports of up to 50,000 rows <= 3 s; peak memory <= 500 MB")


def _default_url(audits: int) -> str:
    folder = Path(tempfile.gettempdir()) / "case-audit-bench"
    folder.mkdir(exist_ok=True)
    return f"sqlite:///{folder / f'bench-{audits}.db'}"


def _holds_audits(database_url: str) -> int | None:
    """How many audits the database holds (None: not migrated yet)."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(database_url)
    try:
        if "audit" not in inspect(engine).get_table_names():
            return None
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM audit")).scalar_one()
    finally:
        engine.dispose()


def _fresh_bench_sign_ins(database_url: str) -> None:
    """Forget when the synthetic users were last seen: a database reused more than the idle time-out
    after its last run would otherwise sign them out, and every page timed would be the sign-in form."""
    from sqlalchemy import update
    from sqlmodel import Session, col

    from db.engine import create_db_engine
    from db.models import User

    engine = create_db_engine(database_url)
    try:
        with Session(engine) as session:
            session.exec(update(User).where(col(User.username).like("bench_%")).values(last_seen_at=None))
            session.commit()
    finally:
        engine.dispose()


def _build(database_url: str, audits: int, reuse: bool) -> dict:
    if database_url.startswith("sqlite:///") and not reuse:
        path = Path(database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    held = _holds_audits(database_url)
    if held:
        if reuse:
            from db import migrate

            migrate.upgrade(database_url)  # indexes added since it was built
            _fresh_bench_sign_ins(database_url)
            return {"audits": held, "reused": True}
        raise SystemExit(f"{database_url} already holds {held} audits: give an empty database, or --reuse it.")
    # A child process, so that building (a million answers) does not count in the page's peak memory.
    # bandit B603: argv list of sys.executable and our own module
    done = subprocess.run(  # nosec B603
        [sys.executable, "-m", "bench.synthetic", "--audits", str(audits), "--database-url", database_url],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _save_ms(database_url: str, saves: int) -> tuple[float | None, str | None]:
    try:
        from bench.save import median_save_ms
    except ImportError:
        return None, "bench/save.py is not there yet"
    try:
        return round(median_save_ms(database_url, saves=saves), 1), None
    except Exception as exc:  # the other feature's benchmark failing must not hide these figures
        return None, f"bench.save failed: {exc}"


def _check(page: dict) -> str:
    if page.get("cold_ms") is None:
        return page.get("error", "")
    cold, warm, sql, naive = page["cold_ms"], page["warm_ms"], page["sql_ms"], page.get("naive_ms")
    marks = [f"sql {'ok' if sql <= 150 else 'SLOW'}",
             f"cold {'ok' if cold <= 1.5 * sql + 50 else 'SLOW'} (limit {1.5 * sql + 50:.0f})",
             f"warm {'ok' if warm <= 50 else 'SLOW'}"]
    if naive:
        marks.append(f"vs naive {cold / naive:.2f}x")
    return ", ".join(marks)


def _an_audit(database_url: str) -> int | None:
    """A submitted audit of the bench manager's team, which every role that may open an audit may see."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT a.id FROM audit a JOIN managed_team m ON m.team_id = a.team_id "
                "JOIN \"user\" u ON u.id = m.user_id WHERE u.username = 'bench_manager' AND a.status = 'submitted' "
                "ORDER BY a.id LIMIT 1")).scalar()
    except Exception:
        return None
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, required=True, help="how many synthetic audits to build")
    parser.add_argument("--database-url", help="default: a SQLite file in the temp folder, rebuilt every run")
    parser.add_argument("--reuse", action="store_true", help="time an existing benchmark database as it is")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (the median is reported)")
    parser.add_argument("--naive-repeat", type=int, default=3)
    parser.add_argument("--saves", type=int, default=200, help="audit submissions timed for save_ms (0: skip)")
    parser.add_argument("--pages", help="comma-separated page names, e.g. actions/support (default: every page "
                                        "and role; 'none' for none)")
    parser.add_argument("--no-interactions", action="store_true")
    parser.add_argument("--interactions", help="comma-separated name prefixes of the interactions to time, e.g. "
                                               "risks_open_tab,heatmap (default: every one)")
    parser.add_argument("--no-exports", action="store_true")
    parser.add_argument("--no-board-report", action="store_true")
    args = parser.parse_args(argv)

    database_url = args.database_url or _default_url(args.audits)
    started = time.perf_counter()
    built = _build(database_url, args.audits, args.reuse)
    build_s = round(time.perf_counter() - started, 1)

    # The pages run outside demo mode, as a council's server does; Streamlit's notes about
    # running without a server (AppTest) would only bury the table.
    os.environ["STREAMLIT_LOGGER_LEVEL"] = "error"
    os.environ["DATABASE_URL"] = database_url
    os.environ["AUDIT_DEMO_MODE"] = "0"
    os.environ.setdefault("AUDIT_COOKIE_KEY", secrets.token_urlsafe(48))

    from bench.interactions import BOARD_REPORT_LIMITS, time_board_report, time_exports, time_interactions
    from bench.measure import StatementLog, peak_rss_mb, time_naive, time_page
    from bench.pages import PAGES
    from db.engine import get_engine

    wanted = set(args.pages.split(",")) if args.pages else None
    chosen = [p for p in PAGES if wanted is None or p.name in wanted or p.name.split("/")[0] in wanted]
    engine = get_engine(database_url)
    audit_id = _an_audit(database_url)
    log = StatementLog()
    timings = []
    for page in chosen:
        query = {k: v.format(audit_id=audit_id) for k, v in page.query.items()}
        timings.append(time_page(page, database_url, engine, log, args.repeat, args.naive_repeat, query))
        print(f"  {page.name}: {timings[-1].as_json()}", file=sys.stderr, flush=True)
    only = set(args.interactions.split(",")) if args.interactions else None
    interactions = {} if args.no_interactions else time_interactions(engine, args.repeat, only)
    exports = {} if args.no_exports else time_exports(engine, args.repeat)
    board_report = {} if args.no_board_report else time_board_report(engine, args.repeat)
    pages_peak = peak_rss_mb()
    for page, timing in zip(chosen, timings):
        if timing.error is None:
            timing.naive_ms = time_naive(page, database_url, args.naive_repeat)
    naive_peak = peak_rss_mb()
    log.close()
    save_ms, save_note = _save_ms(database_url, args.saves) if args.saves else (None, "skipped")

    result = {
        "audits": args.audits,
        "pages": {t.name: t.as_json() for t in timings},
        "interactions": interactions,
        "exports": exports,
        "board_report": board_report,
        "save_ms": save_ms,
        "peak_rss_mb": round(pages_peak, 1),
        "peak_rss_with_naive_mb": round(naive_peak, 1),
        "database": "sqlite" if database_url.startswith("sqlite") else database_url.split(":", 1)[0],
        "build_s": build_s,
        "built": built,
        "load_average": round(os.getloadavg()[0], 2),
        "repeat": args.repeat,
    }
    if save_note:
        result["save_note"] = save_note

    print(f"Benchmark: {args.audits:,} audits on {result['database']} (built in {build_s} s); "
          f"median of {args.repeat} runs; load average {result['load_average']}")
    print(f"Targets at 100,000 audits: {TARGETS}")
    header = (f"{'page/role':<26} {'cold ms':>9} {'warm ms':>9} {'sql ms':>9} {'stmts':>6} {'naive ms':>9} "
              f"{'cold cpu':>9} {'warm cpu':>9}  check")
    print(header)
    print("-" * len(header))
    for name, page in result["pages"].items():
        cells = [f"{page[k]:>9.1f}" if page.get(k) is not None else f"{'-':>9}"
                 for k in ("cold_ms", "warm_ms", "sql_ms")]
        naive = f"{page['naive_ms']:>9.1f}" if page.get("naive_ms") is not None else f"{'-':>9}"
        cpu = [f"{page[k]:>9.1f}" if page.get(k) is not None else f"{'-':>9}" for k in ("cold_cpu_ms", "warm_cpu_ms")]
        print(f"{name:<26} {' '.join(cells)} {page.get('statements', 0):>6} {naive} {' '.join(cpu)}  {_check(page)}")
    for title, figures, limit in (("interaction", interactions, 300), ("export", exports, 3000)):
        for name, figure in figures.items():
            median = figure.get("median_ms")
            rows = f" {figure['rows']:>7,} rows" if "rows" in figure else ""
            verdict = figure.get("error") or ("ok" if median <= limit else "SLOW")
            cpu = f" (cpu {figure['cpu_ms']} ms)" if figure.get("cpu_ms") is not None else ""
            again = f", again {figure['warm_ms']} ms" if figure.get("warm_ms") is not None else ""
            print(f"{title} {name:<46} {median if median is not None else '-':>9} ms{cpu}{again}{rows}  {verdict}")
    for name, figure in board_report.items():
        limit = BOARD_REPORT_LIMITS.get(name)
        verdict = "" if limit is None else ("ok" if figure["median_ms"] <= limit else "SLOW") + f" (limit {limit})"
        size = f" {figure['kb']:>5} KB" if "kb" in figure else ""
        print(f"board report {name:<20} {figure['median_ms']:>9} ms (cpu {figure['cpu_ms']} ms){size}  {verdict}")
    print(f"save_ms: {save_ms if save_ms is not None else 'n/a'}"
          f"{'' if not save_note else ' (' + save_note + ')'}; peak memory {result['peak_rss_mb']} MB "
          f"({result['peak_rss_with_naive_mb']} MB after the naive baselines)")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
