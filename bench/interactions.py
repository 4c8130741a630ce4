"""The interactions users wait on, and every export, timed the way the app runs them.

An interaction is one widget change on a page that is already open (the page's
other cached figures warm, as for a user at a server), timed from the widget
change to the end of the rerun. Each repetition asks for something not asked
before (another team, another action), so the query behind it is not a cache hit.

Exports are the functions the download buttons call when clicked, on every row
the data gives (the whole programme for an auditor or support).
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from sqlmodel import Session, select

from bench.measure import LAST_CPU_MS, clear_caches, run_timed, signed_in
from bench.save import DraftSaver

# Tabs whose opening reruns the page (``st.tabs(..., key=..., on_change="rerun")``), most of them built
# only while open: opening one is a run of its own, which the pages' timings (each page on its first
# tab) do not see. Each is timed as a user's
# first look at it: the data caches emptied and the page's first tab drawn again (untimed), then the
# tab opened. Page, tab-bar key, user (the widest scope that may open the page), the tabs after the first.
LAZY_TABS = {
    "actions": ("pages/actions.py", "actions_tab", "bench_auditor",
                ("Update several", "Chase list", "Counts by team and owner", "Charts")),
    "progress": ("pages/progress.py", "progress_section", "bench_auditor",
                 ("Is practice improving?", "Moderation, actions and support")),
    "agreement": ("pages/agreement.py", "agreement_tab", "bench_auditor", ("Feedback log", "Feedback on my audits")),
    "risks": ("pages/risks.py", "risks_tab", "bench_auditor", ("Suggested agenda",)),
    "admin_teams": ("pages/admin_teams.py", "admin_teams_tab", "bench_admin", ("Practitioners",)),
    "meetings": ("pages/meetings.py", "meetings_tab", "bench_auditor", ("Counts by week", "History")),
}


def _median(samples: list[float], cpu: list[float]) -> dict:
    return {"median_ms": round(statistics.median(samples), 1), "min_ms": round(min(samples), 1),
            "cpu_ms": round(statistics.median(cpu), 1), "samples": len(samples)}


def _team_ids(engine) -> list[int]:
    from db.models import Team

    with Session(engine) as session:
        return list(session.exec(select(Team.id).order_by(Team.id)))


def _repeat(path: str, user: str, repeat: int, prepare: Callable, act: Callable) -> dict:
    """Open ``path`` as ``user`` once (untimed), then per repetition: ``prepare(at, i)`` and a run
    (untimed), ``act(at, i)`` and a timed run."""
    at = signed_in(path, user)
    run_timed(at)
    samples, cpu = [], []
    for i in range(repeat):
        if prepare(at, i):
            run_timed(at)
        act(at, i)
        samples.append(run_timed(at))
        cpu.append(LAST_CPU_MS[0])
    return _median(samples, cpu)


def _tab_opens(path: str, key: str, user: str, tabs: dict[str, str], repeat: int) -> dict:
    """Open each of ``tabs`` ({interaction name: tab title}) of ``path`` as ``user``, its figures not
    cached; ``warm_ms``: the same tab opened again. One session for the page's tabs."""
    at = signed_in(path, user)
    run_timed(at)
    first = at.session_state[key]
    results = {}
    for name, tab in tabs.items():
        samples, cpu, warm = [], [], []
        for _ in range(repeat):
            clear_caches()
            at.session_state[key] = first
            run_timed(at)
            at.session_state[key] = tab
            samples.append(run_timed(at))
            cpu.append(LAST_CPU_MS[0])
            at.session_state[key] = first
            run_timed(at)
            at.session_state[key] = tab
            warm.append(run_timed(at))
        results[name] = {**_median(samples, cpu), "warm_ms": round(statistics.median(warm), 1)}
    return results


