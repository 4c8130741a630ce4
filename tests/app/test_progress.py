"""AppTest: the Progress page under each role, its period picker, presentation mode and the board report."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text
from sqlmodel import Session, select

from core.board_report import build_board_report
from core.board_report_tables import report_tables
from core.periods import percent
from core.progress_findings import headlines
from db.engine import get_engine
from db.models import Event, Practitioner, Programme
from db.queries.progress import progress_report
from tests.app.conftest import page_test, texts
from tests.conftest import DEMO_TODAY, demo_month, demo_week

PAGE = "pages/progress.py"
ALLOWED = ["sponsor", "admin", "auditor", "manager"]


@pytest.fixture(autouse=True)
def demo_today(monkeypatch):
    """The page's 'today' is the day the demo was seeded, so figures are the data tests' figures."""
    monkeypatch.setattr("ui.widgets.today", lambda: DEMO_TODAY)


def _practitioner_names(url: str) -> list[str]:
    with Session(get_engine(url)) as session:
        return [p.name for p in session.exec(select(Practitioner)).all()]


def _tiles(at) -> dict[str, str]:
    """The headline tiles as a user reads them: label -> the large figure, then what is under it in
    the same tile ("22%" and "of 168 audits · Month 2" read "22% of 168 audits · Month 2")."""
    tiles = {}
    for node in at.main:
        children = list(getattr(node, "children", {}).values())
        metrics = [child for child in children if child.type == "metric"]
        if len(metrics) == 1:
            under = [child.value for child in children if child.type == "caption"]
            tiles[metrics[0].label] = " ".join([metrics[0].value, *under])
    return tiles


def _tile_parts(at) -> dict[str, tuple[str, str]]:
    """label -> (the large figure, what is written under it)."""
    parts = {}
    for node in at.main:
        children = list(getattr(node, "children", {}).values())
        metrics = [child for child in children if child.type == "metric"]
        if len(metrics) == 1:
            parts[metrics[0].label] = (metrics[0].value,
                                       " ".join(child.value for child in children if child.type == "caption"))
    return parts


# The page's sections, as tabs, in order (README, "Progress"); each is built and drawn only when open.
SECTIONS = ["Audits against the plan", "Is practice improving?", "Moderation, actions and support"]


def _open_section(at, title: str):
    at.session_state["progress_section"] = title
    return at.run()


def _in_every_section(at, read) -> list:
    """``read(at)`` of each section in turn, joined: what a user sees after opening every tab."""
    seen = []
    for title in SECTIONS:
        seen += read(_open_section(at, title))
    return seen


def _charts(at) -> int:
    return len(at.get("vega_lite_chart"))


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("username", ALLOWED)
def test_each_allowed_role_sees_aggregates_only(username, app_db):
    at = page_test(PAGE, username).run()
    assert not at.exception
    assert at.title[0].value == "Progress"
    shown = texts(at)
    assert demo_month(3) in shown  # the month under way: "Month 3 (weeks 9-12), 2 Nov - 29 Nov 2026" on 26 Nov
    assert len(at.metric) == 8
    assert not re.search(r"LCS\d{6}", shown)
    for name in _practitioner_names(app_db):
        assert name not in shown
    assert [tab.label for tab in at.tabs] == SECTIONS
    assert _charts(at) == 2  # the first section's: the plan and the themes
    # Every chart has a finding for a title and a caption with n and the period.
    captions = _in_every_section(at, lambda at: [c.value for c in at.caption if c.value.startswith("n = ")])
    assert len(captions) == 9 and all("Month 3" in c for c in captions)
    _open_section(at, "Is practice improving?")
    red = [s.value for s in at.subheader if s.value.startswith("Red audits ")]
    assert _charts(at) == 3 and red  # the RAG chart's finding titles it
    if username != "manager":  # the demo's story, programme-wide: practice improves. One team's may not.
        assert red[0].startswith("Red audits fell from")
    if username == "manager":
        assert "the teams you manage" in shown
        assert int(_metrics(at)["External audits"]) < 136
        assert "targets are the whole programme's" in shown
    else:
        assert _tiles(at)["External audits to date"] == "386 of 396 weeks 1-12"


def test_support_is_refused():
    at = page_test(PAGE, "support").run()
    assert any("do not have access" in e.value for e in at.error)
    assert len(at.metric) == 0 and len(at.dataframe) == 0


def test_month_2_on_the_page_is_month_2_in_the_database(app_db):
    at = page_test(PAGE, "sponsor")
    at.query_params["period"] = "m2"
    at.run()
    assert at.selectbox(key="progress_period").value == "m2"
    metrics = _metrics(at)
    assert metrics["External audits"] == "136"
    assert metrics["External audits to date"] == "250 of 396"
    # Each tile says its period under its figure.
    assert _tiles(at)["External audits"] == "136 Month 2"
    assert _tiles(at)["External audits to date"] == "250 of 396 weeks 1-8"
    with Session(get_engine(app_db)) as session:
        from core.periods import parse_period

        programme = session.exec(select(Programme)).first()
        period = parse_period("m2", programme.start_date, programme.weeks, DEMO_TODAY)
        report = progress_report(session, _sponsor(session), period, DEMO_TODAY)
    red = next(h for h in headlines(report) if h.label == "Red audits (Inadequate overall)")
    # A share's tile: the percentage large, its n under it in the same tile.
    assert metrics["Red audits"] == percent(red.number)
    assert _tiles(at)["Red audits"] == f"{red.value} · Month 2"
    assert red.value == f"{percent(red.number)} of {report.current.rag.total} audits"
    assert "What changed since Month 1 (weeks 1-4)" in texts(at)


def _sponsor(session):
    from core.authz import Role, Scope
    from db.users import get_user

    return Scope(get_user(session, "sponsor").id, "sponsor", frozenset({Role.SPONSOR}))


def test_choosing_another_period_redraws_and_keeps_it_in_the_url():
    at = page_test(PAGE, "sponsor").run()
    at.selectbox(key="progress_period").set_value("m1").run()
    assert at.query_params["period"] == "m1"
    shown = texts(at)
    assert demo_month(1) in shown
    assert "What happened in the period" in shown  # nothing before month 1 to compare with
    assert _tiles(at)["External audits"] == "114 Month 1"
    # The calendar month of the programme's week 5 (October 2026 on the reference day) against the month before.
    month = demo_week(5)[0].replace(day=1)
    before = (month - timedelta(days=1)).replace(day=1)
    last = (month + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    at.selectbox(key="progress_period").set_value(f"{month:%Y-%m}").run()
    assert f"{month:%B %Y}, 1 {month:%b} - {last.day} {last:%b %Y}" in texts(at)
    assert f"What changed since {before:%B %Y}" in texts(at)


def test_other_dates_can_be_chosen():
    at = page_test(PAGE, "sponsor").run()
    at.selectbox(key="progress_period").set_value("custom").run()
    from datetime import date

    at.date_input(key="progress_custom_dates").set_value((date(2026, 10, 5), date(2026, 10, 18))).run()
    assert at.query_params["period"] == "2026-10-05..2026-10-18"
    shown = texts(at)
    assert "5 Oct - 18 Oct 2026" in shown
    assert "What changed since 21 Sep - 4 Oct 2026" in shown  # as many days just before


def test_presentation_mode_shows_one_slide_at_a_time():
    at = page_test(PAGE, "sponsor")
    at.query_params["period"] = "m2"
    at.run()
    at.toggle(key="progress_present_toggle").set_value(True).run()
    assert at.query_params["present"] == "1" and at.query_params["slide"] == "1"
    assert at.title[0].value == "Progress: Month 2 (weeks 5-8)"
    assert len(at.metric) == 8 and len(at.get("vega_lite_chart")) == 0
    assert not any(b.label == "Prepare the board report" for b in at.button)
    at.button(key="progress_next").click().run()
    assert at.query_params["slide"] == "2"
    assert len(at.get("vega_lite_chart")) == 1 and len(at.metric) == 0
    assert at.header[0].value.startswith("250 of 396 planned audits done by the end of week 8")
    assert "slide 2 of 10" in texts(at)
    for _ in range(12):  # Next stops at the last slide
        if at.button(key="progress_next").disabled:
            break
        at.button(key="progress_next").click().run()
    assert at.query_params["slide"] == "10"
    assert "looked at work from the 7 days before" in at.header[0].value
    at.button(key="progress_previous").click().run()
    assert at.query_params["slide"] == "9"
    at.toggle(key="progress_present_toggle").set_value(False).run()
    assert "present" not in at.query_params
    assert at.title[0].value == "Progress" and _charts(at) == 2
    assert _charts(_open_section(at, "Moderation, actions and support")) == 4


def test_the_open_section_stays_open_when_the_period_changes():
    at = _open_section(page_test(PAGE, "sponsor").run(), "Moderation, actions and support")
    assert _charts(at) == 4
    at.selectbox(key="progress_period").select("m2").run()
    assert at.query_params["period"] == "m2"
    assert _charts(at) == 4 and any("Month 2" in c.value for c in at.caption if c.value.startswith("n = "))


def test_preparing_the_board_report_shows_progress_logs_it_and_offers_both_files(app_db):
    at = page_test(PAGE, "sponsor", timeout=180)
    at.query_params["period"] = "m2"
    at.run()
    assert not at.get("download_button")
    at.button(key="progress_prepare_report").click().run()
    assert not at.exception
    assert [s.label for s in at.get("status")][0].startswith("Board report ready in ")
    assert [b.proto.label for b in at.get("download_button")] == ["Download PDF", "Download Excel"]
    with Session(get_engine(app_db)) as session:
        events = session.exec(select(Event).where(Event.action == "board_report.prepared")).all()
    assert [(e.username, e.object_id) for e in events] == [("sponsor", "m2")]
    assert events[0].after["period"] == demo_month(2)


def test_every_number_on_the_dashboard_is_in_the_report(app_db):
    """Done when: the sponsor's report for month 2 matches the dashboard, number for number."""
    at = page_test(PAGE, "sponsor")
    at.query_params["period"] = "m2"
    at.run()
    metrics = _tiles(at)
    assert len(metrics) == 8
    frames = _in_every_section(at, lambda at: [frame.value for frame in at.dataframe])
    with Session(get_engine(app_db)) as session:
        from core.periods import parse_period

        programme = session.exec(select(Programme)).first()
        report = progress_report(session, _sponsor(session),
                                 parse_period("m2", programme.start_date, programme.weeks, DEMO_TODAY), DEMO_TODAY)
    files = build_board_report(report)
    pdf_text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(files.pdf)).pages))
    headline_rows = {h.tile_label: h for h in headlines(report)}
    for label, (figure, under) in _tile_parts(at).items():
        headline = headline_rows[label]
        # The figure, with a share's n under it, is the report's value; then the tile's period.
        value, _, period = f"{figure} {under}".partition(" · ") if " · " in under else (figure, "", under)
        assert value == headline.value
        assert period in ("Month 2", f"weeks 1-{report.through_week}")
        assert f"{headline.label} {value}" in pdf_text
    workbook = load_workbook(io.BytesIO(files.xlsx))
    tables = {tuple(t.columns): t for t in report_tables(report)[1:]}
    assert len(frames) == len(tables)
    for frame in frames:
        table = tables[tuple(frame.columns)]
        sheet = next(ws for ws in workbook.worksheets if tuple(c.value for c in ws[1]) == tuple(table.columns))
        cells = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
        page_cells = frame.astype(object).where(frame.notna(), None).values.tolist()
        assert len(cells) == len(page_cells) > 0, table.title
        for page_row, sheet_row in zip(page_cells, cells):
            for shown, stored in zip(page_row, sheet_row):
                if isinstance(stored, datetime):
                    stored = stored.date()
                assert shown == stored, (table.title, page_row, sheet_row)


