"""Data layer of the progress figures and the board report, on SQLite and PostgreSQL.

Every figure the SQL produces is checked against a plain Python count over the
demo's rows, and the board report's PDF (text extracted) and Excel (read back)
are checked against the same counts, with no case reference, practitioner name
or free text from audits anywhere in either file.
"""
from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import Session, select

from core.authz import Role, Scope
from core.board_report import build_board_report
from core.periods import parse_period, percent, programme_months
from core.progress_findings import finding_agreement, finding_rag_by_week
from core.actions import completion_in_time
from db.engine import get_engine
from db.models import (
    Answer, Audit, Meeting, MeetingTeam, Moderation, Practitioner, Programme, Question, RemedialAction, Team, Theme,
    User,
)
from db.queries.common import current_programme
from db.queries.progress import progress_report
from db.users import get_user
from tests.conftest import DEMO_TODAY

SPONSOR = Scope(0, "sponsor", frozenset({Role.SPONSOR}))
AUDITOR = Scope(0, "auditor", frozenset({Role.AUDITOR}))
CASE_REFERENCE = re.compile(r"LCS\d{6}")


def _month(session: Session, key: str):
    programme = current_programme(session)
    return parse_period(key, programme.start_date, programme.weeks, DEMO_TODAY)


def _rag(grade: int | None) -> str | None:
    return {1: "R", 2: "A", 3: "G", 4: "G"}.get(grade)


def _expected(session: Session, first: date, last: date, team_ids: set[int] | None = None) -> dict:
    """The figures of a period counted in Python from the rows, independently of the SQL."""
    def mine(team_id: int) -> bool:
        return team_ids is None or team_id in team_ids

    audits = [a for a in session.exec(select(Audit).where(Audit.status == "submitted")).all()
              if a.audit_date and first <= a.audit_date <= last and mine(a.team_id)]
    themes = {t.id: t.name for t in session.exec(select(Theme)).all()}
    external = Counter(themes[a.theme_id] for a in audits if a.kind == "external")
    rag = Counter(_rag(a.moderated_overall_grade if a.moderated_overall_grade is not None else a.overall_grade)
                  for a in audits)
    lived = Counter()
    questions = {q.id: q for q in session.exec(select(Question)).all()}
    ids = {a.id for a in audits}
    for answer in session.exec(select(Answer)).all():
        if answer.audit_id in ids and questions[answer.question_id].domain == "Lived experience and voice":
            lived[_rag(answer.moderated_grade if answer.moderated_grade is not None else answer.grade)] += 1
    audit_of = {a.id: a for a in session.exec(select(Audit)).all()}
    completed = [m for m in session.exec(select(Moderation).where(Moderation.status == "completed")).all()
                 if first <= m.completed_at.date() <= last and mine(audit_of[m.audit_id].team_id)]
    moderated = {m.audit_id for m in completed}
    pairs = [(a.grade, a.moderated_grade) for a in session.exec(select(Answer)).all()
             if a.audit_id in moderated and a.grade and a.moderated_grade]
    actions = [r for r in session.exec(select(RemedialAction)).all() if mine(audit_of[r.audit_id].team_id)]
    raised = [r for r in actions if first <= r.raised_on <= last]
    due = in_time = 0
    for action in raised:
        counts, done_in_time = completion_in_time(action.raised_on, action.completed_on, DEMO_TODAY)
        due, in_time = due + counts, in_time + done_in_time
    meeting_teams = defaultdict(set)
    for link in session.exec(select(MeetingTeam)).all():
        meeting_teams[link.meeting_id].add(link.team_id)
    meetings = [m for m in session.exec(select(Meeting)).all()
                if first <= m.held_on <= last and m.kind in ("mentoring", "reflective")
                and (team_ids is None or meeting_teams[m.id] & team_ids)]
    live = [(a.audit_date - a.work_date).days for a in audits if a.kind == "external" and a.work_date]
    return {
        "external": external, "internal": sum(1 for a in audits if a.kind == "internal"), "rag": rag,
        "lived": lived, "moderations": len(completed), "answers": len(pairs),
        "exact": sum(1 for f, m in pairs if f == m), "higher": sum(1 for f, m in pairs if f > m),
        "raised": len(raised), "done": sum(1 for r in actions if r.completed_on and first <= r.completed_on <= last),
        "verified": sum(1 for r in actions if r.verified_on and first <= r.verified_on <= last),
        "due": due, "in_time": in_time, "mentoring": len(meetings),
        "live_n": len(live), "live_within_7": sum(1 for d in live if d <= 7), "live_days": sum(live),
    }


