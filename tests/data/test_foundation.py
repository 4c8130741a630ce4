"""Data layer of the foundation: migrations, the demo programme, constraints, concurrency."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, select

from db import migrate
from db.demo_story import EXTERNAL_AUDITS, MENTORING_MEETINGS, MODERATED_INTERNAL
from db.engine import create_db_engine, get_engine, is_sqlite, write_session
from db.events import record
from db.models import (
    Answer, Audit, Case, Event, Meeting, Moderation, Practitioner, Question, RemedialAction, RiskIssue, Team, Theme,
    User,
)
from tests.conftest import DEMO_TODAY


def test_migrations_create_every_table_from_empty(db_url):
    tables = set(inspect(get_engine(db_url)).get_table_names())
    for expected in ("user", "team", "practitioner", "case", "programme", "theme", "template_version", "question",
                     "audit", "answer", "moderation", "moderation_answer", "remedial_action", "meeting",
                     "meeting_attendee", "risk_issue", "event"):
        assert expected in tables
    assert migrate.current_revision(db_url) == migrate.head_revision(db_url)


def test_migrations_go_down_and_up_again(db_url):
    migrate.downgrade(db_url, "base")
    assert "audit" not in inspect(get_engine(db_url)).get_table_names()
    migrate.upgrade(db_url)
    assert "audit" in inspect(get_engine(db_url)).get_table_names()


def test_demo_has_the_case_study_programme(demo_session):
    rows = demo_session.exec(
        select(Theme.code, func.count()).join(Audit, Audit.theme_id == Theme.id)
        .where(Audit.kind == "external", Audit.status == "submitted").group_by(Theme.code)
    ).all()
    assert dict(rows) == EXTERNAL_AUDITS
    assert sum(dict(rows).values()) == 386


def test_every_demo_audit_answers_every_question_and_has_a_rag_grade(demo_session):
    audits = demo_session.exec(select(Audit)).all()
    for audit in audits:
        questions = demo_session.exec(select(func.count()).select_from(Question).where(
            Question.template_version_id == audit.template_version_id)).one()
        answers = demo_session.exec(select(func.count()).select_from(Answer).where(Answer.audit_id == audit.id)).one()
        assert answers == questions
        assert audit.overall_grade in (1, 2, 3, 4)


def test_demo_moderations_meetings_and_actions(demo_session):
    moderations = demo_session.exec(select(Moderation)).all()
    assert len(moderations) == MODERATED_INTERNAL == 33
    start = demo_session.exec(text("select min(start_date) from programme")).one()[0]
    start = date.fromisoformat(str(start)[:10])
    for moderation in moderations:
        week = (moderation.completed_at.date() - start).days // 7 + 1
        assert 7 <= week <= 12
        audit = demo_session.get(Audit, moderation.audit_id)
        assert audit.kind == "internal" and moderation.moderator_id != audit.auditor_id
    mentoring = demo_session.exec(select(func.count()).select_from(Meeting).where(
        Meeting.kind.in_(("mentoring", "reflective")))).one()
    assert mentoring == MENTORING_MEETINGS == 101
    weekly = demo_session.exec(select(func.count()).select_from(Meeting).where(Meeting.kind == "risks_and_issues")).one()
    assert weekly == 12
    assert demo_session.exec(select(func.count()).select_from(RiskIssue)).one() >= 12
    actions = demo_session.exec(select(RemedialAction)).all()
    statuses = [a.status for a in actions]
    assert statuses.count("verified") > len(actions) / 2
    overdue = [a for a in actions if a.status in ("open", "reopened") and a.due_on < DEMO_TODAY]
    assert overdue, "the demo has some overdue actions"


def test_demo_quality_improves_over_the_weeks(demo_session):
    audits = demo_session.exec(select(Audit).where(Audit.kind == "external")).all()
    first = sorted(audits, key=lambda a: a.audit_date)
    early, late = first[:80], first[-80:]
    red = lambda group: sum(a.overall_grade == 1 for a in group) / len(group)  # noqa: E731
    assert red(early) > red(late) + 0.15


def test_demo_has_about_eight_teams_and_sixty_practitioners(demo_session):
    assert demo_session.exec(select(func.count()).select_from(Team)).one() == 8
    assert demo_session.exec(select(func.count()).select_from(Practitioner)).one() == 60
    usernames = set(demo_session.exec(select(User.username)))
    assert {"auditor", "manager", "sponsor", "support", "admin"} <= usernames


def test_case_references_hold_no_personal_data(demo_session):
    from core.casereference import problem_with

    for reference in demo_session.exec(select(Case.reference)):
        assert problem_with(reference) is None


def test_postgresql_connections_compile_no_statement(db_url):
    """JIT compilation is off on every PostgreSQL connection of the app's engine (db.engine), also after the
    transaction that first used the connection is rolled back."""
    if is_sqlite(db_url):
        pytest.skip("PostgreSQL's setting")
    engine = create_db_engine(db_url)
    try:
        for _ in range(2):
            with engine.connect() as connection:
                assert connection.exec_driver_sql("SHOW jit").scalar_one() == "off"
                connection.rollback()
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced(db_url):
    with pytest.raises(IntegrityError):
        with write_session(get_engine(db_url)) as session:
            session.add(Practitioner(name="Nobody", team_id=999_999))


def test_event_log_refuses_update_and_delete(db_url):
    engine = get_engine(db_url)
    with write_session(engine) as session:
        record(session, "tester", "test.event", "thing", 1)
    for statement in ("UPDATE event SET username = 'x'", "DELETE FROM event"):
        with pytest.raises(DBAPIError, match="append-only"):
            with write_session(engine) as session:
                session.exec(text(statement))
    with Session(engine) as session:
        assert session.exec(select(Event.username)).all() == ["tester"]


def _concurrent_counter_saves(engine, threads: int = 8, saves: int = 50) -> int:
    """Each save reads a counter and writes it back plus one: the classic lost update."""
    with write_session(engine) as session:
        session.add(Team(name="counter", service_area="0"))
    errors: list[Exception] = []

    def worker():
        for _ in range(saves):
            try:
                with write_session(engine) as session:
                    team = session.exec(select(Team).where(Team.name == "counter")).one()
                    team.service_area = str(int(team.service_area) + 1)
            except Exception as exc:  # any error is a save lost to the user
                errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    with Session(engine) as session:
        value = int(session.exec(select(Team.service_area).where(Team.name == "counter")).one())
    assert not errors, errors[:3]
    return value


def test_concurrent_saves_from_8_threads_are_all_kept_on_sqlite(db_url):
    if not is_sqlite(db_url):
        pytest.skip("SQLite's locking is what this test is about")
    assert _concurrent_counter_saves(get_engine(db_url)) == 400


def test_without_begin_immediate_concurrent_saves_are_lost(db_url):
    """Proof that the test above can fail: the same load without BEGIN IMMEDIATE loses saves."""
    if not is_sqlite(db_url):
        pytest.skip("SQLite only")
    engine = create_db_engine(db_url, immediate_writes=False)
    try:
        with pytest.raises(AssertionError):
            assert _concurrent_counter_saves(engine) == 400
    finally:
        engine.dispose()
