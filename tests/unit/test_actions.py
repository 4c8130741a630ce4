"""Unit tests for core.actions: the lifecycle, who may move it, validation, overdue, bulk rows, exports."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from core.actions import (
    ActionState,
    ActionStatus,
    BulkEdit,
    IllegalTransition,
    Transition,
    available_transitions,
    completion_in_time,
    is_overdue,
    may_make,
    next_status,
    overdue_cutoff,
    plan_bulk_edit,
    problems_for_done,
    problems_for_due_change,
    problems_for_reopen,
    problems_for_verify,
    settable_statuses,
    this_week,
    transition_problems,
    urgency,
    working_days_overdue,
)
from core.action_views import (
    ActionCounts,
    ActionView,
    actions_csv,
    actions_xlsx,
    chase_csv,
    chase_rows,
    chase_xlsx,
    sort_key,
    weekly_activity,
)
from core.authz import Role, Scope

TEAM, OTHER_TEAM = 2, 5
SUPPORT = Scope(1, "support", frozenset({Role.SUPPORT}))
AUDITOR = Scope(2, "auditor", frozenset({Role.AUDITOR}))
ADMIN = Scope(3, "admin", frozenset({Role.ADMIN}))
MANAGER = Scope(4, "manager", frozenset({Role.MANAGER}), frozenset({TEAM}))
SPONSOR = Scope(5, "sponsor", frozenset({Role.SPONSOR}))
THU = date(2026, 11, 26)  # the demo's today


# ------------------------------------------------------------------ lifecycle
@pytest.mark.parametrize("status, transition, after", [
    ("open", Transition.DONE, "done"),
    ("reopened", Transition.DONE, "done"),
    ("done", Transition.VERIFY, "verified"),
    ("done", Transition.REOPEN, "reopened"),
    ("open", Transition.CHANGE_DUE, "open"),
    ("reopened", Transition.CHANGE_DUE, "reopened"),
])
def test_legal_transitions(status, transition, after):
    assert next_status(status, transition) is ActionStatus(after)


@pytest.mark.parametrize("status, transition, words", [
    ("open", Transition.VERIFY, "marked done first"),
    ("reopened", Transition.VERIFY, "marked done first"),
    ("open", Transition.REOPEN, "still outstanding"),
    ("verified", Transition.REOPEN, "verified action cannot be reopened"),
    ("verified", Transition.VERIFY, "already verified"),
    ("done", Transition.DONE, "cannot be marked done again"),
    ("verified", Transition.DONE, "cannot be marked done again"),
    ("done", Transition.CHANGE_DUE, "the work is done"),
    ("verified", Transition.CHANGE_DUE, "the work is done"),
])
def test_illegal_transitions_are_refused_with_a_reason(status, transition, words):
    with pytest.raises(IllegalTransition, match=words):
        next_status(status, transition)


def test_the_full_loop_open_done_reopened_done_verified():
    status = ActionStatus.OPEN
    for transition in (Transition.DONE, Transition.REOPEN, Transition.DONE, Transition.VERIFY):
        status = next_status(status, transition)
    assert status is ActionStatus.VERIFIED


# ------------------------------------------------------------------ roles
@pytest.mark.parametrize("scope, team, done, verify, reopen", [
    (SUPPORT, TEAM, True, False, False),
    (SUPPORT, OTHER_TEAM, True, False, False),
    (AUDITOR, OTHER_TEAM, True, True, True),
    (ADMIN, OTHER_TEAM, True, True, True),
    (MANAGER, TEAM, True, False, False),
    (MANAGER, OTHER_TEAM, False, False, False),  # only the teams they manage
    (SPONSOR, TEAM, False, False, False),
])
def test_who_may_make_which_transition(scope, team, done, verify, reopen):
    assert may_make(scope, Transition.DONE, team) is done
    assert may_make(scope, Transition.CHANGE_DUE, team) is done
    assert may_make(scope, Transition.VERIFY, team) is verify
    assert may_make(scope, Transition.REOPEN, team) is reopen


def test_a_manager_who_is_also_support_may_mark_any_team_done():
    both = Scope(6, "both", frozenset({Role.MANAGER, Role.SUPPORT}), frozenset({TEAM}))
    assert may_make(both, Transition.DONE, OTHER_TEAM)
    assert not may_make(both, Transition.VERIFY, TEAM)


def test_available_transitions_follow_status_and_role():
    assert available_transitions(AUDITOR, "done", TEAM) == [Transition.VERIFY, Transition.REOPEN]
    assert available_transitions(SUPPORT, "done", TEAM) == []
    assert available_transitions(SUPPORT, "open", TEAM) == [Transition.DONE, Transition.CHANGE_DUE]
    assert available_transitions(MANAGER, "open", OTHER_TEAM) == []
    assert available_transitions(AUDITOR, "verified", TEAM) == []
    assert settable_statuses(SUPPORT) == [ActionStatus.OPEN, ActionStatus.DONE]
    assert settable_statuses(AUDITOR) == list(ActionStatus)


def test_transition_problems_names_the_roles_allowed():
    problems = transition_problems(SUPPORT, Transition.VERIFY, status="done", team_id=TEAM,
                                   raised_on=THU, due_on=THU, today=THU)
    assert "admin, auditor" in problems["status"][0]


# ------------------------------------------------------------------ validation
def test_done_needs_a_note_of_what_was_done():
    raised = date(2026, 11, 16)
    assert "without a note" in problems_for_done("", THU, raised, THU)["note"][0]
    assert "without a note" in problems_for_done("   \n ", THU, raised, THU)["note"][0]
    assert "at least 10 characters" in problems_for_done("done", THU, raised, THU)["note"][0]
    assert problems_for_done("Chronology updated in the record.", THU, raised, THU) == {}


def test_done_date_is_required_not_future_and_not_before_raised():
    raised = date(2026, 11, 16)
    note = "Child seen alone at school."
    assert "Enter the date" in problems_for_done(note, None, raised, THU)["completed_on"][0]
    assert "future" in problems_for_done(note, THU + timedelta(days=1), raised, THU)["completed_on"][0]
    assert "before the action was raised" in problems_for_done(note, raised - timedelta(days=1), raised, THU)[
        "completed_on"][0]
    assert problems_for_done(note, raised, raised, THU) == {}  # the same day is fine


def test_reopen_needs_a_reason():
    assert "why" in problems_for_reopen("")["reopen_reason"][0].lower()
    assert problems_for_reopen("The chronology still stops in 2023.") == {}


def test_verification_is_by_someone_other_than_who_marked_it_done():
    assert "someone else" in problems_for_verify("auditor", "auditor")["status"][0]
    assert problems_for_verify("auditor", "support") == {}
    assert problems_for_verify("auditor", None) == {}


def test_a_changed_due_date_needs_a_reason_and_a_working_day():
    raised, due = date(2026, 11, 16), date(2026, 11, 23)
    assert "needs a reason" in problems_for_due_change(due, date(2026, 11, 30), "", raised)["due_reason"][0]
    assert "same as the current" in problems_for_due_change(due, due, "Family holiday", raised)["due_on"][0]
    assert "before the action was raised" in problems_for_due_change(due, date(2026, 11, 13), "Typo", raised)[
        "due_on"][0]
    assert "not a working day" in problems_for_due_change(due, date(2026, 11, 28), "Weekend", raised)["due_on"][0]
    assert "not a working day" in problems_for_due_change(due, date(2026, 12, 25), "Christmas", raised)["due_on"][0]
    assert problems_for_due_change(due, date(2026, 11, 30), "Practitioner on leave", raised) == {}


# ------------------------------------------------------------------ overdue in working days
def test_overdue_counts_working_days_after_the_due_date():
    friday = date(2026, 11, 20)
    assert working_days_overdue("open", friday, friday) == 0
    assert working_days_overdue("open", friday, date(2026, 11, 21)) == 0  # Saturday: no working day lost yet
    assert working_days_overdue("open", friday, date(2026, 11, 23)) == 1  # Monday
    assert working_days_overdue("open", friday, THU) == 4
    assert working_days_overdue("reopened", friday, THU) == 4


def test_bank_holidays_do_not_count_as_overdue_days():
    # Christmas 2026: Fri 25 Dec and the Boxing Day substitute Mon 28 Dec are bank holidays.
    christmas_eve = date(2026, 12, 24)
    assert working_days_overdue("open", christmas_eve, date(2026, 12, 28)) == 0
    assert not is_overdue("open", christmas_eve, date(2026, 12, 28))
    assert working_days_overdue("open", christmas_eve, date(2026, 12, 29)) == 1


def test_done_and_verified_actions_are_never_overdue():
    long_ago = date(2026, 9, 1)
    assert working_days_overdue("done", long_ago, THU) == 0
    assert working_days_overdue("verified", long_ago, THU) == 0


def test_the_sql_cutoff_agrees_with_working_days_overdue():
    """The data layer filters with due_on < overdue_cutoff(today); it must say exactly what the rule says."""
    start = date(2026, 12, 14)
    for today in (start + timedelta(days=i) for i in range(28)):
        for due in (start - timedelta(days=7) + timedelta(days=j) for j in range(35)):
            assert (due < overdue_cutoff(today)) is is_overdue("open", due, today), (today, due)


def test_urgency_text_says_the_state_in_words():
    assert urgency("open", date(2026, 11, 20), THU) == "OVERDUE · 4 working days"
    assert urgency("open", date(2026, 11, 25), THU) == "OVERDUE · 1 working day"
    assert urgency("open", THU, THU) == "Due today"
    assert urgency("open", date(2026, 11, 30), THU) == "Due in 2 working days"
    assert urgency("done", date(2026, 11, 20), THU) == "Done, awaiting verification"
    assert urgency("verified", date(2026, 11, 20), THU) == "Verified"


def test_this_week_is_monday_to_sunday():
    assert this_week(THU) == (date(2026, 11, 23), date(2026, 11, 29))


def test_completed_within_five_working_days():
    raised = date(2026, 11, 16)  # Monday
    assert completion_in_time(raised, date(2026, 11, 23), THU) == (True, True)  # 5 working days later
    assert completion_in_time(raised, date(2026, 11, 24), THU) == (True, False)  # the 6th working day
    assert completion_in_time(raised, None, date(2026, 11, 24)) == (True, False)  # can no longer be in time
    assert completion_in_time(raised, None, date(2026, 11, 23)) == (False, False)  # still has time
    assert completion_in_time(raised, date(2026, 11, 17), date(2026, 11, 17)) == (True, True)  # done early counts
    # A report of a past day does not know of work done after it.
    assert completion_in_time(raised, date(2026, 11, 20), date(2026, 11, 19)) == (False, False)


def test_friday_raised_done_on_the_saturday_after_its_fifth_working_day_is_in_time():
    """README: working days counted from the day raised. Raised Fri 6 Nov 2026, the 5 working days are
    Mon 9 to Fri 13 Nov; Saturday 14 and Sunday 15 Nov add no working day, so work done then is still
    within 5 working days. Monday 16 Nov is the 6th working day: late."""
    friday = date(2026, 11, 6)
    assert completion_in_time(friday, date(2026, 11, 14), date(2026, 11, 26)) == (True, True)  # Saturday
    assert completion_in_time(friday, date(2026, 11, 15), date(2026, 11, 26)) == (True, True)  # Sunday
    assert completion_in_time(friday, date(2026, 11, 16), date(2026, 11, 26)) == (True, False)  # Monday
    # Not done by the Sunday: it has not failed yet (it could be done that day, in time).
    assert completion_in_time(friday, None, date(2026, 11, 15)) == (False, False)
    assert completion_in_time(friday, None, date(2026, 11, 16)) == (True, False)


def test_five_working_days_skip_christmas_bank_holidays():
    raised = date(2026, 12, 18)  # Friday; 25 Dec and 28 Dec (Boxing Day moved) are bank holidays
    assert completion_in_time(raised, date(2026, 12, 29), date(2027, 1, 8)) == (True, True)
    assert completion_in_time(raised, date(2026, 12, 30), date(2027, 1, 8)) == (True, False)
    assert completion_in_time(raised, None, date(2026, 12, 29)) == (False, False)
    assert completion_in_time(raised, None, date(2026, 12, 30)) == (True, False)


def test_a_friday_due_date_is_not_overdue_over_a_weekend_month_end():
    """Due Fri 30 Oct 2026: on Sat 31 Oct and Sun 1 Nov no working day has passed since, so it is not overdue;
    on Mon 2 Nov it is. The period figures filter on due_on < overdue_cutoff(day)."""
    due = date(2026, 10, 30)
    assert overdue_cutoff(date(2026, 11, 1)) == due
    assert not due < overdue_cutoff(date(2026, 11, 1))
    assert not is_overdue("open", due, date(2026, 11, 1))
    assert is_overdue("open", due, date(2026, 11, 2))


def test_weekly_activity_adds_up_each_week_from_monday_and_fills_empty_weeks():
    # Raised: 1 on Monday 2 Nov and 3 on Sunday 8 Nov (the same week), 2 on Monday 16 Nov; completed:
    # 1 on Thursday 19 Nov; verified: 4 on Thursday 26 Nov. The week of 9 Nov has none.
    weeks = weekly_activity({date(2026, 11, 2): 1, date(2026, 11, 8): 3, date(2026, 11, 16): 2},
                            {date(2026, 11, 19): 1}, {date(2026, 11, 26): 4})
    assert [(w.week, w.raised, w.completed, w.verified) for w in weeks] == [
        (date(2026, 11, 2), 4, 0, 0), (date(2026, 11, 9), 0, 0, 0), (date(2026, 11, 16), 2, 1, 0),
        (date(2026, 11, 23), 0, 0, 4)]
    assert weekly_activity({}, {}, {}) == []


# ------------------------------------------------------------------ bulk rows
OPEN = ActionState(id=7, status="open", team_id=TEAM, raised_on=date(2026, 11, 16), due_on=date(2026, 11, 23),
                   version=3)
DONE = ActionState(id=8, status="done", team_id=TEAM, raised_on=date(2026, 11, 16), due_on=date(2026, 11, 23),
                   completion_note="Chronology updated.", completed_on=date(2026, 11, 20), version=2,
                   done_by="support")


def edit(state: ActionState, **changes) -> BulkEdit:
    values = dict(action_id=state.id, version=state.version, status=state.status, note=state.completion_note,
                  completed_on=state.completed_on, due_on=state.due_on)
    values.update(changes)
    return BulkEdit(**values)


def test_a_valid_done_row_plans_one_step():
    steps, problems = plan_bulk_edit(edit(OPEN, status="done", note="Strategy discussion minuted.",
                                          completed_on=THU), OPEN, SUPPORT, THU)
    assert problems == {}
    assert [s.transition for s in steps] == [Transition.DONE]


def test_a_done_row_without_note_or_date_is_refused_per_field():
    steps, problems = plan_bulk_edit(edit(OPEN, status="done"), OPEN, SUPPORT, THU)
    assert steps == []
    assert set(problems) == {"note", "completed_on"}


def test_a_row_based_on_an_old_version_is_refused():
    steps, problems = plan_bulk_edit(edit(OPEN, version=2, status="done", note="Plan rewritten.",
                                          completed_on=THU), OPEN, SUPPORT, THU)
    assert steps == [] and "Someone else changed" in problems["row"][0]


def test_new_due_date_and_done_in_one_row_are_both_checked():
    steps, problems = plan_bulk_edit(edit(OPEN, due_on=date(2026, 11, 30)), OPEN, SUPPORT, THU)
    assert "needs a reason" in problems["due_reason"][0] and steps == []
    steps, problems = plan_bulk_edit(edit(OPEN, due_on=date(2026, 11, 30), due_reason="Practitioner on leave",
                                          status="done", note="GCP2 completed and attached.", completed_on=THU),
                                     OPEN, SUPPORT, THU)
    assert problems == {}
    assert [s.transition for s in steps] == [Transition.CHANGE_DUE, Transition.DONE]


def test_reopen_then_new_due_date_for_an_auditor():
    steps, problems = plan_bulk_edit(
        edit(DONE, status="reopened", reopen_reason="Chronology still stops in 2023.", due_on=date(2026, 12, 3),
             due_reason="Time to redo it"), DONE, AUDITOR, THU)
    assert problems == {}
    assert [s.transition for s in steps] == [Transition.REOPEN, Transition.CHANGE_DUE]


def test_support_cannot_verify_or_set_a_done_action_back_to_open():
    _, problems = plan_bulk_edit(edit(DONE, status="verified"), DONE, SUPPORT, THU)
    assert "may not verify" in problems["status"][0]
    _, problems = plan_bulk_edit(edit(DONE, status="open"), DONE, AUDITOR, THU)
    assert "reopen it with a reason" in problems["status"][0]


def test_the_note_of_a_done_action_cannot_be_rewritten_in_place():
    _, problems = plan_bulk_edit(edit(DONE, note="Something else entirely."), DONE, SUPPORT, THU)
    assert "cannot be edited" in problems["note"][0]
    _, problems = plan_bulk_edit(edit(OPEN, note="Typed a note but left it open."), OPEN, SUPPORT, THU)
    assert "set the status to done" in problems["status"][0]


def test_a_manager_cannot_change_another_teams_row():
    other = ActionState(id=9, status="open", team_id=OTHER_TEAM, raised_on=date(2026, 11, 16),
                        due_on=date(2026, 11, 23))
    _, problems = plan_bulk_edit(edit(other, status="done", note="Chronology updated.", completed_on=THU), other,
                                 MANAGER, THU)
    assert "may not mark done" in problems["status"][0]


def test_an_unchanged_row_plans_nothing():
    assert plan_bulk_edit(edit(OPEN), OPEN, SUPPORT, THU) == ([], {})


# ------------------------------------------------------------------ order and exports
def view(action_id: int, *, status="open", due=date(2026, 11, 20), description="Update the chronology.",
         note="", owner="Zara Turner", team="Assessment North", today=THU) -> ActionView:
    return ActionView(
        id=action_id, audit_id=100 + action_id, case_reference=f"LCS{action_id:06d}", theme="Neglect", team_id=TEAM,
        team=team, owner_id=1, owner=owner, description=description, raised_by="Alex Morgan",
        raised_on=date(2026, 11, 13), due_on=due, status=status, completion_note=note,
        completed_on=date(2026, 11, 19) if note else None, verified_by=None, verified_on=None, reopen_reason="",
        version=1, days_overdue=working_days_overdue(status, due, today),
    )


def test_most_overdue_first_then_open_then_done_then_verified():
    views = [view(1, status="verified", note="Done it properly."), view(2, due=date(2026, 11, 30)),
             view(3, due=date(2026, 11, 10)), view(4, status="done", note="Done it properly."),
             view(5, due=date(2026, 11, 24))]
    assert [v.id for v in sorted(views, key=sort_key)] == [3, 5, 2, 4, 1]


# OWASP "CSV Injection" formula prefixes, written out (not read from core.exports).
OWASP_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


@pytest.fixture
def dangerous_views():
    return [
        view(i, description=prefix + "cmd|' /C calc'!A0", note=prefix + "HYPERLINK(\"http://x\")",
             owner=prefix + "Owner", status="done" if i % 2 else "open")
        for i, prefix in enumerate(OWASP_FORMULA_PREFIXES, start=1)
    ]


def test_csv_export_neutralises_every_dangerous_prefix(dangerous_views):
    text = actions_csv(dangerous_views).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(OWASP_FORMULA_PREFIXES)
    for row, prefix in zip(rows, OWASP_FORMULA_PREFIXES):
        assert row["Action"] == "'" + prefix + "cmd|' /C calc'!A0"
        assert row["Owner"] == "'" + prefix + "Owner"
        if row["What was done"]:
            assert row["What was done"].startswith("'" + prefix)
        # numbers and dates stay plain (no apostrophe)
        assert row["Working days overdue"].isdigit()
        assert row["Due on"] == "20/11/2026"  # UK dates in every file


def test_xlsx_export_has_actions_and_counts_with_typed_cells(dangerous_views):
    counts = [ActionCounts("=Team", "=Team", open=3, overdue=2, done=1, verified=4)]
    workbook = load_workbook(io.BytesIO(actions_xlsx(dangerous_views, counts)))
    assert workbook.sheetnames == ["Actions", "Counts by team"]
    sheet = workbook["Actions"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) for name in header}
    for row, prefix in zip(sheet.iter_rows(min_row=2), OWASP_FORMULA_PREFIXES):
        action = row[col["Action"]]
        # (the XML of a workbook stores a CR as LF; either way the cell starts with the apostrophe)
        assert action.data_type == "s" and action.value.startswith("'")
        assert action.value.replace("\r", "\n") == ("'" + prefix + "cmd|' /C calc'!A0").replace("\r", "\n")
        assert isinstance(row[col["Working days overdue"]].value, int)
        assert isinstance(row[col["Action no."]].value, int)
        due = row[col["Due on"]]
        assert due.is_date and due.value == datetime(2026, 11, 20)
    counts_sheet = workbook["Counts by team"]
    assert [c.value for c in counts_sheet[2]] == ["'=Team", 3, 2, 1, 4, 8]  # overdue is part of open


def test_chase_list_groups_by_team_and_owner_most_overdue_first():
    views = [view(1, team="B team", owner="Zed", due=date(2026, 11, 24)),
             view(2, team="A team", owner="Yan", due=date(2026, 11, 24)),
             view(3, team="B team", owner="Abe", due=date(2026, 11, 24)),
             view(4, team="B team", owner="Zed", due=date(2026, 11, 2))]
    rows = chase_rows(views, THU)
    assert [(r[0], r[1], r[8]) for r in rows] == [("A team", "Yan", 2), ("B team", "Abe", 2), ("B team", "Zed", 18),
                                                   ("B team", "Zed", 2)]
    assert rows[2][9] == "OVERDUE · 18 working days"


def test_chase_files_open_cleanly(dangerous_views):
    text = chase_csv(dangerous_views, THU).decode("utf-8-sig")
    assert all(not line.startswith(OWASP_FORMULA_PREFIXES) for line in text.splitlines())
    sheet = load_workbook(io.BytesIO(chase_xlsx(dangerous_views, THU)))["Chase list"]
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert not any(isinstance(v, str) and v.startswith(OWASP_FORMULA_PREFIXES) for v in values)
    assert any(isinstance(v, datetime) for v in values)
