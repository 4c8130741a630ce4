"""Data layer of the remedial-action tracker on SQLite and PostgreSQL: scope, filters, transitions, bulk update."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from core.actions import BulkEdit, is_overdue
from core.authz import Role, Scope
from db import actions as db_actions
from db.actions import ActionConflict, ActionError, ActionNotFound
from db.engine import get_engine, read_session, write_session
from db.models import Audit, Event, RemedialAction, Team
from db.queries import actions as action_queries
from db.queries.actions import ActionFilters
from db.users import load_signed_in
from tests.conftest import DEMO_TODAY, THIS_MONDAY, due_date_the_rules_accept

TODAY = DEMO_TODAY
NEW_DUE = due_date_the_rules_accept()  # 7 Dec 2026 on the reference day
# A fortnight of due dates three weeks back (2 to 13 Nov 2026 on the reference day).
DUE_FROM, DUE_TO = THIS_MONDAY - timedelta(weeks=3), THIS_MONDAY - timedelta(days=10)


@pytest.fixture
def db(demo_url):
    return get_engine(demo_url)


def scope_of(db, username: str) -> Scope:
    with read_session(db) as s:
        return load_signed_in(s, username).scope


def actions_where(db, *, status: str, team: str | None = None, other_than_team: str | None = None,
                  overdue: bool | None = None) -> list[RemedialAction]:
    with read_session(db) as s:
        query = (select(RemedialAction).join(Audit, Audit.id == RemedialAction.audit_id)
                 .join(Team, Team.id == Audit.team_id).where(RemedialAction.status == status)
                 .order_by(RemedialAction.id))
        if team:
            query = query.where(Team.name == team)
        if other_than_team:
            query = query.where(Team.name != other_than_team)
        rows = list(s.exec(query))
    if overdue is not None:
        rows = [a for a in rows if is_overdue(a.status, a.due_on, TODAY) is overdue]
    return rows


def stored(db, action_id: int) -> RemedialAction:
    with read_session(db) as s:
        return s.get(RemedialAction, action_id)


def events_of(db, action_id: int) -> list[Event]:
    with read_session(db) as s:
        return list(s.exec(select(Event).where(Event.object_type == "remedial_action",
                                               Event.object_id == str(action_id)).order_by(Event.id)))


# ------------------------------------------------------------------ reads
def test_every_role_sees_its_scope_and_a_manager_only_their_team(db):
    with read_session(db) as s:
        total = s.exec(select(func.count()).select_from(RemedialAction)).one()
        support = action_queries.list_actions(s, scope_of(db, "support"), ActionFilters(), TODAY)
        manager = action_queries.list_actions(s, scope_of(db, "manager"), ActionFilters(), TODAY)
    assert len(support) == total > 300
    assert manager and {v.team for v in manager} == {"Assessment North"}
    assert len(manager) == len([v for v in support if v.team == "Assessment North"])


def test_a_sponsor_gets_no_list_but_team_figures(db):
    sponsor = scope_of(db, "sponsor")
    with read_session(db) as s:
        with pytest.raises(PermissionError):
            action_queries.list_actions(s, sponsor, ActionFilters(), TODAY)
        with pytest.raises(PermissionError):
            action_queries.counts_by_practitioner(s, sponsor, TODAY)
        assert sum(c.total for c in action_queries.counts_by_team(s, sponsor, TODAY)) > 300


def test_the_list_is_sorted_most_overdue_first(db):
    with read_session(db) as s:
        views = action_queries.list_actions(s, scope_of(db, "support"), ActionFilters(), TODAY)
    overdue = [v.days_overdue for v in views if v.overdue]
    assert overdue and overdue == sorted(overdue, reverse=True)
    assert all(v.overdue for v in views[:len(overdue)])  # every overdue action comes before any other
    assert views[len(overdue)].status in ("open", "reopened")
    assert views[-1].status == "verified"


def test_each_filter_returns_exactly_its_subset(db):
    support = scope_of(db, "support")
    with read_session(db) as s:
        everything = action_queries.list_actions(s, support, ActionFilters(), TODAY)
        some = everything[0]

        def ids(**kwargs):
            return {v.id for v in action_queries.list_actions(s, support, ActionFilters(**kwargs), TODAY)}

        assert ids(team_ids=(some.team_id,)) == {v.id for v in everything if v.team_id == some.team_id}
        assert ids(owner_ids=(some.owner_id,)) == {v.id for v in everything if v.owner_id == some.owner_id}
        themes = action_queries.filter_options(s, support).themes
        theme_id = next(i for i, name in themes.items() if name == some.theme)
        assert ids(theme_ids=(theme_id,)) == {v.id for v in everything if v.theme == some.theme}
        assert ids(statuses=("done",)) == {v.id for v in everything if v.status == "done"}
        late = ids(overdue=True)
        assert late == {v.id for v in everything if v.overdue} and len(late) > 5
        monday = TODAY - timedelta(days=TODAY.weekday())  # "this week": Monday to Sunday of today's week
        sunday = monday + timedelta(days=6)
        assert ids(due_this_week=True) == {
            v.id for v in everything if v.status in ("open", "reopened") and monday <= v.due_on <= sunday}
        assert ids(team_ids=(some.team_id,), overdue=True) == {v.id for v in everything
                                                              if v.team_id == some.team_id and v.overdue}


def test_a_manager_filtering_on_another_team_gets_nothing(db):
    manager = scope_of(db, "manager")
    with read_session(db) as s:
        other = s.exec(select(Team.id).where(Team.name == "Child Protection")).one()
        assert action_queries.list_actions(s, manager, ActionFilters(team_ids=(other,)), TODAY) == []
        assert set(action_queries.filter_options(s, manager).teams.values()) == {"Assessment North"}


def test_counts_agree_with_the_list(db):
    support = scope_of(db, "support")
    with read_session(db) as s:
        views = action_queries.list_actions(s, support, ActionFilters(), TODAY)
        teams = action_queries.counts_by_team(s, support, TODAY)
        people = action_queries.counts_by_practitioner(s, support, TODAY)
    for counts in (teams, people):
        assert sum(c.overdue for c in counts) == sum(v.overdue for v in views)
        assert sum(c.open for c in counts) == sum(v.status in ("open", "reopened") for v in views)
        assert sum(c.done for c in counts) == sum(v.status == "done" for v in views)
        assert sum(c.verified for c in counts) == sum(v.status == "verified" for v in views)
    north = next(c for c in teams if c.label == "Assessment North")
    assert north.overdue == sum(v.overdue for v in views if v.team == "Assessment North")
    assert teams[0].overdue == max(c.overdue for c in teams)


def test_chase_list_is_the_overdue_actions_by_team_and_owner(db):
    support = scope_of(db, "support")
    with read_session(db) as s:
        chase = action_queries.chase_list(s, support, TODAY)
        wider = action_queries.chase_list(s, support, TODAY, include_due_this_week=True)
        late = action_queries.list_actions(s, support, ActionFilters(overdue=True), TODAY)
    assert {v.id for v in chase} == {v.id for v in late}
    assert [(v.team, v.owner_label) for v in chase] == sorted((v.team, v.owner_label) for v in chase)
    assert {v.id for v in chase} < {v.id for v in wider}


def test_chart_figures(db):
    support = scope_of(db, "support")
    with read_session(db) as s:
        charts = action_queries.charts(s, support, TODAY)
        total = s.exec(select(func.count()).select_from(RemedialAction)).one()
        verified = s.exec(select(func.count()).select_from(RemedialAction).where(
            col(RemedialAction.verified_on).is_not(None))).one()
        red_actions = s.exec(
            select(func.count()).select_from(RemedialAction).join(Audit, Audit.id == RemedialAction.audit_id)
            .where(func.coalesce(Audit.moderated_overall_grade, Audit.overall_grade) == 1)).one()
    assert sum(w.raised for w in charts.by_week) == total
    assert sum(w.verified for w in charts.by_week) == verified
    assert charts.red_verified.whole == red_actions
    assert 0 < charts.red_verified.rate < 1
    assert 0 < charts.in_time.rate < 1
    assert {t.team for t in charts.in_time_by_team} == {t.team for t in charts.red_verified_by_team}


# ------------------------------------------------------------------ transitions
def test_marking_done_is_refused_without_a_note_and_nothing_is_written(db):
    action = actions_where(db, status="open")[0]
    with pytest.raises(ActionError) as refused:
        with write_session(db) as s:
            db_actions.mark_done(s, scope_of(db, "support"), action.id, version=action.version, note="  ",
                                 completed_on=TODAY, today=TODAY)
    assert "without a note" in str(refused.value)
    assert stored(db, action.id).status == "open"
    assert events_of(db, action.id) == []


def test_done_verified_each_in_the_event_log(db):
    action = actions_where(db, status="open", overdue=True)[0]
    with write_session(db) as s:
        done = db_actions.mark_done(s, scope_of(db, "support"), action.id, version=action.version,
                                    note="Chronology updated with the 2024 referrals.", completed_on=TODAY,
                                    today=TODAY)
    assert done.status == "done" and done.version == action.version + 1 and not done.overdue
    with write_session(db) as s:
        verified = db_actions.verify(s, scope_of(db, "auditor"), action.id, version=done.version, today=TODAY)
    row = stored(db, action.id)
    assert (row.status, row.completion_note, row.completed_on) == (
        "verified", "Chronology updated with the 2024 referrals.", TODAY)
    assert row.verified_on == TODAY and verified.verified_by == "Alex Morgan"
    log = events_of(db, action.id)
    assert [(e.action, e.username) for e in log] == [("action.done", "support"), ("action.verified", "auditor")]
    assert log[0].before["status"] == "open" and log[0].after["completion_note"].startswith("Chronology")


def test_support_cannot_verify_and_nobody_verifies_their_own_completion(db):
    action = actions_where(db, status="done")[0]
    with pytest.raises(ActionError, match="may not verify"):
        with write_session(db) as s:
            db_actions.verify(s, scope_of(db, "support"), action.id, version=action.version, today=TODAY)
    open_action = actions_where(db, status="open")[0]
    auditor = scope_of(db, "auditor")
    with write_session(db) as s:
        done = db_actions.mark_done(s, auditor, open_action.id, version=open_action.version,
                                    note="Saw the child alone at school.", completed_on=TODAY, today=TODAY)
    with pytest.raises(ActionError, match="someone else has to verify"):
        with write_session(db) as s:
            db_actions.verify(s, auditor, open_action.id, version=done.version, today=TODAY)
    assert stored(db, open_action.id).status == "done"



def test_exports_stream_every_action_in_scope_once_whatever_the_chunk(db):
    """The exports read the actions a chunk at a time (``iter_actions``): chunks of 3 give every action
    of a submitted audit once, in the one list's order. The count is plain SQL, not the query under test."""
    support = scope_of(db, "support")
    with read_session(db) as s:
        submitted = s.exec(select(func.count()).select_from(RemedialAction).join(Audit, Audit.id == RemedialAction.audit_id)
                           .where(Audit.status == "submitted")).one()
        whole = [v.id for v in action_queries.iter_actions(s, support, ActionFilters(), TODAY, chunk=100_000)]
        in_threes = [v.id for v in action_queries.iter_actions(s, support, ActionFilters(), TODAY, chunk=3)]
    assert submitted > 6  # more than two chunks
    assert len(in_threes) == len(set(in_threes)) == submitted
    assert in_threes == whole

