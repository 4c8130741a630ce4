"""Data layer of meetings, the risks-and-issues log and the suggested agenda, on SQLite and PostgreSQL.

Every agenda rule is checked against a small world built here with the models
(two teams, three practitioners, a four-question template), so each expected
item can be worked out by hand; the demo programme is checked for its figures.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from core.agenda import RED_PRACTITIONER
from core.authz import Role, Scope
from core.meetings import MeetingDraft
from core.risks import RiskDraft
from db.engine import get_engine, read_session, write_session
from db.meetings import (
    HistoryFilter, MeetingError, count_history, manager_summary, meeting_counts, meeting_history, record_meeting, totals_by_kind,
)
from db.models import (
    Answer, Audit, Case, Event, Meeting, MeetingAttendee, MeetingTeam, Moderation, ModerationAnswer, Practitioner,
    Question, RemedialAction, RiskIssue, Team, TemplateVersion, Theme,
)
from db.queries.agenda import AgendaError, suggested_agenda, turn_into_entries
from db.risks import RiskConflict, RiskError, create_risk, due_for_review, risk_log, update_many, update_risk
from db.users import create_user, load_signed_in
from tests.conftest import DEMO_TODAY

MONDAY = date(2026, 11, 23)
TODAY = date(2026, 11, 26)  # Thursday of that week
LAST_WEEK = date(2026, 11, 16)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


class World:
    """Two teams (A with Amira and Ben, B with Cara), an auditor, a manager of A, a sponsor."""

    def __init__(self, session: Session):
        self.s = session
        self.team_a, self.team_b = Team(name="Team A"), Team(name="Team B")
        session.add_all([self.team_a, self.team_b])
        session.flush()
        self.amira = Practitioner(name="Amira Bell", team_id=self.team_a.id)
        self.ben = Practitioner(name="Ben Carter", team_id=self.team_a.id)
        self.cara = Practitioner(name="Cara Dunn", team_id=self.team_b.id)
        session.add_all([self.amira, self.ben, self.cara])
        theme = Theme(code="risk", name="Risk")
        session.add(theme)
        session.flush()
        self.version = TemplateVersion(theme_id=theme.id, version=1)
        session.add(self.version)
        session.flush()
        self.questions = [Question(template_version_id=self.version.id, position=i, key=f"q{i}", domain="Risk",
                                   text=f"Question {i}") for i in range(1, 5)]
        session.add_all(self.questions)
        self.theme = theme
        self.auditor = create_user(session, actor="test", username="aud", display_name="Alex Auditor", password="x",
                                   roles={Role.AUDITOR}, check_strength=False, bcrypt_rounds=4)
        self.manager = create_user(session, actor="test", username="man", display_name="Morgan Manager",
                                   password="x", roles={Role.MANAGER}, managed_team_ids={self.team_a.id},
                                   check_strength=False, bcrypt_rounds=4)
        self.manager_b = create_user(session, actor="test", username="manb", display_name="Nia Manager",
                                     password="x", roles={Role.MANAGER}, managed_team_ids={self.team_b.id},
                                     check_strength=False, bcrypt_rounds=4)
        self.sponsor = create_user(session, actor="test", username="spo", display_name="Sam Sponsor", password="x",
                                   roles={Role.SPONSOR}, check_strength=False, bcrypt_rounds=4)
        session.flush()
        self._cases = 0

    def scope(self, user) -> Scope:
        return load_signed_in(self.s, user.username).scope

    def audit(self, day, overall, *, practitioner=None, team=None, moderated=None, grades=(3, 3, 3, 3),
              safeguarding=False, acknowledged=None, auditor=None, kind="external") -> Audit:
        practitioner = practitioner or self.amira
        team = team or (self.team_a if practitioner.team_id == self.team_a.id else self.team_b)
        self._cases += 1
        case = Case(reference=f"LCS{100000 + self._cases}", team_id=team.id, practitioner_id=practitioner.id)
        self.s.add(case)
        self.s.flush()
        audit = Audit(case_id=case.id, theme_id=self.theme.id, template_version_id=self.version.id, kind=kind,
                      auditor_id=(auditor or self.auditor).id, team_id=team.id, practitioner_id=practitioner.id,
                      audit_date=day, status="submitted", overall_grade=overall, moderated_overall_grade=moderated,
                      safeguarding_concern=safeguarding, safeguarding_ack_at=at(acknowledged) if acknowledged else None)
        self.s.add(audit)
        self.s.flush()
        for question, grade in zip(self.questions, grades):
            self.s.add(Answer(audit_id=audit.id, question_id=question.id, grade=grade))
        self.s.flush()
        return audit

    def action(self, audit, due, status="open", completed=None) -> RemedialAction:
        action = RemedialAction(audit_id=audit.id, owner_id=audit.practitioner_id, description="Update the chronology.",
                                raised_by_id=self.auditor.id, raised_on=due - timedelta(days=7), due_on=due,
                                status=status, completed_on=completed)
        self.s.add(action)
        self.s.flush()
        return action

    def moderate(self, audit, moderator_overall, moderator_grades, graded_on) -> Moderation:
        moderation = Moderation(audit_id=audit.id, moderator_id=self.auditor.id, status="graded",
                                moderator_overall_grade=moderator_overall, graded_at=at(graded_on))
        self.s.add(moderation)
        self.s.flush()
        for question, grade in zip(self.questions, moderator_grades):
            self.s.add(ModerationAnswer(moderation_id=moderation.id, question_id=question.id, moderator_grade=grade))
        self.s.flush()
        return moderation

    def risk(self, *, review_on, status="open", team=None, practitioner=None, source="", description="Drift.",
             severity="medium") -> RiskIssue:
        risk = RiskIssue(team_id=(team or self.team_a).id, practitioner_id=practitioner.id if practitioner else None,
                         description=description, severity=severity, status=status, raised_on=review_on - timedelta(7),
                         review_on=review_on, raised_by_id=self.auditor.id, source=source)
        self.s.add(risk)
        self.s.flush()
        return risk


@pytest.fixture
def world(session):
    w = World(session)
    session.commit()
    return w


def agenda(world, user=None, week=MONDAY, today=TODAY):
    world.s.commit()  # end the fixture session's read transaction: see what other sessions wrote
    return suggested_agenda(world.s, world.scope(user or world.auditor), week, today)


def keys(items, rule=None):
    return [i.key for i in items if rule is None or i.rule == rule]


# ------------------------------------------------------------------ each agenda rule
def test_red_practitioner_counts_moderated_grades_over_four_weeks(world):
    world.audit(date(2026, 11, 3), 1)  # Red
    world.audit(date(2026, 11, 24), 2, moderated=1)  # Amber first, Red once moderated: counts
    world.audit(date(2026, 11, 10), 1, moderated=2)  # Red first, Amber once moderated: does not count
    world.audit(date(2026, 10, 28), 1)  # before the window
    world.audit(date(2026, 11, 24), 1, practitioner=world.ben)  # Ben: one Red only
    world.s.commit()
    [item] = [i for i in agenda(world) if i.rule == RED_PRACTITIONER]
    assert item.key == f"red_practitioner:practitioner-{world.amira.id}"
    assert item.reason.startswith("2 of 3 audits Red (Inadequate overall) in the 4 weeks 2 Nov 2026 to 29 Nov 2026")
    assert item.team == "Team A" and item.practitioner == "Amira Bell"


def test_red_share_rise_compares_this_week_with_last(world):
    for grade, who in ((1, world.amira), (1, world.ben), (3, world.amira), (3, world.ben)):
        world.audit(date(2026, 11, 24), grade, practitioner=who)
    for grade in (1, 3, 3, 3):
        world.audit(date(2026, 11, 17), grade, practitioner=world.ben)
    for grade in (1, 3, 3):  # Team B: 1 of 3 both weeks, no rise
        world.audit(date(2026, 11, 24), grade, practitioner=world.cara)
        world.audit(date(2026, 11, 18), grade, practitioner=world.cara)
    world.s.commit()
    items = agenda(world)
    assert keys(items, "red_share_rise") == [f"red_share_rise:team-{world.team_a.id}"]
    [item] = [i for i in items if i.rule == "red_share_rise"]
    assert item.reason == "50% Red in the week of 23 Nov 2026 (2 of 4 audits) against 25% the week before (1 of 4)."


def test_overdue_actions_by_team_as_of_the_week(world):
    a = world.audit(date(2026, 11, 2), 2)
    world.action(a, date(2026, 11, 20))  # open: overdue
    world.action(a, date(2026, 11, 20), "verified", date(2026, 11, 19))  # done in time
    world.action(a, date(2026, 11, 24), "done", date(2026, 11, 27))  # done after today (pre-dated): overdue today
    world.action(a, date(2026, 11, 27))  # not due yet
    world.action(a, date(2026, 11, 18), "done", date(2026, 11, 23))  # late, but done by this week
    b = world.audit(date(2026, 11, 2), 2, practitioner=world.cara)
    world.action(b, date(2026, 11, 25), "reopened", date(2026, 11, 24))
    world.s.commit()
    items = [i for i in agenda(world) if i.rule == "overdue_actions"]
    assert [(i.team, i.reason.split(" overdue")[0]) for i in items] == [("Team A", "2 actions"), ("Team B", "1 action")]
    # The week before, as of Sunday 22 Nov, only the action due on Wednesday 18 Nov was overdue: by the
    # tracker's rule a Friday (20 Nov) due date is not overdue until a working day has passed, the Monday.
    last = [i for i in agenda(world, week=LAST_WEEK) if i.rule == "overdue_actions"]
    assert [(i.team, i.reason.split(" overdue")[0]) for i in last] == [("Team A", "1 action")]


def test_unacknowledged_safeguarding_concerns(world):
    open_concern = world.audit(date(2026, 11, 18), 1, safeguarding=True)
    world.audit(date(2026, 11, 19), 1, safeguarding=True, acknowledged=date(2026, 11, 19))
    late = world.audit(date(2026, 11, 20), 1, safeguarding=True, acknowledged=date(2026, 11, 25),
                       practitioner=world.cara)
    world.s.commit()
    assert keys(agenda(world), "safeguarding") == [f"safeguarding:audit-{open_concern.id}"]
    # Acknowledged on 25 Nov: still unacknowledged at the end of the week before.
    assert keys(agenda(world, week=LAST_WEEK), "safeguarding") == [
        f"safeguarding:audit-{open_concern.id}", f"safeguarding:audit-{late.id}"]
    [item] = [i for i in agenda(world) if i.rule == "safeguarding"]
    assert item.title == "Safeguarding concern on LCS100001 not acknowledged"


def test_moderation_disagreements_above_the_threshold(world):
    far = world.audit(date(2026, 11, 10), 3, grades=(3, 3, 3, 3), auditor=world.manager, kind="internal")
    world.moderate(far, 1, (3, 3, 3, 2), date(2026, 11, 24))  # two grades apart overall
    half = world.audit(date(2026, 11, 10), 3, grades=(3, 3, 3, 3), auditor=world.manager, kind="internal")
    world.moderate(half, 2, (2, 2, 3, 3), date(2026, 11, 25))  # half the questions differ
    close = world.audit(date(2026, 11, 10), 3, grades=(3, 3, 3, 3), auditor=world.manager, kind="internal")
    world.moderate(close, 2, (2, 3, 3, 3), date(2026, 11, 25))  # one in four: below the threshold
    earlier = world.audit(date(2026, 11, 10), 4, auditor=world.manager, kind="internal")
    world.moderate(earlier, 1, (1, 1, 1, 1), date(2026, 11, 20))  # the week before
    world.s.commit()
    items = [i for i in agenda(world) if i.rule == "moderation_disagreement"]
    assert len(items) == 2
    assert items[0].reason == (
        "Moderated on 24 Nov 2026: 1 of 4 questions graded differently (25%); overall Good by Morgan Manager, "
        "Inadequate by the moderator (2 grades apart)."
    )
    assert "2 of 4 questions graded differently (50%)" in items[1].reason


def test_open_risks_due_for_review(world):
    due = world.risk(review_on=date(2026, 11, 27))
    world.risk(review_on=date(2026, 11, 30))  # next week
    world.risk(review_on=date(2026, 11, 20), status="closed")
    monitored = world.risk(review_on=date(2026, 11, 10), status="monitoring", team=world.team_b,
                           practitioner=world.cara)
    world.s.commit()
    items = [i for i in agenda(world) if i.rule == "risk_review"]
    assert [i.existing_risk_id for i in items] == [monitored.id, due.id]
    assert items[0].title == f"Review entry #{monitored.id} about Cara Dunn, Team B"
    assert [r.id for r in due_for_review(world.s, world.scope(world.auditor), TODAY)] == [monitored.id]


def test_a_manager_gets_only_their_teams_items_and_a_sponsor_none(world):
    world.audit(date(2026, 11, 18), 1, safeguarding=True)
    world.audit(date(2026, 11, 18), 1, safeguarding=True, practitioner=world.cara)
    world.risk(review_on=date(2026, 11, 20), team=world.team_b)
    world.s.commit()
    assert len(agenda(world)) == 3
    mine = agenda(world, world.manager)
    assert [i.team for i in mine] == ["Team A"]
    with pytest.raises(PermissionError):
        agenda(world, world.sponsor)


# ------------------------------------------------------------------ ticked items into the log
def _red_and_concern(world):
    world.audit(date(2026, 11, 10), 1)
    world.audit(date(2026, 11, 24), 1)
    world.audit(date(2026, 11, 18), 1, safeguarding=True, practitioner=world.cara)
    world.s.commit()


def test_ticked_items_become_entries_linked_to_a_new_meeting_in_one_step(world, db_url):
    _red_and_concern(world)
    items = agenda(world)
    assert len(items) == 2
    scope = world.scope(world.auditor)
    with write_session(get_engine(db_url)) as w:
        outcome = turn_into_entries(w, scope, week_start=MONDAY, today=TODAY, keys=[i.key for i in items],
                                    meeting_on=TODAY, review_on=date(2026, 12, 3), owner_id=world.manager.id)
    assert outcome.meeting_created and len(outcome.created) == 2 and outcome.reviewed == ()
    with read_session(get_engine(db_url)) as s:
        meeting = s.get(Meeting, outcome.meeting_id)
        assert (meeting.kind, meeting.held_on, meeting.recorded_by_id) == ("risks_and_issues", TODAY, world.auditor.id)
        teams = set(s.exec(select(MeetingTeam.team_id).where(MeetingTeam.meeting_id == meeting.id)))
        assert teams == {world.team_a.id, world.team_b.id}
        entries = s.exec(select(RiskIssue).order_by(RiskIssue.id)).all()
        assert [(e.source, e.meeting_id, e.owner_id, e.review_on, e.status) for e in entries] == [
            ("safeguarding", meeting.id, world.manager.id, date(2026, 12, 3), "open"),
            ("red_practitioner", meeting.id, world.manager.id, date(2026, 12, 3), "open"),
        ]
        assert entries[0].description == items[0].description and entries[0].severity == "high"
        assert (entries[1].team_id, entries[1].practitioner_id) == (world.team_a.id, world.amira.id)
        actions = [e.action for e in s.exec(select(Event).order_by(Event.id))]
        assert actions[-4:] == ["meeting.record", "risk.create", "risk.create", "agenda.convert"]


def test_a_second_conversion_reviews_the_entry_instead_of_duplicating_it(world, db_url):
    _red_and_concern(world)
    scope = world.scope(world.auditor)
    key = f"red_practitioner:practitioner-{world.amira.id}"
    with write_session(get_engine(db_url)) as w:
        first = turn_into_entries(w, scope, week_start=MONDAY, today=TODAY, keys=[key], meeting_on=TODAY,
                                  review_on=date(2026, 12, 3), owner_id=None)
    next_monday = date(2026, 11, 30)
    [item] = [i for i in agenda(world, week=next_monday, today=next_monday) if i.rule == RED_PRACTITIONER]
    assert item.existing_risk_id == first.created[0]
    with write_session(get_engine(db_url)) as w:
        second = turn_into_entries(w, scope, week_start=next_monday, today=next_monday, keys=[key],
                                   meeting_on=next_monday, review_on=date(2026, 12, 7), owner_id=None)
    assert second.created == () and second.reviewed == first.created
    with read_session(get_engine(db_url)) as s:
        assert s.exec(select(func.count()).select_from(RiskIssue)).one() == 1
        assert s.get(RiskIssue, first.created[0]).review_on == date(2026, 12, 7)
        review = s.exec(select(Event).where(Event.action == "risk.review")).one()
        assert review.after["meeting_id"] == second.meeting_id


def test_an_existing_meeting_of_that_day_is_used(world, db_url):
    _red_and_concern(world)
    scope = world.scope(world.auditor)
    with write_session(get_engine(db_url)) as w:
        held = record_meeting(w, scope, MeetingDraft("risks_and_issues", TODAY, notes="Weekly review.",
                                                     user_ids=frozenset({world.manager.id})), TODAY)
    with write_session(get_engine(db_url)) as w:
        outcome = turn_into_entries(w, scope, week_start=MONDAY, today=TODAY, keys=keys(agenda(world)),
                                    meeting_on=TODAY, review_on=date(2026, 12, 3), owner_id=None)
    assert outcome.meeting_id == held.id and not outcome.meeting_created
    with read_session(get_engine(db_url)) as s:
        attendees = set(s.exec(select(MeetingAttendee.user_id).where(MeetingAttendee.meeting_id == held.id)))
        assert attendees == {world.manager.id, world.auditor.id}  # the chair is added
        assert s.exec(select(func.count()).select_from(Meeting)).one() == 1


def test_nothing_is_written_when_a_ticked_item_is_gone_or_the_input_is_wrong(world, db_url):
    _red_and_concern(world)
    scope = world.scope(world.auditor)
    good = keys(agenda(world))

    def attempt(**overrides):
        arguments = dict(week_start=MONDAY, today=TODAY, keys=good + ["safeguarding:audit-999"], meeting_on=TODAY,
                         review_on=date(2026, 12, 3), owner_id=None)
        arguments.update(overrides)
        with pytest.raises(AgendaError) as error:
            with write_session(get_engine(db_url)) as w:
                turn_into_entries(w, scope, **arguments)
        return error.value.problems

    assert "no longer on this week's agenda" in attempt()[0]
    assert attempt(keys=[]) == ["Tick at least one item to discuss."]
    assert attempt(keys=good, meeting_on=date(2026, 11, 27)) == ["The meeting date is in the future."]
    assert attempt(keys=good, meeting_on=date(2026, 11, 20))[0].startswith("The meeting cannot be held before")
    assert attempt(keys=good, review_on=date(2026, 11, 25)) == ["The review date is before the meeting."]
    with read_session(get_engine(db_url)) as s:
        assert s.exec(select(func.count()).select_from(RiskIssue)).one() == 0
        assert s.exec(select(func.count()).select_from(Meeting)).one() == 0
        assert s.exec(select(func.count()).select_from(Event).where(Event.action.like("risk.%"))).one() == 0


def test_a_failure_half_way_leaves_nothing_behind(world, db_url, monkeypatch):
    _red_and_concern(world)
    scope = world.scope(world.auditor)
    import db.queries.agenda as agenda_module

    real = agenda_module.create_risk
    calls = []

    def failing_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(agenda_module, "create_risk", failing_second)
    with pytest.raises(RuntimeError):
        with write_session(get_engine(db_url)) as w:
            turn_into_entries(w, scope, week_start=MONDAY, today=TODAY, keys=keys(agenda(world)), meeting_on=TODAY,
                              review_on=date(2026, 12, 3), owner_id=None)
    assert len(calls) == 2
    with read_session(get_engine(db_url)) as s:
        assert s.exec(select(func.count()).select_from(RiskIssue)).one() == 0
        assert s.exec(select(func.count()).select_from(Meeting)).one() == 0


def test_a_manager_cannot_convert_another_teams_item(world, db_url):
    _red_and_concern(world)
    other_team_item = [i.key for i in agenda(world) if i.team == "Team B"]
    with pytest.raises(AgendaError):
        with write_session(get_engine(db_url)) as w:
            turn_into_entries(w, world.scope(world.manager), week_start=MONDAY, today=TODAY, keys=other_team_item,
                              meeting_on=TODAY, review_on=date(2026, 12, 3), owner_id=None)


# ------------------------------------------------------------------ meetings
def test_recording_a_meeting_stores_everything_and_logs_it(world, db_url):
    scope = world.scope(world.auditor)
    draft = MeetingDraft("coaching", date(2026, 11, 25), notes="  Completing actions.  ", follow_ups="Check in 2 weeks",
                         user_ids=frozenset({world.auditor.id, world.manager.id}),
                         practitioner_ids=frozenset({world.amira.id}), team_ids=frozenset({world.team_a.id}))
    with write_session(get_engine(db_url)) as w:
        meeting_id = record_meeting(w, scope, draft, TODAY).id
    with read_session(get_engine(db_url)) as s:
        meeting = s.get(Meeting, meeting_id)
        assert (meeting.kind, meeting.notes, meeting.follow_ups) == ("coaching", "Completing actions.", "Check in 2 weeks")
        attendees = s.exec(select(MeetingAttendee.user_id, MeetingAttendee.practitioner_id)
                           .where(MeetingAttendee.meeting_id == meeting_id)).all()
        assert sorted(attendees, key=str) == sorted([(world.auditor.id, None), (world.manager.id, None),
                                                     (None, world.amira.id)], key=str)
        event = s.exec(select(Event).where(Event.action == "meeting.record")).one()
        assert event.username == "aud" and event.object_id == str(meeting_id)
        assert event.after["practitioners"] == [world.amira.id] and event.after["kind"] == "coaching"


def test_a_meeting_with_problems_is_refused_whole(world, db_url):
    scope = world.scope(world.manager)
    draft = MeetingDraft("mentoring", date(2026, 11, 27), notes="", team_ids=frozenset({world.team_b.id}),
                         practitioner_ids=frozenset({world.cara.id}))
    with pytest.raises(MeetingError) as error:
        with write_session(get_engine(db_url)) as w:
            record_meeting(w, scope, draft, TODAY)
    assert error.value.problems == [
        "The meeting date is in the future: record a meeting once it has been held.",
        "Write a note of what was discussed.",
        "You can only record meetings about teams you can see.",
        "One of the practitioners is not in a team you can see, or is no longer active.",
    ]
    with pytest.raises(PermissionError):
        with write_session(get_engine(db_url)) as w:
            record_meeting(w, world.scope(world.sponsor), MeetingDraft("workshop", TODAY, notes="x"), TODAY)
    with read_session(get_engine(db_url)) as s:
        assert s.exec(select(func.count()).select_from(Meeting)).one() == 0


def _three_meetings(world, db_url):
    auditor = world.scope(world.auditor)
    with write_session(get_engine(db_url)) as w:
        about_a = record_meeting(w, auditor, MeetingDraft("mentoring", date(2026, 11, 16), notes="A",
                                                          user_ids=frozenset({world.auditor.id}),
                                                          team_ids=frozenset({world.team_a.id})), TODAY).id
        attended = record_meeting(w, auditor, MeetingDraft("workshop", date(2026, 11, 24), notes="W",
                                                           user_ids=frozenset({world.manager.id})), TODAY).id
        about_b = record_meeting(w, auditor, MeetingDraft("reflective", date(2026, 11, 25), notes="B",
                                                          user_ids=frozenset({world.manager_b.id}),
                                                          team_ids=frozenset({world.team_b.id})), TODAY).id
    return about_a, attended, about_b


def test_managers_see_meetings_about_their_teams_or_that_they_attended(world, db_url):
    about_a, attended, about_b = _three_meetings(world, db_url)
    with read_session(get_engine(db_url)) as s:
        assert [m.id for m in meeting_history(s, world.scope(world.auditor))] == [about_b, attended, about_a]
        mine = meeting_history(s, world.scope(world.manager))
        assert [m.id for m in mine] == [attended, about_a]
        assert mine[1].teams == ("Team A",) and mine[0].attendees == ("Morgan Manager",)
        attended_by_manager = HistoryFilter(attendee_id=world.manager.id)
        assert [m.id for m in meeting_history(s, world.scope(world.manager), attended_by_manager)] == [attended]
        assert [m.id for m in meeting_history(s, world.scope(world.auditor), HistoryFilter(kinds=("reflective",)))] == [about_b]
        with pytest.raises(PermissionError):
            meeting_history(s, world.scope(world.sponsor))


def test_the_history_lists_the_newest_few_and_counts_them_all(world, db_url):
    """A long history is cut on the server: the newest ``limit`` and the count of every match (3 for the
    auditor, who sees all three; 2 for the manager; 1 reflective)."""
    about_a, attended, about_b = _three_meetings(world, db_url)
    with read_session(get_engine(db_url)) as s:
        assert [m.id for m in meeting_history(s, world.scope(world.auditor), limit=2)] == [about_b, attended]
        assert count_history(s, world.scope(world.auditor)) == 3
        assert count_history(s, world.scope(world.manager)) == 2
        assert count_history(s, world.scope(world.auditor), HistoryFilter(kinds=("reflective",))) == 1
        with pytest.raises(PermissionError):
            count_history(s, world.scope(world.sponsor))


def test_counts_by_week_and_type_and_each_managers_history(world, db_url):
    _three_meetings(world, db_url)
    with read_session(get_engine(db_url)) as s:
        counts = meeting_counts(s, world.scope(world.auditor))
        assert [(c.week_start, c.kind, c.meetings) for c in counts] == [
            (date(2026, 11, 16), "mentoring", 1), (date(2026, 11, 23), "reflective", 1),
            (date(2026, 11, 23), "workshop", 1)]
        assert totals_by_kind(meeting_counts(s, world.scope(world.manager)))["reflective"] == 0
        summary = {m.name: m for m in manager_summary(s, world.scope(world.auditor))}
        assert set(summary) == {"Morgan Manager", "Nia Manager"}
        assert summary["Morgan Manager"].by_kind == {"workshop": 1}
        assert summary["Morgan Manager"].last_held_on == date(2026, 11, 24)
        assert summary["Nia Manager"].teams == ("Team B",) and summary["Nia Manager"].total == 1
        # A manager sees their own line only (no one else manages Team A).
        assert [m.name for m in manager_summary(s, world.scope(world.manager))] == ["Morgan Manager"]


# ------------------------------------------------------------------ the log
def test_an_entry_about_a_practitioner_is_filed_under_their_team(world, db_url):
    scope = world.scope(world.manager)
    with write_session(get_engine(db_url)) as w:
        risk_id = create_risk(w, scope, RiskDraft("Two Inadequate risk analyses.", "high", TODAY, date(2026, 12, 3),
                                                  practitioner_id=world.ben.id, owner_id=world.manager.id), TODAY).id
    with read_session(get_engine(db_url)) as s:
        [row] = risk_log(s, scope)
        assert (row.id, row.team, row.practitioner, row.owner, row.raised_by) == (
            risk_id, "Team A", "Ben Carter", "Morgan Manager", "Morgan Manager")
        assert risk_log(s, world.scope(world.manager_b)) == []
        assert s.exec(select(Event.action).where(Event.object_type == "risk_issue",
                                                 Event.object_id == str(risk_id))).all() == ["risk.create"]
    with pytest.raises(RiskError) as error:
        with write_session(get_engine(db_url)) as w:
            create_risk(w, scope, RiskDraft("About Cara.", "low", TODAY, date(2026, 12, 3),
                                            practitioner_id=world.cara.id), TODAY)
    assert error.value.problems == ["Choose a practitioner of a team you can see."]
    with pytest.raises(RiskError) as error:
        with write_session(get_engine(db_url)) as w:
            create_risk(w, world.scope(world.auditor), RiskDraft("Mixed.", "low", TODAY, date(2026, 12, 3),
                                                                 team_id=world.team_b.id,
                                                                 practitioner_id=world.ben.id), TODAY)
    assert "not in the team chosen" in error.value.problems[0]


def test_log_filters(world):
    world.risk(review_on=date(2026, 11, 20), severity="high")
    world.risk(review_on=date(2026, 12, 1), team=world.team_b)
    closed = world.risk(review_on=date(2026, 11, 1), status="closed")
    world.s.commit()
    scope = world.scope(world.auditor)
    assert len(risk_log(world.s, scope)) == 3
    assert [r.status for r in risk_log(world.s, scope)] == ["open", "open", "closed"]  # open first, soonest review
    assert len(risk_log(world.s, scope, statuses=["open", "monitoring"])) == 2
    assert len(risk_log(world.s, scope, severities=["high"])) == 1
    assert [r.team for r in risk_log(world.s, scope, team_id=world.team_b.id)] == ["Team B"]
    assert len(risk_log(world.s, scope, review_due_by=TODAY)) == 1
    assert [r.id for r in risk_log(world.s, scope, statuses=["closed"])] == [closed.id]
    world.risk(review_on=date(2026, 12, 1), description="100% of Strategy discussions late")
    world.s.commit()
    assert [r.description for r in risk_log(world.s, scope, search=" strategy ")] == ["100% of Strategy discussions late"]
    assert len(risk_log(world.s, scope, search="0%")) == 1  # % is matched literally, not as a wildcard
    assert len(risk_log(world.s, scope, search="")) == 4


def test_status_and_review_updates_close_reopen_and_log(world, db_url):
    risk = world.risk(review_on=date(2026, 11, 20))
    world.s.commit()
    scope = world.scope(world.auditor)
    seen = {"status": "open", "severity": "medium", "review_on": date(2026, 11, 20), "owner_id": None}
    with write_session(get_engine(db_url)) as w:
        update_risk(w, scope, risk.id, {"status": "closed"}, seen=seen, today=TODAY)
    with write_session(get_engine(db_url)) as w:
        update_risk(w, scope, risk.id, {"status": "monitoring", "review_on": date(2026, 12, 3)},
                    seen={**seen, "status": "closed"}, today=TODAY)
    with read_session(get_engine(db_url)) as s:
        stored = s.get(RiskIssue, risk.id)
        assert (stored.status, stored.review_on, stored.closed_on) == ("monitoring", date(2026, 12, 3), None)
        events = s.exec(select(Event).where(Event.action == "risk.update").order_by(Event.id)).all()
        assert [(e.before, e.after) for e in events] == [
            ({"status": "open"}, {"status": "closed"}),
            ({"status": "closed", "review_on": "2026-11-20"}, {"status": "monitoring", "review_on": "2026-12-03"}),
        ]


def test_a_stale_change_is_refused_and_a_batch_is_all_or_nothing(world, db_url):
    first = world.risk(review_on=date(2026, 11, 20))
    second = world.risk(review_on=date(2026, 11, 21))
    world.s.commit()
    scope = world.scope(world.auditor)
    seen = {"status": "open", "severity": "medium", "review_on": date(2026, 11, 20), "owner_id": None}
    # Someone else closes the first entry after we loaded it.
    with write_session(get_engine(db_url)) as w:
        update_risk(w, scope, first.id, {"status": "closed"}, seen=seen, today=TODAY)
    edits = {
        second.id: ({"severity": "high"}, {**seen, "review_on": date(2026, 11, 21)}),
        first.id: ({"review_on": date(2026, 12, 3)}, seen),
    }
    with pytest.raises(RiskConflict) as error:
        with write_session(get_engine(db_url)) as w:
            update_many(w, scope, edits, TODAY)
    assert error.value.problems == [f"Entry #{first.id} was changed by someone else after you loaded it (status is now closed)."]
    with read_session(get_engine(db_url)) as s:
        assert s.get(RiskIssue, second.id).severity == "medium"  # not saved either
        assert s.get(RiskIssue, first.id).review_on == date(2026, 11, 20)
    with pytest.raises(RiskError) as error:
        with write_session(get_engine(db_url)) as w:
            update_many(w, scope, {second.id: ({"review_on": None}, {})}, TODAY)
    assert error.value.problems == [f"Entry #{second.id}: An open or monitored entry needs a review date."]


def test_a_manager_cannot_change_another_teams_entry(world, db_url):
    theirs = world.risk(review_on=date(2026, 11, 20), team=world.team_b)
    world.s.commit()
    with pytest.raises(RiskError):
        with write_session(get_engine(db_url)) as w:
            update_risk(w, world.scope(world.manager), theirs.id, {"status": "closed"}, seen={}, today=TODAY)
    with pytest.raises(PermissionError):
        with write_session(get_engine(db_url)) as w:
            update_risk(w, world.scope(world.sponsor), theirs.id, {"status": "closed"}, seen={}, today=TODAY)


# ------------------------------------------------------------------ the demo programme
def test_demo_has_101_mentoring_and_reflective_meetings_and_a_drafted_agenda(demo_session):
    auditor = load_signed_in(demo_session, "auditor").scope
    totals = totals_by_kind(meeting_counts(demo_session, auditor))
    assert totals["mentoring"] + totals["reflective"] == 101
    assert totals["risks_and_issues"] == 12
    meeting_day = DEMO_TODAY - timedelta(days=DEMO_TODAY.weekday())  # this week's Monday, as the demo is live
    items = suggested_agenda(demo_session, auditor, meeting_day, DEMO_TODAY)
    rules = {i.rule for i in items}
    # The demo's one unacknowledged concern, practitioners with repeated Reds, overdue actions, stale reviews.
    assert {"safeguarding", "red_practitioner", "overdue_actions", "risk_review"} <= rules
    assert len([i for i in items if i.rule == "safeguarding"]) == 1
    assert len(set(keys(items))) == len(items)
    manager = load_signed_in(demo_session, "manager").scope
    team = demo_session.exec(select(Team.name).where(Team.id.in_(manager.managed_team_ids))).one()
    assert {i.team for i in suggested_agenda(demo_session, manager, meeting_day, DEMO_TODAY)} == {team}


def test_a_manager_sees_practitioners_of_their_own_teams_only(world, db_url):
    draft = MeetingDraft("workshop", TODAY, notes="Analysing risk.", user_ids=frozenset({world.manager.id}),
                         practitioner_ids=frozenset({world.amira.id, world.cara.id}))
    with write_session(get_engine(db_url)) as w:
        record_meeting(w, world.scope(world.auditor), draft, TODAY)
    with read_session(get_engine(db_url)) as s:
        [seen_by_manager] = meeting_history(s, world.scope(world.manager))
        assert seen_by_manager.practitioners == ("Amira Bell", "1 practitioner of other teams")
        [seen_by_auditor] = meeting_history(s, world.scope(world.auditor))
        assert seen_by_auditor.practitioners == ("Amira Bell", "Cara Dunn")


def test_the_agenda_from_sql_counts_is_the_agenda_from_every_audit_and_action(demo_session):
    """The agenda's Red-audit rules take counts from SQL (``db.queries.agenda``) and the Red audits alone,
    and its overdue-actions rule each team's overdue actions counted in SQL; built instead from every
    audit of the weeks they look at (``core.agenda_rules.tally_of``) and every action of a submitted audit
    (``core.agenda_rules.overdue_of``), both read here with plain SQL, the agenda is the same, item for
    item, for each of four weeks and two scopes."""
    from dataclasses import replace

    from sqlalchemy import text

    from core.agenda import OVERDUE_ACTIONS, RED_SHARE_RISE, ActionFact, AgendaWeek, AuditFact
    from core.agenda_rules import build_agenda
    from core.workdays import week_start
    from db.queries.agenda import agenda_inputs

    rules_seen = set()
    for username in ("auditor", "manager"):
        scope = load_signed_in(demo_session, username).scope
        for weeks_back in range(4):
            week = AgendaWeek(week_start(DEMO_TODAY) - timedelta(weeks=weeks_back), DEMO_TODAY)
            teams = "" if scope.team_ids is None else f"AND audit.team_id IN ({','.join(map(str, scope.team_ids))})"
            every_audit = tuple(AuditFact(*row[:1], date.fromisoformat(str(row[1])[:10]), *row[2:])
                                for row in demo_session.execute(text(
                "SELECT audit.id, audit.audit_date, audit.team_id, team.name, audit.practitioner_id, practitioner.name, "
                "coalesce(audit.moderated_overall_grade, audit.overall_grade) FROM audit "
                "JOIN team ON team.id = audit.team_id LEFT JOIN practitioner ON practitioner.id = audit.practitioner_id "
                f"WHERE audit.status = 'submitted' AND audit.audit_date BETWEEN :first AND :last {teams}"),
                {"first": week.data_from(), "last": week.as_of}))
            every_action = tuple(
                ActionFact(*row[:4], *(date.fromisoformat(str(d)[:10]) for d in row[4:6]), row[6],
                           date.fromisoformat(str(row[7])[:10]) if row[7] else None)
                for row in demo_session.execute(text(
                    "SELECT remedial_action.id, audit.team_id, team.name, remedial_action.owner_id, "
                    "remedial_action.raised_on, remedial_action.due_on, remedial_action.status, "
                    "remedial_action.completed_on FROM remedial_action "
                    "JOIN audit ON audit.id = remedial_action.audit_id JOIN team ON team.id = audit.team_id "
                    f"WHERE audit.status = 'submitted' {teams}")))
            inputs = agenda_inputs(demo_session, scope, week)
            from_sql = build_agenda(week, inputs)
            from_rows = build_agenda(week, replace(inputs, audits=every_audit, tally=None, red_practitioners=None,
                                                   actions=every_action, overdue=None))
            assert from_sql == from_rows, (username, week)
            rules_seen |= {item.rule for item in from_sql}
    # Each rule counted in SQL found something to compare.
    assert {RED_PRACTITIONER, RED_SHARE_RISE, OVERDUE_ACTIONS} <= rules_seen
