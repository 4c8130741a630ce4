"""The board's action figures follow the README's rules, on SQLite and PostgreSQL.

Each test adds a few rows to the demo and checks how the figures of Progress, the board
report and the tracker move, against a count written out by hand from the rule:

- "done within 5 working days": working days counted from the day raised, so an action raised
  on a Friday and done on the Saturday after its fifth working day is in time, on Progress and
  on the tracker alike;
- "overdue on the period's last day": a working day must have passed since the due date, so a
  Friday due date is not overdue on the Sunday that ends month 2;
- a draft audit and its actions (and any moderation of it) are counted nowhere.
"""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text
from sqlmodel import Session, select

from core.authz import Role, Scope
from core.board_report import build_board_report
from core.periods import custom_period, parse_period
from db.queries.actions import charts
from db.engine import get_engine
from db.models import Answer, Audit, Moderation, RemedialAction, Team, User
from db.queries.common import current_programme
from db.queries.progress import progress_report
from db.rollups import rebuild
from tests.conftest import DEMO_TODAY, demo_week

SPONSOR = Scope(0, "sponsor", frozenset({Role.SPONSOR}))
AUDITOR = Scope(0, "auditor", frozenset({Role.AUDITOR}))


def _month_2(session: Session):
    programme = current_programme(session)
    period = parse_period("m2", programme.start_date, programme.weeks, DEMO_TODAY)
    assert (period.start, period.end) == (date(2026, 10, 5), date(2026, 11, 1))  # Monday 5 Oct to Sunday 1 Nov
    return period


def _an_audit_of_month_2(session: Session) -> Audit:
    return session.exec(select(Audit).where(Audit.status == "submitted", Audit.audit_date >= date(2026, 10, 5),
                                            Audit.audit_date <= date(2026, 10, 9)).order_by(Audit.id)).first()


def _add_action(session: Session, audit: Audit, raised_on: date, due_on: date, completed_on: date | None = None,
                verified_on: date | None = None) -> None:
    user_id = session.exec(select(User.id).order_by(User.id)).first()
    status = "verified" if verified_on else "done" if completed_on else "open"
    session.add(RemedialAction(audit_id=audit.id, description="Update the chronology", raised_by_id=user_id,
                               raised_on=raised_on, due_on=due_on, status=status, completed_on=completed_on,
                               completion_note="Chronology updated in the record" if completed_on else "",
                               verified_by_id=user_id if verified_on else None, verified_on=verified_on))
    rebuild(session)  # a row planted as a bulk load plants it: the rollups recounted (db.rollups)
    session.commit()


def _team_row(report, team: str):
    return next(t for t in report.current.teams if t.team == team)


def _tracker_rate(session: Session, team: str):
    return next(r for r in charts(session, AUDITOR, DEMO_TODAY).in_time_by_team if r.team == team)


@pytest.mark.reference_day  # plants actions on the dates of month 2 as of 2026-11-26 (Fri 30 Oct, Sun 1 Nov)
def test_friday_raised_saturday_done_is_in_time_on_progress_the_report_and_the_tracker(demo_session):
    period = _month_2(demo_session)
    audit = _an_audit_of_month_2(demo_session)
    team = demo_session.get(Team, audit.team_id).name
    before = progress_report(demo_session, SPONSOR, period, DEMO_TODAY)
    tracker_before = _tracker_rate(demo_session, team)

    # Raised Friday 9 Oct; its 5 working days are Mon 12 to Fri 16 Oct; done Saturday 17 Oct: in time.
    _add_action(demo_session, audit, date(2026, 10, 9), date(2026, 10, 16), completed_on=date(2026, 10, 17))
    # Raised Friday 9 Oct, done Monday 19 Oct (the 6th working day): late.
    _add_action(demo_session, audit, date(2026, 10, 9), date(2026, 10, 16), completed_on=date(2026, 10, 19))

    after = progress_report(demo_session, SPONSOR, period, DEMO_TODAY)
    assert after.current.actions.raised == before.current.actions.raised + 2
    assert after.current.actions.due == before.current.actions.due + 2
    assert after.current.actions.in_time == before.current.actions.in_time + 1  # the Saturday one only
    assert _team_row(after, team).actions_in_time == _team_row(before, team).actions_in_time + 1
    assert _team_row(after, team).actions_due == _team_row(before, team).actions_due + 2
    tracker_after = _tracker_rate(demo_session, team)
    assert (tracker_after.part, tracker_after.whole) == (tracker_before.part + 1, tracker_before.whole + 2)


def test_the_tracker_and_progress_give_one_in_time_figure_over_the_whole_programme(demo_session):
    programme = current_programme(demo_session)
    to_date = parse_period("to-date", programme.start_date, programme.weeks, DEMO_TODAY)
    report = progress_report(demo_session, SPONSOR, to_date, DEMO_TODAY)
    tracker = charts(demo_session, AUDITOR, DEMO_TODAY)
    assert report.current.actions.in_time == sum(r.part for r in tracker.in_time_by_team)
    assert report.current.actions.due == sum(r.whole for r in tracker.in_time_by_team)