def test_reopen_needs_a_reason_and_then_the_action_is_outstanding_again(db):
    action = actions_where(db, status="done")[0]
    auditor = scope_of(db, "auditor")
    with pytest.raises(ActionError, match="why"):
        with write_session(db) as s:
            db_actions.reopen(s, auditor, action.id, version=action.version, reason="", today=TODAY)
    with write_session(db) as s:
        reopened = db_actions.reopen(s, auditor, action.id, version=action.version,
                                     reason="The chronology still stops in 2023.", today=TODAY)
    assert reopened.status == "reopened" and reopened.completion_note == "" and reopened.completed_on is None
    event = events_of(db, action.id)[-1]
    assert event.action == "action.reopened" and event.before["completion_note"] == action.completion_note
    with write_session(db) as s:
        again = db_actions.mark_done(s, scope_of(db, "support"), action.id, version=reopened.version,
                                     note="Chronology now covers 2019 to 2026.", completed_on=TODAY, today=TODAY)
    assert again.status == "done"


def test_a_changed_due_date_is_logged_with_its_reason(db):
    action = actions_where(db, status="open", overdue=True)[0]
    # The Wednesday a fortnight on: in the future (no longer overdue) and a working day on any demo clock
    # near the reference day (no English bank holiday falls on those Wednesdays).
    new_due = TODAY + timedelta(days=14 + (2 - TODAY.weekday()))
    with pytest.raises(ActionError, match="needs a reason"):
        with write_session(db) as s:
            db_actions.change_due_date(s, scope_of(db, "support"), action.id, version=action.version,
                                       due_on=new_due, reason="", today=TODAY)
    with write_session(db) as s:
        changed = db_actions.change_due_date(s, scope_of(db, "support"), action.id, version=action.version,
                                             due_on=new_due, reason="Practitioner on sick leave", today=TODAY)
    assert changed.due_on == new_due and not changed.overdue
    event = events_of(db, action.id)[-1]
    assert event.action == "action.due_changed"
    assert event.before["due_on"] == action.due_on.isoformat()
    assert event.after == {"due_on": new_due.isoformat(), "reason": "Practitioner on sick leave",
                           "version": action.version + 1}