def time_interactions(engine, repeat: int, only: set[str] | None = None) -> dict:
    """Every interaction, or those whose name starts with one of ``only``."""

    def wanted(name: str) -> bool:
        return only is None or any(name.startswith(prefix) for prefix in only)

    teams = _team_ids(engine)

    def team(i: int) -> int:
        return teams[(i + 1) % len(teams)]

    def no_prepare(at, i):
        return False

    def set_overdue_off(at, i):
        at.toggle(key="actions_filter_overdue").set_value(False)
        at.multiselect(key="actions_filter_team").set_value([team(i)])
        return True

    def open_prepare(at, i):
        return False

    def open_action(at, i):
        frame = next(d.value for d in at.dataframe if "Action no." in d.value.columns)
        at.selectbox(key="actions_list_pick").set_value(int(frame["Action no."].iloc[i % len(frame)]))

    drafts = None

    def new_case(at, i):
        nonlocal drafts
        drafts = drafts or DraftSaver(engine)
        drafts.new_case()  # a write every report sees: the untimed run after it is a cold one
        return True

    def someone_saves_a_draft(at, i):
        drafts.save()

    results = {}
    for page, (path, key, user, tabs) in LAZY_TABS.items():
        names = {f"{page}_open_tab_" + "_".join(tab.lower().replace("?", "").replace(",", "").split()): tab
                 for tab in tabs}
        names = {name: tab for name, tab in names.items() if wanted(name)}
        if not names:
            continue
        try:
            results.update(_tab_opens(path, key, user, names, repeat))
        except Exception as exc:  # report and go on with the others
            results.update({name: {"median_ms": None, "error": str(exc)[:300]} for name in names})
    steps = {
        "heatmap_filter_change": ("pages/heatmaps.py", "bench_auditor", no_prepare,
                                  lambda at, i: at.multiselect(key="heatmaps_filter_teams").set_value([team(i)])),
        "actions_filter_change": ("pages/actions.py", "bench_support", no_prepare,
                                  lambda at, i: at.multiselect(key="actions_filter_team").set_value([team(i)])),
        "actions_overdue_only": ("pages/actions.py", "bench_support", set_overdue_off,
                                 lambda at, i: at.toggle(key="actions_filter_overdue").set_value(True)),
        "actions_open_one": ("pages/actions.py", "bench_support", open_prepare, open_action),
        "agreement_filter_change": ("pages/agreement.py", "bench_auditor", no_prepare,
                                    lambda at, i: at.multiselect(key="agreement_stats_teams").set_value([team(i)])),
        # The next run of a report after another auditor's autosave (ui/cache.py: reports read submitted audits
        # only, so a draft leaves their caches alone).
        **{f"{page}_after_a_draft": (f"pages/{page}.py", "bench_auditor", new_case, someone_saves_a_draft)
           for page in ("overview", "heatmaps", "progress", "actions", "agreement")},
    }
    for name, (path, user, prepare, act) in steps.items():
        if not wanted(name):
            continue
        try:
            results[name] = _repeat(path, user, repeat, prepare, act)
        except Exception as exc:  # report and go on with the others
            results[name] = {"median_ms": None, "error": str(exc)[:300]}
    return results


def _timed(build: Callable[[], tuple[bytes, int]], repeat: int) -> dict:
    samples, cpu, rows, size = [], [], 0, 0
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        data, rows = build()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        size = len(data)
    return {**_median(samples, cpu), "rows": rows, "kb": round(size / 1024)}