def test_month_2_figures_match_a_count_of_the_rows(demo_session):
    period = _month(demo_session, "m2")
    report = progress_report(demo_session, SPONSOR, period, DEMO_TODAY)
    expected = _expected(demo_session, period.start, period.end)
    current = report.current
    assert {t.theme: t.external for t in current.themes} == dict(expected["external"])
    assert current.external == 136 == sum(expected["external"].values())
    assert current.internal == expected["internal"]
    assert (current.rag.red, current.rag.amber, current.rag.green) == (
        expected["rag"]["R"], expected["rag"]["A"], expected["rag"]["G"])
    lived = current.domain("Lived experience and voice")
    assert (lived.rag.red, lived.rag.amber, lived.rag.green) == (
        expected["lived"]["R"], expected["lived"]["A"], expected["lived"]["G"])
    agreement = current.agreement
    assert (agreement.audits, agreement.answers, agreement.exact, agreement.first_higher) == (
        expected["moderations"], expected["answers"], expected["exact"], expected["higher"])
    assert agreement.audits > 0, "the demo moderates internal audits from week 7"
    actions = current.actions
    assert (actions.raised, actions.done, actions.verified, actions.due, actions.in_time) == (
        expected["raised"], expected["done"], expected["verified"], expected["due"], expected["in_time"])
    assert current.mentoring == expected["mentoring"]
    external = current.liveness_of("external")
    assert (external.audits, external.live, external.days_sum) == (
        expected["live_n"], expected["live_within_7"], expected["live_days"])
    # The team table adds up to the programme's figures (for an auditor: a sponsor's withholds small teams).
    teams = progress_report(demo_session, AUDITOR, period, DEMO_TODAY).current
    assert sum(t.external for t in teams.teams) == current.external
    assert sum(t.actions_raised for t in teams.teams) == actions.raised
    assert sum(t.agreement.answers for t in teams.agreement_by_team) == agreement.answers
    # The previous period is month 1, counted the same way.
    before = programme_months(report.programme_start, report.programme_weeks)[0]
    assert report.previous.period == before
    assert report.previous.external == sum(_expected(demo_session, before.start, before.end)["external"].values())