def test_a_save_based_on_an_old_version_is_refused_and_nothing_is_lost(db):
    action = actions_where(db, status="open")[0]
    with write_session(db) as s:
        db_actions.change_due_date(s, scope_of(db, "support"), action.id, version=action.version,
                                   due_on=NEW_DUE, reason="Agreed with the manager", today=TODAY)
    with pytest.raises(ActionConflict) as conflict:
        with write_session(db) as s:
            db_actions.mark_done(s, scope_of(db, "auditor"), action.id,
                                 version=action.version, note="Plan rewritten with SMART outcomes.",
                                 completed_on=TODAY, today=TODAY)
    assert conflict.value.current.due_on == NEW_DUE
    assert "Someone else changed this action" in str(conflict.value)
    assert stored(db, action.id).status == "open"


def test_a_manager_cannot_see_or_change_another_teams_action(db):
    manager = scope_of(db, "manager")
    other = actions_where(db, status="open", other_than_team="Assessment North")[0]
    with read_session(db) as s:
        assert action_queries.get_action(s, manager, other.id, TODAY) is None
        assert action_queries.history(s, manager, other.id) == []
    with pytest.raises(ActionNotFound):
        with write_session(db) as s:
            db_actions.mark_done(s, manager, other.id, version=other.version, note="Chronology updated fully.",
                                 completed_on=TODAY, today=TODAY)
    assert stored(db, other.id).status == "open"
    own = actions_where(db, status="open", team="Assessment North")[0]
    with write_session(db) as s:
        assert db_actions.mark_done(s, manager, own.id, version=own.version, note="Chronology updated fully.",
                                    completed_on=TODAY, today=TODAY).status == "done"