def test_without_a_programme_the_page_says_so(app_db):
    with Session(get_engine(app_db)) as session:
        for programme in session.exec(select(Programme)).all():
            programme.active = False
            session.add(programme)
        session.commit()
    at = page_test(PAGE, "sponsor").run()
    assert not at.exception
    assert "No programme has been set up yet" in texts(at)
    assert len(at.metric) == 0


# ------------------------------------------------------------------ small teams withheld from sponsors
# Two days, the Monday and Tuesday of the demo's week 9 (2 and 3 Nov 2026 on the reference day):
# several teams have only 1 or 2 audits.
SMALL_FIRST = demo_week(9)[0].isoformat()
SMALL_LAST = (demo_week(9)[0] + timedelta(days=1)).isoformat()
SMALL_PERIOD = f"{SMALL_FIRST}..{SMALL_LAST}"


def _audits_by_team(url: str, first: str, last: str) -> dict[str, int]:
    """Submitted audits per team in the dates, counted from the stored rows."""
    with Session(get_engine(url)) as session:
        rows = session.exec(text(
            "SELECT team.name, COUNT(*) FROM audit JOIN team ON team.id = audit.team_id "
            "WHERE audit.status = 'submitted' AND audit.audit_date BETWEEN :first AND :last GROUP BY team.name"
        ).bindparams(first=first, last=last)).all()
    return dict(rows)