def time_exports(engine, repeat: int) -> dict:
    """Every export the app offers, built as its download button builds it, over all the data."""
    from core import clock
    from core.exports import to_csv, to_xlsx
    from db.event_log import EventFilter, export_events, search_events
    from db.moderation.stats import FeedbackRow, feedback_log
    from db.queries import actions as action_queries
    from db.users import load_signed_in
    from ui import actions as ui_actions

    today = clock.today()
    with Session(engine) as session:
        support = load_signed_in(session, "bench_support").scope
        auditor = load_signed_in(session, "bench_auditor").scope
        admin_scope = load_signed_in(session, "bench_admin").scope
        total, overdue = action_queries.count_actions(session, support, action_queries.ActionFilters(), today)

    def feedback(fmt: str) -> tuple[bytes, int]:
        with Session(engine) as session:
            log = feedback_log(session, auditor)
        values = [r.cells() for r in log]
        sheet = (FeedbackRow.COLUMNS, values)
        return (to_xlsx({"Moderation feedback": sheet}) if fmt == "xlsx" else to_csv(*sheet)), len(values)

    def events(fmt: str) -> tuple[bytes, int]:
        with Session(engine) as session:
            data = export_events(session, admin_scope, EventFilter(), fmt)
            _, count = search_events(session, admin_scope, EventFilter(), limit=1)
        return data, count

    everything = action_queries.ActionFilters()
    builds = {
        "actions_csv": lambda: (ui_actions.list_csv_file(support, everything, today), total),
        "actions_xlsx": lambda: (ui_actions.list_xlsx_file(support, everything, today), total),
        "chase_csv": lambda: (ui_actions.chase_csv_file(support, today, False), overdue),
        "chase_xlsx": lambda: (ui_actions.chase_xlsx_file(support, today, False), overdue),
        "feedback_csv": lambda: feedback("csv"),
        "feedback_xlsx": lambda: feedback("xlsx"),
        "event_log_csv": lambda: events("csv"),
        "event_log_xlsx": lambda: events("xlsx"),
    }
    results = {}
    for name, build in builds.items():
        try:
            results[name] = _timed(build, repeat)
        except Exception as exc:
            results[name] = {"median_ms": None, "error": str(exc)[:300]}
    return results


BOARD_REPORT_LIMITS = {"figures": 500, "prepare": 3000}  # ms (issue 16): prepare = charts + PDF + workbook


def time_board_report(engine, repeat: int) -> dict:
    """The monthly board report for a sponsor, month under way, as the Progress page builds it:
    ``figures`` (the report read from the database, no cache), then what "Prepare the board report"
    does: ``charts`` (nine PNGs, drawn once for both files), ``pdf`` and ``workbook`` (writing each
    file from the charts) and ``prepare``, the three together, which is what the user waits for."""
    from core import clock
    from core.board_report import render_charts
    from core.board_report_pdf import build_pdf
    from core.board_report_workbook import build_xlsx
    from core.periods import default_period
    from db.queries.progress import programme_dates, progress_report
    from db.users import load_signed_in

    today = clock.today()
    with Session(engine) as session:
        sponsor = load_signed_in(session, "bench_sponsor").scope
        start, weeks = programme_dates(session)
    period = default_period(start, weeks, today)
    steps: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in ("figures", "charts", "pdf", "workbook")}

    def timed(name: str, build: Callable):
        started, cpu_started = time.perf_counter(), time.process_time()
        value = build()
        steps[name][0].append((time.perf_counter() - started) * 1000)
        steps[name][1].append((time.process_time() - cpu_started) * 1000)
        return value

    sizes = {}
    for _ in range(repeat):
        with Session(engine) as session:
            report = timed("figures", lambda: progress_report(session, sponsor, period, today))
        charts = timed("charts", lambda: render_charts(report))
        pdf = timed("pdf", lambda: build_pdf(report, charts))
        xlsx = timed("workbook", lambda: build_xlsx(report, charts))
        sizes = {"pdf": round(len(pdf) / 1024), "workbook": round(len(xlsx) / 1024)}
    # What the user waits for after the click: the three steps of each repetition, added up.
    steps["prepare"] = tuple([sum(run) for run in zip(*(steps[k][i] for k in ("charts", "pdf", "workbook")))]
                             for i in (0, 1))
    result = {name: _median(*samples) for name, samples in steps.items()}
    for name, kb in sizes.items():
        result[name]["kb"] = kb
    result["figures"]["period"] = period.title
    return result