@pytest.mark.reference_day  # plants actions on the dates of month 2 as of 2026-11-26 (Fri 30 Oct, Sun 1 Nov)
def test_a_friday_due_date_is_not_overdue_on_the_sunday_that_ends_month_2(demo_session):
    period = _month_2(demo_session)
    audit = _an_audit_of_month_2(demo_session)
    before = progress_report(demo_session, SPONSOR, period, DEMO_TODAY)
    monday = custom_period(date(2026, 10, 5), date(2026, 11, 2))
    before_monday = progress_report(demo_session, SPONSOR, monday, DEMO_TODAY)

    # Due Friday 30 Oct 2026, done Monday 2 Nov: on Sunday 1 Nov no working day has passed since it was due.
    _add_action(demo_session, audit, date(2026, 10, 23), date(2026, 10, 30), completed_on=date(2026, 11, 2))
    # Due Friday 30 Oct, done Tuesday 3 Nov: overdue on Monday 2 Nov (one working day late), not on the Sunday.
    _add_action(demo_session, audit, date(2026, 10, 23), date(2026, 10, 30), completed_on=date(2026, 11, 3))

    after = progress_report(demo_session, SPONSOR, period, DEMO_TODAY)
    assert after.current.actions.overdue_at_end == before.current.actions.overdue_at_end
    after_monday = progress_report(demo_session, SPONSOR, monday, DEMO_TODAY)
    assert after_monday.current.actions.overdue_at_end == before_monday.current.actions.overdue_at_end + 1


@pytest.mark.reference_day  # plants actions on the dates of month 2 as of 2026-11-26 (Fri 30 Oct, Sun 1 Nov)
def test_a_draft_audit_with_actions_and_a_moderation_moves_no_figure(demo_session):
    period = _month_2(demo_session)
    source = _an_audit_of_month_2(demo_session)
    programme = current_programme(demo_session)
    to_date = parse_period("to-date", programme.start_date, programme.weeks, DEMO_TODAY)
    before = [progress_report(demo_session, SPONSOR, p, DEMO_TODAY) for p in (period, to_date)]
    tracker_before = charts(demo_session, AUDITOR, DEMO_TODAY)

    draft = Audit(case_id=source.case_id, theme_id=source.theme_id, template_version_id=source.template_version_id,
                  programme_id=source.programme_id, kind="internal", auditor_id=source.auditor_id,
                  team_id=source.team_id, practitioner_id=source.practitioner_id, work_date=source.work_date,
                  audit_date=date(2026, 10, 12), status="draft", overall_grade=1, moderated_overall_grade=2)
    demo_session.add(draft)
    demo_session.commit()
    question_id = demo_session.exec(select(Answer.question_id).where(Answer.audit_id == source.id)).first()
    demo_session.add(Answer(audit_id=draft.id, question_id=question_id, grade=1, moderated_grade=3, rationale="x"))
    moderator = demo_session.exec(select(User.id).where(User.id != source.auditor_id).order_by(User.id)).first()
    demo_session.add(Moderation(audit_id=draft.id, moderator_id=moderator, status="completed",
                                moderator_overall_grade=2, agreed_overall_grade=2,
                                graded_at=datetime(2026, 10, 14, 10, tzinfo=UTC), completed_at=datetime(2026, 10, 14, 11, tzinfo=UTC)))
    rebuild(demo_session)  # rows written directly, as a bulk load: the moderation stores its one graded pair
    demo_session.commit()
    assert demo_session.exec(select(Moderation.agreement_answers).where(Moderation.audit_id == draft.id)).one() == 1
    # Raised, done and verified in month 2; and one left open, overdue on 1 Nov.
    _add_action(demo_session, draft, date(2026, 10, 12), date(2026, 10, 19), completed_on=date(2026, 10, 14),
                verified_on=date(2026, 10, 15))
    _add_action(demo_session, draft, date(2026, 10, 12), date(2026, 10, 19))

    after = [progress_report(demo_session, SPONSOR, p, DEMO_TODAY) for p in (period, to_date)]
    month = after[0].current.actions
    assert month.raised == before[0].current.actions.raised
    assert month.done == before[0].current.actions.done
    assert month.verified == before[0].current.actions.verified
    assert month.overdue_at_end == before[0].current.actions.overdue_at_end
    assert month.due == before[0].current.actions.due and month.in_time == before[0].current.actions.in_time
    assert after[0].current.agreement == before[0].current.agreement
    assert after[0].current.teams == before[0].current.teams
    assert after == before  # every figure of month 2 and of the programme to date, weekly series included
    assert charts(demo_session, AUDITOR, DEMO_TODAY) == tracker_before


def test_a_sponsors_board_report_holds_no_figure_of_a_team_under_3_audits(sqlite_demo_url):
    """The files the board receives, for two days in which several teams have 1 or 2 audits."""
    first = demo_week(9)[0]  # the Monday and Tuesday of the demo's week 9: 2 and 3 Nov 2026 on the reference day
    last = first + timedelta(days=1)
    engine = get_engine(sqlite_demo_url)
    with Session(engine) as session:
        counts = dict(session.exec(text(
            "SELECT team.name, COUNT(*) FROM audit JOIN team ON team.id = audit.team_id WHERE audit.status = "
            "'submitted' AND audit.audit_date BETWEEN :first AND :last GROUP BY team.name"
        ).bindparams(first=first.isoformat(), last=last.isoformat())).all())
        report = progress_report(session, SPONSOR, custom_period(first, last), DEMO_TODAY)
    small = sorted(team for team, n in counts.items() if n < 3)
    assert small and len(small) < len(counts), counts
    files = build_board_report(report)
    sheet = {row[0]: row for row in load_workbook(io.BytesIO(files.xlsx))["By team"].iter_rows(min_row=2,
                                                                                               values_only=True)}
    pdf = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(files.pdf)).pages))
    for team in small:
        assert sheet[team][1:] == (None,) * 11 + ("fewer than 3 audits",), team
        assert re.search(rf"{re.escape(team)} (- ){{11}}fewer than 3 audits", pdf), team
    for team, row in sheet.items():
        if row[12] is None:
            assert row[1] + row[2] == counts[team] >= 3, team