def _team_frame(at):
    at = _open_section(at, "Is practice improving?")
    return next(f.value for f in at.dataframe if "Actions raised" in f.value.columns)


def test_a_sponsor_receives_no_figure_of_a_team_with_fewer_than_3_audits(app_db):
    counts = _audits_by_team(app_db, SMALL_FIRST, SMALL_LAST)
    small = {team for team, n in counts.items() if n < 3}
    assert small and any(n >= 3 for n in counts.values()), counts  # the period shows both cases
    at = page_test(PAGE, "sponsor")
    at.query_params["period"] = SMALL_PERIOD
    at.run()
    assert not at.exception
    frame = _team_frame(at).set_index("Team")
    numbers = [c for c in frame.columns if c != "Note"]
    for team in small:
        # Everything the browser receives for the team: no count, no share, no rate; only why.
        assert frame.loc[team, numbers].isna().all(), frame.loc[team].to_dict()
        assert frame.loc[team, "Note"] == "fewer than 3 audits"
    for team, row in frame.iterrows():
        if row["Note"] is None or row["Note"] != row["Note"]:  # shown: at least 3 audits, as counted
            assert row["External"] + row["Internal"] == counts[team] >= 3
        else:
            assert row["Note"] in ("fewer than 3 audits", "withheld with a team of fewer than 3 audits")
    assert "fewer than 3 audits" in texts(at)


def test_an_auditor_sees_every_team_of_the_same_period(app_db):
    counts = _audits_by_team(app_db, SMALL_FIRST, SMALL_LAST)
    at = page_test(PAGE, "auditor")
    at.query_params["period"] = SMALL_PERIOD
    at.run()
    frame = _team_frame(at).set_index("Team")
    for team, n in counts.items():
        assert frame.loc[team, "External"] + frame.loc[team, "Internal"] == n
    assert frame["Note"].isna().all()