# ------------------------------------------------------------------ bulk update
def test_bulk_update_writes_valid_rows_and_nothing_of_an_invalid_one(db):
    first, second, third = actions_where(db, status="open")[:3]
    edits = [
        BulkEdit(first.id, first.version, "done", note="Strategy discussion held and minuted.",
                 completed_on=TODAY),
        # invalid: done without a note, and a new due date without a reason
        BulkEdit(second.id, second.version, "done", note="", completed_on=TODAY, due_on=NEW_DUE),
        BulkEdit(third.id, third.version, "open", due_on=NEW_DUE, due_reason="Court hearing this week"),
    ]
    with write_session(db) as s:
        result = db_actions.bulk_update(s, scope_of(db, "support"), edits, TODAY)
    assert result.updated == [first.id, third.id]
    assert set(result.rejected) == {second.id}
    assert set(result.rejected[second.id]) == {"note", "due_reason"}
    assert stored(db, first.id).status == "done"
    assert stored(db, third.id).due_on == NEW_DUE
    untouched = stored(db, second.id)
    assert (untouched.status, untouched.due_on, untouched.version) == ("open", second.due_on, second.version)
    assert events_of(db, second.id) == []
    assert [e.action for e in events_of(db, first.id)] == ["action.done"]
    assert [e.action for e in events_of(db, third.id)] == ["action.due_changed"]


def test_bulk_update_keeps_a_row_together_and_reports_stale_and_foreign_rows(db):
    manager = scope_of(db, "manager")
    own = actions_where(db, status="open", team="Assessment North")[:2]
    foreign = actions_where(db, status="open", other_than_team="Assessment North")[0]
    edits = [
        # a valid due change with an invalid status change: neither is written
        BulkEdit(own[0].id, own[0].version, "verified", due_on=NEW_DUE, due_reason="Agreed in supervision"),
        BulkEdit(own[1].id, own[1].version - 1, "done", note="Chronology updated fully.", completed_on=TODAY),
        BulkEdit(foreign.id, foreign.version, "done", note="Chronology updated fully.", completed_on=TODAY),
    ]
    with write_session(db) as s:
        result = db_actions.bulk_update(s, manager, edits, TODAY)
    assert result.updated == []
    assert "may not verify" in result.rejected[own[0].id]["status"][0]
    assert "Someone else changed" in result.rejected[own[1].id]["row"][0]
    assert "not found" in result.rejected[foreign.id]["row"][0]
    assert stored(db, own[0].id).due_on == own[0].due_on
    assert stored(db, foreign.id).status == "open"


