"""Data layer of the RAG heatmaps, on SQLite and PostgreSQL: aggregates against hand-counted fixtures.

The fixture (``_fixture``) is small enough to count by hand; the expected figures
in each test are worked out in its comments. Grades are the moderated ones
wherever an audit was moderated.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, select

from core.authz import Role, Scope
from core.heatmap import AuditKind, CellCounts, Colour, View, highest_red_rate
from core.heatmap_filters import HeatmapFilters
from core.templates import LIVED_EXPERIENCE_DOMAIN
from db import migrate
from db.demo_story import DEMO_MANAGER_TEAM
from db.engine import get_engine, write_session
from db.models import (
    Answer, Audit, Case, Practitioner, Programme, Question, TemplateVersion, Team, Theme, User,
)
from db.queries.heatmap import cell_audits, heatmap, heatmap_counts, heatmap_options
from db.users import create_user

ROOT = Path(__file__).resolve().parents[2]
RISK = "Risk analysis"
LE = LIVED_EXPERIENCE_DOMAIN

# audit key: (team, theme, practitioner, kind, date, overall, moderated overall, answers, moderated answers, status)
# answers are (lived experience 1, lived experience 2, risk analysis); 0 = not applicable.
AUDITS = {
    "a1": ("Alpha", "neglect", "Ann Ash", "external", date(2026, 9, 8), 1, None, (1, 1, 2), None, "submitted"),
    "a2": ("Alpha", "neglect", "Ann Ash", "external", date(2026, 9, 9), 1, None, (1, 2, 2), None, "submitted"),
    "a3": ("Alpha", "neglect", "Bob Birch", "internal", date(2026, 9, 15), 3, 1, (3, 3, 3), (1, 2, 3), "submitted"),
    "a4": ("Alpha", "neglect", "Bob Birch", "external", date(2026, 9, 16), 2, None, (2, 0, 2), None, "submitted"),
    "a5": ("Alpha", "risk", "Ann Ash", "external", date(2026, 9, 22), 4, None, (4, 4, 4), None, "submitted"),
    "a6": ("Alpha", "risk", "Ann Ash", "internal", date(2026, 9, 23), 2, 3, (2, 2, 2), (3, 3, 2), "submitted"),
    "a7": ("Beta", "neglect", "Cat Cole", "external", date(2026, 9, 10), 3, None, (3, 3, 3), None, "submitted"),
    "a8": ("Beta", "neglect", "Cat Cole", "external", date(2026, 9, 14), 3, None, (3, 2, 3), None, "submitted"),
    "a9": ("Beta", "neglect", "Cat Cole", "external", date(2026, 9, 17), 2, None, (2, 2, 1), None, "submitted"),
    "a10": ("Beta", "risk", "Cat Cole", "external", date(2026, 9, 17), 1, None, (1, 1, 1), None, "draft"),
}
PROGRAMME_START = date(2026, 9, 7)  # a Monday: a1, a2, a7 are in week 1; a3, a4, a8, a9 week 2; a5, a6 week 3


def _fixture(url: str) -> dict:
    """Write the hand-counted fixture; return the ids tests need."""
    ids: dict = {}
    with write_session(get_engine(url)) as s:
        s.add(Programme(name="Test programme", start_date=PROGRAMME_START, weeks=12))
        teams = {"Alpha": Team(name="Alpha", service_area="North"), "Beta": Team(name="Beta", service_area="South")}
        themes = {"neglect": Theme(code="neglect", name="Neglect"), "risk": Theme(code="risk", name="Risk")}
        s.add_all([*teams.values(), *themes.values()])
        s.flush()
        questions: dict[str, list[Question]] = {}
        for code, theme in themes.items():
            version = TemplateVersion(theme_id=theme.id, version=1)
            s.add(version)
            s.flush()
            questions[code] = [
                Question(template_version_id=version.id, position=i + 1, key=f"q{i + 1}", domain=domain, text="?")
                for i, domain in enumerate((LE, LE, RISK))
            ]
            s.add_all(questions[code])
        practitioners = {
            "Ann Ash": Practitioner(name="Ann Ash", team_id=teams["Alpha"].id),
            "Bob Birch": Practitioner(name="Bob Birch", team_id=teams["Alpha"].id),
            "Cat Cole": Practitioner(name="Cat Cole", team_id=teams["Beta"].id),
        }
        s.add_all(practitioners.values())
        s.flush()
        auditor = create_user(s, actor="test", username="auditor", display_name="Alex Morgan", password="x" * 12,
                              roles={Role.AUDITOR}, check_strength=False, bcrypt_rounds=4)
        manager = create_user(s, actor="test", username="manager", display_name="Sam Patel", password="x" * 12,
                              roles={Role.MANAGER}, managed_team_ids={teams["Alpha"].id}, check_strength=False,
                              bcrypt_rounds=4)
        for key, (team, theme, practitioner, kind, day, overall, moderated, grades, moderated_grades, status) in \
                AUDITS.items():
            case = Case(reference=f"LCS{key.upper()}", team_id=teams[team].id,
                        practitioner_id=practitioners[practitioner].id)
            s.add(case)
            s.flush()
            audit = Audit(
                case_id=case.id, theme_id=themes[theme].id, template_version_id=questions[theme][0].template_version_id,
                kind=kind, auditor_id=(manager if kind == "internal" else auditor).id, team_id=teams[team].id,
                practitioner_id=practitioners[practitioner].id, audit_date=day, status=status, overall_grade=overall,
                moderated_overall_grade=moderated,
            )
            s.add(audit)
            s.flush()
            for index, question in enumerate(questions[theme]):
                s.add(Answer(audit_id=audit.id, question_id=question.id, grade=grades[index],
                             moderated_grade=moderated_grades[index] if moderated_grades else None))
            ids[key] = audit.id
        ids["teams"] = {name: t.id for name, t in teams.items()}
        ids["themes"] = {code: t.id for code, t in themes.items()}
        ids["practitioners"] = {name: p.id for name, p in practitioners.items()}
        ids["manager_id"] = manager.id
    return ids


@pytest.fixture
def fx(db_url):
    ids = _fixture(db_url)
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        yield session, ids


AUDITOR = Scope(1, "auditor", frozenset({Role.AUDITOR}))
SPONSOR = Scope(3, "sponsor", frozenset({Role.SPONSOR}))


def _manager(ids) -> Scope:
    return Scope(ids["manager_id"], "manager", frozenset({Role.MANAGER}), frozenset({ids["teams"]["Alpha"]}))


def _cells(grid) -> dict[tuple[str, str], CellCounts]:
    return {(c.row_label, c.col_label): c.counts for c in grid.cells}


# ------------------------------------------------------------------ team x theme
def test_team_by_theme_counts_by_hand_with_moderated_grades(fx):
    session, _ = fx
    cells = _cells(heatmap_counts(session, AUDITOR, HeatmapFilters()))
    # Alpha x Neglect: a1 R, a2 R, a3 Good moderated to Inadequate -> R, a4 A. Mean (1+1+1+2)/4.
    assert cells[("Alpha", "Neglect")] == CellCounts(audits=4, red=3, amber=1, green=0, graded=4, grade_sum=5)
    # Alpha x Risk: a5 G (4), a6 RI moderated to Good -> G (3). Two audits: too few to judge.
    assert cells[("Alpha", "Risk")] == CellCounts(audits=2, red=0, amber=0, green=2, graded=2, grade_sum=7)
    assert cells[("Alpha", "Risk")].suppressed
    # Beta x Neglect: a7 G, a8 G, a9 A. Beta x Risk: a10 is a draft, so no cell at all.
    assert cells[("Beta", "Neglect")] == CellCounts(audits=3, red=0, amber=1, green=2, graded=3, grade_sum=8)
    assert not cells[("Beta", "Neglect")].suppressed
    assert ("Beta", "Risk") not in cells
    assert cells[("Alpha", "Neglect")].rag(Colour.SHARE).value == "R"  # 3 of 4 Red


def test_every_role_receives_suppressed_cells_without_their_grades(fx):
    session, ids = fx
    manager = _manager(ids)
    for scope in (AUDITOR, manager, SPONSOR):
        cells = _cells(heatmap(session, scope, HeatmapFilters()))
        # Alpha x Risk: two audits (a5 Outstanding, a6 moderated Good): nothing of them travels.
        assert cells[("Alpha", "Risk")] == CellCounts(audits=0, withheld=True)
        assert cells[("Alpha", "Risk")].judgement() == "fewer than 3 audits"
        # Alpha x Neglect: four audits, judged as counted by hand above.
        assert cells[("Alpha", "Neglect")] == CellCounts(audits=4, red=3, amber=1, green=0, graded=4, grade_sum=5)
    weeks = _cells(heatmap(session, AUDITOR, HeatmapFilters(view=View.TEAM_WEEK)))
    assert all(c == CellCounts(audits=0, withheld=True) for c in weeks.values())  # every week cell has 1 or 2


def test_filters_kind_moderated_period_theme_team_and_service_area(fx):
    session, ids = fx
    internal = _cells(heatmap_counts(session, AUDITOR, HeatmapFilters(kind=AuditKind.INTERNAL)))
    assert internal == {("Alpha", "Neglect"): CellCounts(1, 1, 0, 0, 1, 1),
                        ("Alpha", "Risk"): CellCounts(1, 0, 0, 1, 1, 3)}
    external = _cells(heatmap_counts(session, AUDITOR, HeatmapFilters(kind=AuditKind.EXTERNAL)))
    assert external[("Alpha", "Neglect")].audits == 3 and external[("Beta", "Neglect")].audits == 3
    moderated = _cells(heatmap_counts(session, AUDITOR, HeatmapFilters(moderated_only=True)))
    assert moderated == internal  # a3 and a6 are the moderated ones
    week_two = _cells(heatmap_counts(session, AUDITOR, HeatmapFilters(weeks=(2, 2))))
    assert week_two == {("Alpha", "Neglect"): CellCounts(2, 1, 1, 0, 2, 3),
                        ("Beta", "Neglect"): CellCounts(2, 0, 1, 1, 2, 5)}
    dated = _cells(heatmap_counts(session, AUDITOR, HeatmapFilters(dates=(date(2026, 9, 8), date(2026, 9, 9)))))
    assert dated == {("Alpha", "Neglect"): CellCounts(2, 2, 0, 0, 2, 2)}
    risk = _cells(heatmap_counts(session, AUDITOR, HeatmapFilters(theme_codes=("risk",))))
    assert list(risk) == [("Alpha", "Risk")]
    beta = _cells(heatmap_counts(session, AUDITOR, HeatmapFilters(team_ids=(ids["teams"]["Beta"],))))
    assert list(beta) == [("Beta", "Neglect")]
    south = _cells(heatmap_counts(session, AUDITOR, HeatmapFilters(service_area="South")))
    assert list(south) == [("Beta", "Neglect")]
    # A team outside the service area chosen: nothing, not everything.
    assert heatmap_counts(session, AUDITOR, HeatmapFilters(service_area="South", team_ids=(ids["teams"]["Alpha"],))).empty


def test_a_manager_sees_only_the_teams_they_manage_whatever_the_filters_ask(fx):
    session, ids = fx
    manager = _manager(ids)
    assert set(_cells(heatmap(session, manager, HeatmapFilters()))) == {("Alpha", "Neglect"), ("Alpha", "Risk")}
    assert heatmap(session, manager, HeatmapFilters(team_ids=(ids["teams"]["Beta"],))).empty
    assert [name for _, name, _ in heatmap_options(session, manager).teams] == ["Alpha"]
    assert [name for _, name, _ in heatmap_options(session, AUDITOR).teams] == ["Alpha", "Beta"]
    beta, neglect = str(ids["teams"]["Beta"]), str(ids["themes"]["neglect"])
    beta_cell = cell_audits(session, manager, HeatmapFilters(), beta, neglect)
    assert beta_cell.total == 0 and beta_cell.audits == ()


# ------------------------------------------------------------------ practitioner x domain
def test_practitioner_by_domain_counts_answers_by_hand(fx):
    session, _ = fx
    grid = heatmap_counts(session, AUDITOR, HeatmapFilters(view=View.PRACTITIONER_DOMAIN))
    cells = _cells(grid)
    # Ann, lived experience: a1 (1,1), a2 (1,2), a5 (4,4), a6 moderated (3,3): R3 A1 G4 over 4 audits, sum 19.
    assert cells[("Ann Ash", LE)] == CellCounts(audits=4, red=3, amber=1, green=4, graded=8, grade_sum=19)
    # Ann, risk analysis: a1 2, a2 2, a5 4, a6 moderated 2.
    assert cells[("Ann Ash", RISK)] == CellCounts(audits=4, red=0, amber=3, green=1, graded=4, grade_sum=10)
    # Bob, lived experience: a3 moderated (1,2), a4 (2, not applicable): two audits, three grades.
    assert cells[("Bob Birch", LE)] == CellCounts(audits=2, red=1, amber=2, green=0, graded=3, grade_sum=5)
    assert cells[("Bob Birch", LE)].suppressed
    # Cat, risk analysis: a7 3, a8 3, a9 1 (a10 is a draft).
    assert cells[("Cat Cole", RISK)] == CellCounts(audits=3, red=1, amber=0, green=2, graded=3, grade_sum=7)
    assert [label for _, label in grid.cols] == [LE, RISK]  # lived experience first
    # Ann has 4 audits, under the 5 a practitioner needs to be ranked by rate.
    assert highest_red_rate(list(grid.cells), LE) is None
    assert highest_red_rate(list(grid.cells), LE, min_audits=4).row_label == "Ann Ash"


def test_practitioner_view_within_chosen_teams(fx):
    session, ids = fx
    grid = heatmap(session, AUDITOR, HeatmapFilters(view=View.PRACTITIONER_DOMAIN, team_ids=(ids["teams"]["Beta"],)))
    assert {label for _, label in grid.rows} == {"Cat Cole"}


# ------------------------------------------------------------------ team x week
def test_team_by_week_counts_by_hand(fx):
    session, _ = fx
    grid = heatmap_counts(session, AUDITOR, HeatmapFilters(view=View.TEAM_WEEK))
    cells = _cells(grid)
    assert cells == {
        ("Alpha", "W1"): CellCounts(2, 2, 0, 0, 2, 2),  # a1, a2
        ("Alpha", "W2"): CellCounts(2, 1, 1, 0, 2, 3),  # a3 (moderated R), a4
        ("Alpha", "W3"): CellCounts(2, 0, 0, 2, 2, 7),  # a5, a6 (moderated G)
        ("Beta", "W1"): CellCounts(1, 0, 0, 1, 1, 3),  # a7
        ("Beta", "W2"): CellCounts(2, 0, 1, 1, 2, 5),  # a8, a9
    }
    assert [label for _, label in grid.cols] == ["W1", "W2", "W3"]


# ------------------------------------------------------------------ drill-down
def test_the_audits_behind_a_cell(fx):
    session, ids = fx
    alpha, neglect = str(ids["teams"]["Alpha"]), str(ids["themes"]["neglect"])
    result = cell_audits(session, AUDITOR, HeatmapFilters(), alpha, neglect)
    assert result.total == 4
    assert [a.case_reference for a in result.audits] == ["LCSA4", "LCSA3", "LCSA2", "LCSA1"]  # newest first
    a3 = result.audits[1]
    assert (a3.reported_grade, a3.first_grade, a3.moderated_grade) == (1, 3, 1)
    assert a3.auditor == "Sam Patel" and a3.practitioner == "Bob Birch" and a3.theme == "Neglect"
    assert a3.audit_date == date(2026, 9, 15) and a3.kind == "internal"
    limited = cell_audits(session, AUDITOR, HeatmapFilters(), alpha, neglect, limit=2)
    assert limited.total == 4 and len(limited.audits) == 2
    week_two = cell_audits(session, AUDITOR, HeatmapFilters(view=View.TEAM_WEEK), alpha, "2")
    assert {a.case_reference for a in week_two.audits} == {"LCSA3", "LCSA4"}
    ann = str(ids["practitioners"]["Ann Ash"])
    lived = cell_audits(session, AUDITOR, HeatmapFilters(view=View.PRACTITIONER_DOMAIN), ann, LE)
    assert {a.case_reference: a.domain_grades for a in lived.audits} == {
        "LCSA6": (3, 3), "LCSA5": (4, 4), "LCSA2": (1, 2), "LCSA1": (1, 1)}
    assert cell_audits(session, AUDITOR, HeatmapFilters(), "not-a-number", neglect).total == 0


def test_a_sponsor_gets_team_level_cells_only(fx):
    session, ids = fx
    grid = heatmap(session, SPONSOR, HeatmapFilters(view=View.PRACTITIONER_DOMAIN))
    # Asked for practitioners, a sponsor gets the team view.
    assert grid.view is View.TEAM_THEME
    assert {label for _, label in grid.rows} == {"Alpha", "Beta"}
    shown = json.dumps([c.__dict__ | {"counts": c.counts.__dict__} for c in grid.cells])
    assert "Ann" not in shown and "LCS" not in shown
    with pytest.raises(PermissionError):
        cell_audits(session, SPONSOR, HeatmapFilters(), str(ids["teams"]["Alpha"]), str(ids["themes"]["neglect"]))
    from db.queries.heatmap import practitioner_domain

    with pytest.raises(PermissionError):
        practitioner_domain(session, SPONSOR, HeatmapFilters(view=View.PRACTITIONER_DOMAIN))


# ------------------------------------------------------------------ the demo programme
def test_on_the_demo_the_managers_highest_red_rate_practitioner_matches_a_count_by_hand(demo_session):
    team = demo_session.exec(select(Team).where(Team.name == DEMO_MANAGER_TEAM)).one()
    manager = demo_session.exec(select(User).where(User.username == "manager")).one()
    scope = Scope(manager.id, "manager", frozenset({Role.MANAGER}), frozenset({team.id}))
    grid = heatmap(demo_session, scope, HeatmapFilters(view=View.PRACTITIONER_DOMAIN, team_ids=(team.id,)))
    found = highest_red_rate(list(grid.cells), LE)
    # Counted the slow way: every submitted audit of the team, every graded lived-experience answer;
    # the share Red over practitioners with 5 or more audits.
    reds: Counter = Counter()
    graded: Counter = Counter()
    audits: dict = {}
    rows = demo_session.exec(
        select(Audit.practitioner_id, Audit.id, Answer.grade, Answer.moderated_grade)
        .join(Answer, Answer.audit_id == Audit.id).join(Question, Question.id == Answer.question_id)
        .where(Audit.team_id == team.id, Audit.status == "submitted", Question.domain == LE)
    ).all()
    for practitioner_id, audit_id, grade, moderated in rows:
        audits.setdefault(practitioner_id, set()).add(audit_id)
        reported = moderated if moderated is not None else grade
        if reported and reported >= 1:
            graded[practitioner_id] += 1
            reds[practitioner_id] += reported == 1
    eligible = [p for p in graded if len(audits[p]) >= 5]
    top = max(eligible, key=lambda p: (reds[p] / graded[p], reds[p]))
    assert found.row_key == str(top) and (found.counts.red, found.counts.graded) == (reds[top], graded[top])
    assert demo_session.get(Practitioner, top).name == found.row_label

def test_the_heatmap_indexes_exist_and_go_down_with_their_migration(db_url):
    def indexes():
        return {i["name"] for table in ("audit", "answer") for i in inspect(get_engine(db_url)).get_indexes(table)}

    assert {"ix_audit_heatmap", "ix_audit_heatmap_period", "ix_answer_heatmap"} <= indexes()
    migrate.downgrade(db_url, "0001")
    get_engine(db_url).dispose()
    assert not {"ix_audit_heatmap", "ix_audit_heatmap_period", "ix_answer_heatmap"} & indexes()
    migrate.upgrade(db_url)


# ------------------------------------------------------------------ the benchmark
def test_bench_smoke_prints_the_json_figures_and_the_naive_baseline_agrees(tmp_path):
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--audits", "200", "--database-url", url, "--repeat", "1",
         "--naive-repeat", "1", "--saves", "0", "--pages", "heatmaps,overview,actions/support"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["audits"] == 200
    # Pages are "<page>/<role>", every role that may open the page: the heatmap's four, the Overview's five.
    assert set(result["pages"]) == {
        "heatmaps/auditor", "heatmaps/manager", "heatmaps/sponsor", "heatmaps/admin", "overview/auditor",
        "overview/manager", "overview/sponsor", "overview/support", "overview/admin", "actions/support"}
    for name, page in result["pages"].items():
        assert "error" not in page, (name, page)
        for key in ("cold_ms", "warm_ms", "sql_ms", "cold_cpu_ms", "warm_cpu_ms"):
            assert isinstance(page[key], (int, float)) and page[key] >= 0, (name, key)
        assert page["statements"] > 0
        assert page["cold_min_ms"] <= page["cold_ms"] <= page["cold_max_ms"], (name, page)
    assert result["pages"]["heatmaps/auditor"]["naive_ms"] > 0 and result["pages"]["overview/auditor"]["naive_ms"] > 0
    # The listed interactions, then every tab built only when open, each opened once (first look) and again.
    assert set(result["interactions"]) == {
        "heatmap_filter_change", "actions_filter_change", "actions_overdue_only", "actions_open_one",
        "agreement_filter_change",
        "actions_open_tab_update_several", "actions_open_tab_chase_list", "actions_open_tab_counts_by_team_and_owner",
        "actions_open_tab_charts", "progress_open_tab_is_practice_improving",
        "progress_open_tab_moderation_actions_and_support", "agreement_open_tab_feedback_log",
        "agreement_open_tab_feedback_on_my_audits", "risks_open_tab_suggested_agenda",
        "admin_teams_open_tab_practitioners", "meetings_open_tab_counts_by_week", "meetings_open_tab_history",
        # each report's next run after another auditor saves a draft
        "overview_after_a_draft", "heatmaps_after_a_draft", "progress_after_a_draft", "actions_after_a_draft",
        "agreement_after_a_draft"}
    assert all(i["median_ms"] > 0 for i in result["interactions"].values()), result["interactions"]
    assert all(i["warm_ms"] > 0 for name, i in result["interactions"].items() if "_open_tab_" in name)
    assert set(result["exports"]) == {"actions_csv", "actions_xlsx", "chase_csv", "chase_xlsx", "feedback_csv",
                                      "feedback_xlsx", "event_log_csv", "event_log_xlsx"}
    assert result["exports"]["actions_csv"]["rows"] == result["exports"]["actions_xlsx"]["rows"] > 0
    # The board report: its figures, then the three steps of "Prepare the board report" and their sum.
    report = result["board_report"]
    assert set(report) == {"figures", "charts", "pdf", "workbook", "prepare"}
    assert report["figures"]["period"].startswith("Month ")  # a sponsor's month under way
    assert report["pdf"]["kb"] > 20 and report["workbook"]["kb"] > 5  # nine chart pictures in each
    assert report["prepare"]["median_ms"] == pytest.approx(
        report["charts"]["median_ms"] + report["pdf"]["median_ms"] + report["workbook"]["median_ms"], abs=0.3)
    assert any(line.startswith("board report prepare") for line in lines)
    assert result["save_ms"] is None or result["save_ms"] > 0
    assert 50 < result["peak_rss_mb"] < 2000
    assert any(line.startswith("heatmaps/auditor") for line in lines)  # the table
    # The naive page and the SQL one agree, cell for cell.
    from bench.naive import naive_heatmap

    naive = naive_heatmap(url)
    with Session(get_engine(url)) as session:
        cells = _cells(heatmap_counts(session, AUDITOR, HeatmapFilters()))
        shown = _cells(heatmap(session, AUDITOR, HeatmapFilters()))
    assert sum(c.audits for c in cells.values()) == int(naive["audits"].sum()) > 150
    # What the page receives: the same cells, those of fewer than 3 audits without their counts.
    assert {key for key, c in shown.items() if c.withheld} == {key for key, c in cells.items() if c.audits < 3}
    for row in naive.itertuples():
        counts = cells[(row.team, row.theme)]
        assert (counts.audits, counts.red, counts.amber, counts.green) == (
            row.audits, getattr(row, "R", 0), getattr(row, "A", 0), getattr(row, "G", 0))


def test_two_practitioners_with_one_name_keep_their_own_rows(fx, db_url):
    session, ids = fx
    with write_session(get_engine(db_url)) as s:
        s.get(Practitioner, ids["practitioners"]["Bob Birch"]).name = "Ann Ash"
    session.expire_all()
    grid = heatmap_counts(session, AUDITOR, HeatmapFilters(view=View.PRACTITIONER_DOMAIN))
    labels = sorted(label for _, label in grid.rows)
    assert labels == [f"Ann Ash (#{ids['practitioners']['Ann Ash']})", f"Ann Ash (#{ids['practitioners']['Bob Birch']})",
                      "Cat Cole"]
