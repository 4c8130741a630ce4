"""The Overview's figures against the database, on SQLite and PostgreSQL, per scope."""
from __future__ import annotations

from sqlmodel import select

from core.actions import overdue_cutoff
from core.authz import Role, Scope
from db.models import ManagedTeam, RemedialAction, User
from db.queries.overview import overview
from tests.conftest import DEMO_TODAY


def _scope(session, username: str) -> Scope:
    from db.users import load_signed_in

    return load_signed_in(session, username).scope


def test_programme_figures_for_an_auditor(demo_session):
    data = overview(demo_session, _scope(demo_session, "auditor"), DEMO_TODAY)
    assert data.audits_done == 386
    assert {t.theme: t.external for t in data.themes} == {
        "Assessment": 87, "Front door": 63, "Neglect": 105, "Repeat Section 47": 66, "Risk": 65}
    assert data.moderations_completed == 33
    assert data.meetings["mentoring"] + data.meetings["reflective"] == 101
    actions = demo_session.exec(select(RemedialAction)).all()
    open_ = [a for a in actions if a.status in ("open", "reopened")]
    assert data.actions["open"] == len(open_)
    assert data.actions["overdue"] == sum(a.due_on < overdue_cutoff(DEMO_TODAY) for a in open_) > 0
    assert data.actions["verified"] == sum(a.status == "verified" for a in actions)
    assert sum(data.rag.values()) == 386 + sum(t.internal for t in data.themes)


def test_a_manager_sees_only_their_teams(demo_session):
    manager = _scope(demo_session, "manager")
    team_ids = set(demo_session.exec(select(ManagedTeam.team_id).join(User).where(User.username == "manager")))
    assert manager.team_ids == team_ids and len(team_ids) == 1
    mine = overview(demo_session, manager, DEMO_TODAY)
    everyone = overview(demo_session, _scope(demo_session, "auditor"), DEMO_TODAY)
    assert 0 < mine.audits_done < everyone.audits_done
    assert mine.actions["open"] < everyone.actions["open"]


def test_a_manager_with_no_teams_sees_nothing(demo_session):
    nobody = Scope(999, "x", frozenset({Role.MANAGER}), frozenset())
    data = overview(demo_session, nobody, DEMO_TODAY)
    assert data.audits_done == 0 and sum(data.rag.values()) == 0 and data.actions["open"] == 0


def test_a_sponsor_gets_the_same_programme_figures(demo_session):
    data = overview(demo_session, _scope(demo_session, "sponsor"), DEMO_TODAY)
    assert data.audits_done == 386 and data.moderations_completed == 33


def test_a_managers_overview_is_scoped_throughout(demo_session):
    """The manager's Overview counts their teams only: no programme targets against them, and the
    mentoring meetings they see on the Meetings page (about their teams, or that they attended or
    recorded), counted here in plain SQL."""
    from sqlalchemy import text

    manager = _scope(demo_session, "manager")
    mine = overview(demo_session, manager, DEMO_TODAY)
    assert not mine.targets_apply and mine.audits_target == 0
    assert all(t.target == 0 for t in mine.themes)
    (team_id,) = manager.team_ids
    expected = demo_session.execute(text(
        "SELECT kind, COUNT(*) FROM meeting m WHERE m.id IN (SELECT meeting_id FROM meeting_team WHERE team_id = :t) "
        "OR m.id IN (SELECT meeting_id FROM meeting_attendee WHERE user_id = :u) OR m.recorded_by_id = :u "
        "GROUP BY kind"), {"t": team_id, "u": manager.user_id}).all()
    assert mine.meetings == dict(expected)
    assert 0 < mine.mentoring < 101
    everyone = overview(demo_session, _scope(demo_session, "auditor"), DEMO_TODAY)
    assert everyone.targets_apply and everyone.audits_target == 396  # 90 + 65 + 105 + 70 + 66
    assert everyone.mentoring == 101
    # "Red audits" counts internal and external audits: its denominator is every submitted audit.
    submitted = demo_session.execute(text("SELECT COUNT(*) FROM audit WHERE status = 'submitted'")).scalar_one()
    assert everyone.audits_all == sum(everyone.rag.values()) == submitted