def test_an_overdue_action_moves_off_the_chase_list_when_done(db):
    support = scope_of(db, "support")
    with read_session(db) as s:
        before = action_queries.chase_list(s, support, TODAY)
        teams_before = {c.label: c for c in action_queries.counts_by_team(s, support, TODAY)}
    target = before[0]
    with write_session(db) as s:
        db_actions.mark_done(s, support, target.id, version=target.version, note="Child seen alone; views recorded.",
                             completed_on=TODAY - timedelta(days=1), today=TODAY)
    with read_session(db) as s:
        after = action_queries.chase_list(s, support, TODAY)
        teams_after = {c.label: c for c in action_queries.counts_by_team(s, support, TODAY)}
    assert target.id not in {v.id for v in after} and len(after) == len(before) - 1
    assert teams_after[target.team].overdue == teams_before[target.team].overdue - 1
    assert teams_after[target.team].done == teams_before[target.team].done + 1


def test_aggregate_only_users_cannot_change_actions(db):
    sponsor = Scope(99, "sponsor", frozenset({Role.SPONSOR}))
    action = actions_where(db, status="open")[0]
    with pytest.raises(PermissionError):
        with write_session(db) as s:
            db_actions.mark_done(s, sponsor, action.id, version=action.version, note="Chronology updated fully.",
                                 completed_on=TODAY, today=TODAY)


def test_a_save_landing_between_load_and_write_is_a_conflict_not_an_overwrite(db, demo_url, monkeypatch):
    """The version column guards the window between reading the action and writing it (PostgreSQL: on SQLite,
    BEGIN IMMEDIATE makes the other writer wait, so this race cannot happen there)."""
    from sqlalchemy import update

    from db.engine import is_sqlite

    if is_sqlite(demo_url):
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE")
    action = actions_where(db, status="open")[0]
    real_state = db_actions._state

    def state_then_someone_else_saves(session, loaded, team_id):
        state = real_state(session, loaded, team_id)
        with write_session(db) as other:  # another connection commits first
            other.exec(update(RemedialAction).where(RemedialAction.id == loaded.id).values(
                due_on=NEW_DUE, version=RemedialAction.version + 1))
        return state

    monkeypatch.setattr(db_actions, "_state", state_then_someone_else_saves)
    with pytest.raises(ActionConflict):
        with write_session(db) as s:
            db_actions.mark_done(s, scope_of(db, "support"), action.id, version=action.version,
                                 note="Chronology updated fully.", completed_on=TODAY, today=TODAY)
    row = stored(db, action.id)
    assert (row.status, row.due_on, row.version) == ("open", NEW_DUE, action.version + 1)
    assert [e.action for e in events_of(db, action.id)] == []


# ------------------------------------------------------------------ paged on the server (issue 16)
def _recount(db) -> list[tuple[int, int, str, date]]:
    """Every action of a submitted audit as (id, working days overdue, status, due on), straight from the tables."""
    from core.actions import working_days_overdue

    with read_session(db) as s:
        rows = s.exec(select(RemedialAction.id, RemedialAction.status, RemedialAction.due_on)
                      .join(Audit, Audit.id == RemedialAction.audit_id).where(Audit.status == "submitted")).all()
    return [(i, working_days_overdue(status, due, TODAY), status, due) for i, status, due in rows]


def _tracker_order(rows):
    # The README's order: most overdue first, then outstanding by due date, then done, then verified.
    def rank(row):
        _, late, status, due = row
        group = 0 if late else 1 if status in ("open", "reopened") else 2 if status == "done" else 3
        return (group, -late, due, row[0])
    return [row[0] for row in sorted(rows, key=rank)]


