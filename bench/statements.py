"""Each SQL statement of one page's cold run, timed on its own: where a page's SQL goes.

    python -m bench.statements progress/sponsor --database-url sqlite:////work/bench/bench-100000.db

Runs the page once as the bench's user of that role (``bench.pages``), clears the query caches,
records the statements of one cold run (``bench.measure.StatementLog``), then replays each one
``--repeat`` times on a raw connection, fetching every row, and prints the fastest time of each,
slowest first, with the rows it returned. The figures of docs/benchmark.md's sixth round per
statement come from this.
"""
from __future__ import annotations

import argparse
import os
import secrets
import time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.statements", description=__doc__.splitlines()[0])
    parser.add_argument("page", help="a page/role of bench.pages, e.g. progress/sponsor")
    parser.add_argument("--database-url", required=True, help="a database built by python -m bench.synthetic")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--width", type=int, default=160, help="characters of each statement to print")
    args = parser.parse_args(argv)
    os.environ.update(STREAMLIT_LOGGER_LEVEL="error", DATABASE_URL=args.database_url, AUDIT_DEMO_MODE="0")
    os.environ.setdefault("AUDIT_COOKIE_KEY", secrets.token_urlsafe(48))

    from bench.__main__ import _fresh_bench_sign_ins
    from bench.measure import StatementLog, _run, _signed_in, clear_caches
    from bench.pages import PAGES
    from db.engine import get_engine

    page = next((p for p in PAGES if p.name == args.page), None)
    if page is None:
        parser.error(f"no page {args.page!r}; one of: {', '.join(p.name for p in PAGES)}")
    _fresh_bench_sign_ins(args.database_url)  # as python -m bench does: not signed out for idleness
    log = StatementLog()
    at = _signed_in(page.path, page.user, dict(page.query))
    _run(at)  # imports and the session, untimed
    clear_caches()
    log.start()
    cold = _run(at)
    statements = log.stop()
    log.close()
    connection = get_engine(args.database_url).raw_connection()
    timed = []
    try:
        cursor = connection.cursor()
        for statement, parameters in statements:
            best, rows = float("inf"), 0
            for _ in range(args.repeat):
                started = time.perf_counter()
                cursor.execute(statement, parameters)
                rows = len(cursor.fetchall())
                best = min(best, time.perf_counter() - started)
            timed.append((best * 1000, rows, " ".join(statement.split())))
        connection.rollback()
    finally:
        connection.close()
    print(f"{args.page}: cold run {cold:.0f} ms, {len(timed)} statements, "
          f"{sum(ms for ms, _, _ in timed):.0f} ms of SQL (fastest of {args.repeat} each)")
    for ms, rows, text in sorted(timed, reverse=True)[:args.top]:
        print(f"{ms:8.1f} ms {rows:7} rows  {text[:args.width]}")


if __name__ == "__main__":
    main()