def test_weekly_series_match_a_count_of_the_rows(demo_session):
    period = _month(demo_session, "to-date")
    report = progress_report(demo_session, SPONSOR, period, DEMO_TODAY)
    start = report.programme_start
    by_week = Counter()
    for audit in demo_session.exec(select(Audit).where(Audit.kind == "external", Audit.status == "submitted")).all():
        by_week[(audit.audit_date - start).days // 7 + 1] += 1
    assert report.through_week == 12
    assert {w: report.weekly.external_in_week(w) for w in range(1, 13)} == dict(by_week)
    assert report.done_to_date() == 386
    assert report.targets == {"Assessment": 90, "Front door": 65, "Neglect": 105, "Risk": 70, "Repeat Section 47": 66}
    held = Counter((m.held_on - start).days // 7 + 1 for m in demo_session.exec(select(Meeting)).all()
                   if m.kind in ("mentoring", "reflective"))
    assert {w: sum(k.values()) for w, k in report.weekly.meetings.items()} == dict(held)
    assert sum(sum(k.values()) for k in report.weekly.meetings.values()) == 101
    raised = Counter((a.raised_on - start).days // 7 + 1 for a in demo_session.exec(select(RemedialAction)).all())
    assert {w: a.raised for w, a in report.weekly.actions.items() if a.raised} == dict(raised)
    assert set(report.weekly.agreement) <= set(range(7, 13))  # moderations ran in weeks 7 to 12


def test_forecasts_of_the_demo_programme(demo_session):
    report = progress_report(demo_session, SPONSOR, _month(demo_session, "to-date"), DEMO_TODAY)
    forecasts = {f.name: f for f in report.forecasts()}
    # The demo's targets: Neglect (105) and Repeat Section 47 (66) are met, the others are not yet.
    assert forecasts["Neglect"].status == "met" and forecasts["Repeat Section 47"].status == "met"
    assert forecasts["Assessment"].done == 87 and forecasts["Assessment"].remaining == 3
    assert forecasts["All themes"].done == 386 and forecasts["All themes"].target == 396


def test_a_manager_sees_only_their_teams_and_no_programme_target(demo_session):
    manager = get_user(demo_session, "manager")
    team_ids = {t.id for t in demo_session.exec(select(Team).where(Team.name == "Assessment North")).all()}
    scope = Scope(manager.id, "manager", frozenset({Role.MANAGER}), frozenset(team_ids))
    period = _month(demo_session, "m2")
    report = progress_report(demo_session, scope, period, DEMO_TODAY)
    expected = _expected(demo_session, period.start, period.end, team_ids)
    assert report.targets is None and report.forecasts() == []
    assert [t.team for t in report.current.teams] == ["Assessment North"]
    assert report.current.external == sum(expected["external"].values()) < 136
    assert report.current.mentoring == expected["mentoring"]
    assert report.current.actions.raised == expected["raised"]
    assert report.scope_label == "the teams you manage"


def test_a_manager_of_no_team_sees_nothing(demo_session):
    scope = Scope(99, "nobody", frozenset({Role.MANAGER}), frozenset())
    report = progress_report(demo_session, scope, _month(demo_session, "m2"), DEMO_TODAY)
    assert report.current.external == 0 and report.current.rag.total == 0 and report.current.mentoring == 0
    assert report.current.teams == [] and report.done_to_date() == 0


def test_no_programme_no_report(session):
    assert progress_report(session, SPONSOR, parse_period("2026-10", date(2026, 9, 7), 12, DEMO_TODAY),
                           DEMO_TODAY) is None


def test_a_programme_without_audits_reports_zeros(session):
    session.add(Programme(name="Empty", start_date=date(2026, 9, 7), weeks=12))
    session.commit()
    report = progress_report(session, SPONSOR, parse_period("m1", date(2026, 9, 7), 12, DEMO_TODAY), DEMO_TODAY)
    assert report.current.external == 0 and report.current.agreement.answers == 0
    assert finding_rag_by_week(report) == "No audits graded in Month 1"
    assert finding_agreement(report) == "No moderations completed in Month 1"


# ------------------------------------------------------------------ the board report files
def _forbidden_texts(session: Session) -> list[str]:
    """Everything that must never reach a report: people's names and free text from audits."""
    texts = [p.name for p in session.exec(select(Practitioner)).all()]
    texts += [u.display_name for u in session.exec(select(User)).all()]
    for audit in session.exec(select(Audit)).all():
        texts += [audit.overall_rationale, audit.impact_for_child, audit.lived_experience, audit.learning_points,
                  audit.safeguarding_action]
    texts += list(session.exec(select(Answer.rationale).distinct()).all())
    texts += [r.description for r in session.exec(select(RemedialAction)).all()]
    texts += [r.completion_note for r in session.exec(select(RemedialAction)).all()]
    texts += [m.feedback for m in session.exec(select(Moderation)).all()]
    texts += [m.notes for m in session.exec(select(Meeting)).all()]
    return sorted({t for t in texts if t and len(t) > 3})


def test_board_report_for_month_2_matches_the_database(demo_url):
    with Session(get_engine(demo_url)) as session:
        period = _month(session, "m2")
        report = progress_report(session, SPONSOR, period, DEMO_TODAY)
        expected = _expected(session, period.start, period.end)
        forbidden = _forbidden_texts(session)
    steps: list[str] = []
    files = build_board_report(report, lambda fraction, step: steps.append(step))
    assert steps[-1] == "Done" and any(step.startswith("Drawing chart") for step in steps)

    # ---- the PDF, as text
    reader = PdfReader(io.BytesIO(files.pdf))
    pdf_text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", pdf_text)
    assert "Board report: Month 2 (weeks 5-8)" in flat
    # The demo's programme starts 11 weeks before the Monday of today's week; month 2 is its weeks 5 to 8
    # (5 Oct - 1 Nov 2026 on the reference day, 2026-11-26).
    start = DEMO_TODAY - timedelta(days=DEMO_TODAY.weekday()) - timedelta(weeks=11)
    first, last = start + timedelta(weeks=4), start + timedelta(weeks=8, days=-1)
    assert f"{first.day} {first:%b} - {last.day} {last:%b %Y}" in flat
    red = percent(expected["rag"]["R"] / sum(expected["rag"].values()))
    graded = sum(expected["rag"].values())
    assert f"External audits submitted in the period {sum(expected['external'].values())}" in flat
    assert f"Red audits (Inadequate overall) {red} of {graded} audits" in flat
    assert f"Mentoring and reflective meetings held {expected['mentoring']}" in flat
    assert f"({expected['in_time']} of {expected['due']})" in flat
    assert f"{expected['raised']} raised, {expected['done']} done and {expected['verified']} verified" in flat
    for theme, n in expected["external"].items():
        # The theme table: the theme, its target, then the period's count.
        assert re.search(rf"{re.escape(theme)} \d+ {n} ", flat), theme
    assert len(reader.pages) >= 6

    # ---- the workbook, read back
    workbook = load_workbook(io.BytesIO(files.xlsx))
    assert workbook.sheetnames[:4] == ["Report", "Headline figures", "What changed", "Charts"]
    headline = {row[0]: row[2:4] for row in workbook["Headline figures"].iter_rows(min_row=2, values_only=True)}
    assert headline["External audits submitted in the period"] == (sum(expected["external"].values()), None)
    assert headline["Red audits (Inadequate overall)"] == (pytest.approx(expected["rag"]["R"] / graded, abs=1e-12), graded)
    by_theme = {row[0]: row for row in workbook["By theme"].iter_rows(min_row=2, values_only=True)}
    for theme, n in expected["external"].items():
        assert by_theme[theme][2] == n  # numbers stay numbers
    assert by_theme["All themes"][2] == 136
    actions = {row[0]: row[1] for row in workbook["Remedial actions"].iter_rows(min_row=2, values_only=True)}
    assert actions["Raised"] == expected["raised"] and actions["Done within 5 working days"] == expected["in_time"]
    weekly = list(workbook["Week by week"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in weekly] == list(range(1, 9))
    assert len(workbook["Charts"]._images) == 9  # every chart as a picture

    # ---- nothing that identifies a child or a practitioner, and no free text
    cells = "\n".join(str(v) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                      for v in row if v is not None)
    for text in (pdf_text, flat, cells):
        assert not CASE_REFERENCE.search(text)
    for phrase in forbidden:
        assert phrase not in flat and phrase not in cells, phrase