def test_a_page_is_its_slice_of_the_whole_order_with_counts_of_the_rest(db):
    support = scope_of(db, "support")
    rows = _recount(db)
    order = _tracker_order(rows)
    with read_session(db) as s:
        first = action_queries.page_of_actions(s, support, ActionFilters(), TODAY, offset=0, limit=50)
        second = action_queries.page_of_actions(s, support, ActionFilters(), TODAY, offset=50, limit=50)
        beyond = action_queries.page_of_actions(s, support, ActionFilters(), TODAY, offset=10_000, limit=50)
    assert [v.id for v in first.rows] == order[:50]
    assert [v.id for v in second.rows] == order[50:100]
    assert (first.total, first.overdue) == (len(rows), sum(1 for r in rows if r[1]))
    assert (second.shown_from, second.shown_to) == (51, 100)
    # A page past the end shows the last page, not nothing.
    last = (len(rows) - 1) // 50 * 50
    assert beyond.offset == last and [v.id for v in beyond.rows] == order[last:]


def test_overdue_only_and_a_due_range_are_filtered_in_sql(db):
    support = scope_of(db, "support")
    rows = _recount(db)
    with read_session(db) as s:
        late = action_queries.page_of_actions(s, support, ActionFilters(overdue=True), TODAY, limit=500)
        ranged = action_queries.page_of_actions(
            s, support, ActionFilters(due_from=DUE_FROM, due_to=DUE_TO), TODAY, limit=500)
    assert {v.id for v in late.rows} == {r[0] for r in rows if r[1]} and late.total == late.overdue > 5
    assert {v.id for v in ranged.rows} == {r[0] for r in rows if DUE_FROM <= r[3] <= DUE_TO}
    assert ranged.total == len(ranged.rows) > 0


def test_the_headline_counts_every_action_in_scope(db):
    rows = _recount(db)
    with read_session(db) as s:
        head = action_queries.headline(s, scope_of(db, "support"), TODAY)
    assert (head.open, head.overdue, head.done, head.verified) == (
        sum(r[2] in ("open", "reopened") for r in rows), sum(1 for r in rows if r[1]),
        sum(r[2] == "done" for r in rows), sum(r[2] == "verified" for r in rows))


def test_unfiltered_the_list_counts_what_the_headline_counts(db):
    """The tracker's page takes the unfiltered list's counts from the headline (``ui.actions.load_page``):
    every action is open, reopened, done or verified, so the headline's four add up to the list's total."""
    for user in ("support", "manager"):
        scope = scope_of(db, user)
        with read_session(db) as s:
            head = action_queries.headline(s, scope, TODAY)
            counted = action_queries.count_actions(s, scope, ActionFilters(), TODAY)
        assert (head.total, head.overdue) == counted and counted[0] > counted[1] > 0, user


def test_the_charts_follow_the_filters(db):
    support = scope_of(db, "support")
    rows = _recount(db)
    with read_session(db) as s:
        late = action_queries.charts(s, support, TODAY, ActionFilters(overdue=True))
        done = action_queries.charts(s, support, TODAY, ActionFilters(statuses=("done",)))
    assert sum(w.raised for w in late.by_week) == sum(1 for r in rows if r[1])
    assert sum(w.completed for w in late.by_week) == 0  # overdue actions are not done
    assert sum(w.raised for w in done.by_week) == sum(r[2] == "done" for r in rows)
    assert sum(w.completed for w in done.by_week) == sum(r[2] == "done" for r in rows)


def test_the_trackers_covering_index_is_created_by_the_migrations(db_url):
    from sqlalchemy import inspect

    indexes = {i["name"]: i["column_names"] for i in inspect(get_engine(db_url)).get_indexes("remedial_action")}
    assert indexes["ix_action_list"] == ["audit_id", "status", "due_on", "owner_id"]


def test_the_submitted_audit_join_hides_the_status_index_from_sqlite_only():
    """SQLite plans the tracker's join from the actions when the audit's status is wrapped in coalesce();
    PostgreSQL needs the plain column to estimate rows (its hash join: 1,078 ms to 353 ms at 1,000,000)."""
    from sqlalchemy.dialects import postgresql, sqlite

    from db.queries.common import action_of_submitted_audit

    on_sqlite = str(action_of_submitted_audit.compile(dialect=sqlite.dialect()))
    on_postgresql = str(action_of_submitted_audit.compile(dialect=postgresql.dialect()))
    assert "coalesce(audit.status, '') = ?" in on_sqlite
    assert "audit.status = %(param_1)s" in on_postgresql and "coalesce" not in on_postgresql
