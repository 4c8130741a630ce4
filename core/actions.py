"""Remedial actions, in pure Python: the lifecycle, who may move it, validation, bulk edits, overdue.

The lifecycle is a small state machine::

    open -> done -> verified
              \\-> reopened (reason required) -> done -> ...

Marking an action done needs a note of what was done in the case record and the
date it was done (never in the future, never before the action was raised):
councils' own reviews found actions "ticked off" with no evidence. Verification
and reopening are the auditor's (and the administrator's): they check the record.
Support, the manager of the action's team, auditors and administrators may mark
an action done or move its due date; a moved due date needs a reason.

Overdue is derived, never stored: an action that is still open (or reopened) is
overdue once at least one *working day* has passed since its due date, and it is
that many working days overdue (weekends and England and Wales bank holidays do
not count, see ``core.workdays``).

The shapes the data layer hands to pages (``ActionView``, ``ActionCounts``...) and the
spreadsheet-safe exports are in ``core.action_views``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from core.authz import Role, Scope
from core.periods import counted
from core.workdays import ACTION_DUE_WORKING_DAYS, is_working_day, week_start, working_days_between

MIN_NOTE_LENGTH = 10  # "done", "ok", "n/a" are exactly the evidence-free ticks this rules out
MIN_REASON_LENGTH = 5


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    VERIFIED = "verified"
    REOPENED = "reopened"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    ActionStatus.OPEN: "Open",
    ActionStatus.DONE: "Done, awaiting verification",
    ActionStatus.VERIFIED: "Verified",
    ActionStatus.REOPENED: "Reopened",
}
# Still to be done by the practitioner: the statuses that can be overdue.
OUTSTANDING = frozenset({ActionStatus.OPEN, ActionStatus.REOPENED})


class Transition(StrEnum):
    DONE = "done"
    VERIFY = "verify"
    REOPEN = "reopen"
    CHANGE_DUE = "change_due"

    @property
    def label(self) -> str:
        return {"done": "Mark done", "verify": "Verify", "reopen": "Reopen", "change_due": "Change the due date"}[
            self.value
        ]


# (from, transition) -> to. Anything not listed is refused.
LIFECYCLE: dict[tuple[ActionStatus, Transition], ActionStatus] = {
    (ActionStatus.OPEN, Transition.DONE): ActionStatus.DONE,
    (ActionStatus.REOPENED, Transition.DONE): ActionStatus.DONE,
    (ActionStatus.DONE, Transition.VERIFY): ActionStatus.VERIFIED,
    (ActionStatus.DONE, Transition.REOPEN): ActionStatus.REOPENED,
    # A due date moves only while the work is still outstanding.
    (ActionStatus.OPEN, Transition.CHANGE_DUE): ActionStatus.OPEN,
    (ActionStatus.REOPENED, Transition.CHANGE_DUE): ActionStatus.REOPENED,
}

# Who may make each transition. A manager qualifies only for the teams they manage.
TRANSITION_ROLES: dict[Transition, frozenset[Role]] = {
    Transition.DONE: frozenset({Role.SUPPORT, Role.MANAGER, Role.AUDITOR, Role.ADMIN}),
    Transition.CHANGE_DUE: frozenset({Role.SUPPORT, Role.MANAGER, Role.AUDITOR, Role.ADMIN}),
    Transition.VERIFY: frozenset({Role.AUDITOR, Role.ADMIN}),
    Transition.REOPEN: frozenset({Role.AUDITOR, Role.ADMIN}),
}

Problems = dict[str, list[str]]


class IllegalTransition(ValueError):
    """A transition the lifecycle does not allow from the action's status."""


def next_status(status: str | ActionStatus, transition: Transition) -> ActionStatus:
    """The status after ``transition``; raises IllegalTransition if the lifecycle forbids it."""
    current = ActionStatus(status)
    try:
        return LIFECYCLE[(current, transition)]
    except KeyError:
        raise IllegalTransition(_illegal_message(current, transition)) from None


def _illegal_message(status: ActionStatus, transition: Transition) -> str:
    if transition is Transition.DONE:
        return f"An action that is {status.label.lower()} cannot be marked done again."
    if transition is Transition.VERIFY:
        if status in OUTSTANDING:
            return "Only a done action can be verified: it has to be marked done first."
        return "This action is already verified."
    if transition is Transition.REOPEN:
        if status in OUTSTANDING:
            return "Only a done action can be reopened; this one is still outstanding."
        return "A verified action cannot be reopened."
    return f"The due date of an action that is {status.label.lower()} cannot change: the work is done."


def may_make(scope: Scope, transition: Transition, team_id: int | None) -> bool:
    """Whether the user of ``scope`` may make ``transition`` on an action of ``team_id``."""
    allowed = TRANSITION_ROLES[transition] & scope.roles
    if allowed - {Role.MANAGER}:
        return True
    return Role.MANAGER in allowed and team_id in scope.managed_team_ids


def available_transitions(scope: Scope, status: str | ActionStatus, team_id: int | None) -> list[Transition]:
    """The transitions this user can make now on an action in ``status``, in a sensible order."""
    current = ActionStatus(status)
    return [t for t in Transition if (current, t) in LIFECYCLE and may_make(scope, t, team_id)]


def settable_statuses(scope: Scope) -> list[ActionStatus]:
    """Statuses this user could ever set in the bulk editor (each row is still checked on its own)."""
    result = [ActionStatus.OPEN]
    for status, transition in ((ActionStatus.DONE, Transition.DONE), (ActionStatus.VERIFIED, Transition.VERIFY),
                               (ActionStatus.REOPENED, Transition.REOPEN)):
        if scope.roles & TRANSITION_ROLES[transition]:
            result.append(status)
    return result


# ------------------------------------------------------------------ validation
def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def problems_for_done(note: str | None, completed_on: date | None, raised_on: date, today: date) -> Problems:
    """Why an action cannot be marked done with this note and date ({} when it can)."""
    problems: Problems = {}
    text = _text(note)
    if not text:
        problems["note"] = ["Say what was done in the case record: an action cannot be closed without a note."]
    elif len(text) < MIN_NOTE_LENGTH:
        problems["note"] = [
            f"Say what was done in the case record in at least {MIN_NOTE_LENGTH} characters "
            "(for example 'Chronology updated with the 2024 referrals')."
        ]
    if completed_on is None:
        problems["completed_on"] = ["Enter the date the work was done."]
    elif completed_on > today:
        problems["completed_on"] = [f"The date done ({completed_on:%d %b %Y}) cannot be in the future."]
    elif completed_on < raised_on:
        problems["completed_on"] = [
            f"The date done ({completed_on:%d %b %Y}) is before the action was raised ({raised_on:%d %b %Y})."
        ]
    return problems


def problems_for_reopen(reason: str | None) -> Problems:
    text = _text(reason)
    if len(text) < MIN_REASON_LENGTH:
        return {"reopen_reason": ["Say why the action is reopened (what is still missing from the record)."]}
    return {}


def problems_for_verify(verifier: str, done_by: str | None) -> Problems:
    """Verification is a second pair of eyes: not by the person who marked it done."""
    if done_by and done_by == verifier:
        return {"status": ["You marked this action done, so someone else has to verify it."]}
    return {}


def problems_for_due_change(current_due: date, new_due: date | None, reason: str | None, raised_on: date) -> Problems:
    problems: Problems = {}
    if new_due is None:
        problems["due_on"] = ["Enter the new due date."]
    elif new_due == current_due:
        problems["due_on"] = ["The new due date is the same as the current one."]
    elif new_due < raised_on:
        problems["due_on"] = [f"The due date cannot be before the action was raised ({raised_on:%d %b %Y})."]
    elif not is_working_day(new_due):
        problems["due_on"] = [f"{new_due:%a %d %b %Y} is not a working day (a weekend or a bank holiday)."]
    if len(_text(reason)) < MIN_REASON_LENGTH:
        problems["due_reason"] = ["Say why the due date changes: a changed due date needs a reason."]
    return problems


def transition_problems(
    scope: Scope,
    transition: Transition,
    *,
    status: str | ActionStatus,
    team_id: int | None,
    raised_on: date,
    due_on: date,
    today: date,
    note: str | None = None,
    completed_on: date | None = None,
    reason: str | None = None,
    new_due: date | None = None,
    done_by: str | None = None,
) -> Problems:
    """Every reason ``transition`` cannot be made now ({} when it can): role, lifecycle, input."""
    if not may_make(scope, transition, team_id):
        roles = ", ".join(sorted(r.value for r in TRANSITION_ROLES[transition]))
        return {"status": [f"You may not {transition.label.lower()} on this action (allowed: {roles})."]}
    try:
        next_status(status, transition)
    except IllegalTransition as exc:
        field_name = "due_on" if transition is Transition.CHANGE_DUE else "status"
        return {field_name: [str(exc)]}
    if transition is Transition.DONE:
        return problems_for_done(note, completed_on, raised_on, today)
    if transition is Transition.REOPEN:
        return problems_for_reopen(reason)
    if transition is Transition.VERIFY:
        return problems_for_verify(scope.username, done_by)
    return problems_for_due_change(due_on, new_due, reason, raised_on)


# ------------------------------------------------------------------ bulk edits
@dataclass(frozen=True)
class ActionState:
    """What validation needs to know about an action as it is stored now."""

    id: int
    status: str
    team_id: int | None
    raised_on: date
    due_on: date
    completion_note: str = ""
    completed_on: date | None = None
    version: int = 1
    done_by: str | None = None


@dataclass(frozen=True)
class BulkEdit:
    """One row of the bulk editor: the values the user left in it, and the version they saw."""

    action_id: int
    version: int
    status: str
    note: str = ""
    completed_on: date | None = None
    due_on: date | None = None
    due_reason: str = ""
    reopen_reason: str = ""


@dataclass(frozen=True)
class Step:
    """One transition to make, with its input."""

    transition: Transition
    note: str = ""
    completed_on: date | None = None
    reason: str = ""
    new_due: date | None = None


def _merge(into: Problems, more: Problems) -> None:
    for key, messages in more.items():
        into.setdefault(key, []).extend(m for m in messages if m not in into.get(key, []))


def plan_bulk_edit(edit: BulkEdit, current: ActionState, scope: Scope, today: date) -> tuple[list[Step], Problems]:
    """The steps one bulk-editor row asks for, and every problem with it, per field.

    A row is all-or-nothing: if any field has a problem, no step of it should be made.
    """
    problems: Problems = {}
    steps: list[Step] = []
    if edit.version != current.version:
        return [], {"row": ["Someone else changed this action after you loaded the list; reload and redo this row."]}
    try:
        target = ActionStatus(edit.status)
    except ValueError:
        return [], {"status": [f"Unknown status {edit.status!r}."]}
    status = ActionStatus(current.status)
    note_changed = _text(edit.note) != _text(current.completion_note)
    date_changed = edit.completed_on != current.completed_on
    due_changed = edit.due_on is not None and edit.due_on != current.due_on

    status_step: Step | None = None
    if target != status:
        if target is ActionStatus.DONE:
            status_step = Step(Transition.DONE, note=edit.note, completed_on=edit.completed_on)
        elif target is ActionStatus.VERIFIED:
            status_step = Step(Transition.VERIFY)
        elif target is ActionStatus.REOPENED:
            status_step = Step(Transition.REOPEN, reason=edit.reopen_reason)
        else:
            problems["status"] = [
                f"An action that is {status.label.lower()} cannot be set back to open"
                + ("; reopen it with a reason instead." if status is ActionStatus.DONE else ".")
            ]
    elif note_changed or date_changed:
        if status in OUTSTANDING:
            problems["status"] = ["To record what was done, set the status to done as well."]
        else:
            problems["note"] = ["The note of a done action cannot be edited; reopen it first."]
    if edit.reopen_reason.strip() and target is not ActionStatus.REOPENED:
        problems.setdefault("reopen_reason", []).append("A reopening reason only goes with the status reopened.")
    if edit.due_reason.strip() and not due_changed:
        problems.setdefault("due_on", []).append("You gave a reason for a new due date but did not change the date.")

    due_step = Step(Transition.CHANGE_DUE, new_due=edit.due_on, reason=edit.due_reason) if due_changed else None
    # A reopened action can then get a new due date; an outstanding one gets its new date before it is done.
    ordered = [status_step, due_step] if status_step and status_step.transition is Transition.REOPEN else [
        due_step, status_step]
    state_status, state_due = status, current.due_on
    for step in ordered:
        if step is None:
            continue
        found = transition_problems(
            scope, step.transition, status=state_status, team_id=current.team_id, raised_on=current.raised_on,
            due_on=state_due, today=today, note=step.note, completed_on=step.completed_on, reason=step.reason,
            new_due=step.new_due, done_by=current.done_by,
        )
        _merge(problems, found)
        steps.append(step)
        # Check the next step as if this one had gone through, so that every problem of the row is reported.
        try:
            state_status = next_status(state_status, step.transition)
        except IllegalTransition:
            break
        if step.new_due is not None:
            state_due = step.new_due
    return ([] if problems else steps), problems


# ------------------------------------------------------------------ overdue
def overdue_cutoff(today: date) -> date:
    """The latest working day on or before ``today``.

    An outstanding action is overdue exactly when its due date is before this day:
    then at least one working day has passed since it was due. (A Friday due date
    is not overdue on the Saturday, and is 1 working day overdue on the Monday.)
    """
    day = today
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def working_days_overdue(status: str | ActionStatus, due_on: date, today: date) -> int:
    """How many working days past due an outstanding action is (0 when not overdue)."""
    if ActionStatus(status) not in OUTSTANDING or due_on >= today:
        return 0
    return max(0, working_days_between(due_on, today))


def is_overdue(status: str | ActionStatus, due_on: date, today: date) -> bool:
    return working_days_overdue(status, due_on, today) > 0


DUE_SOON_WORKING_DAYS = 3  # an outstanding action due within this many working days is marked on the tracker


def is_due_soon(status: str | ActionStatus, due_on: date, today: date) -> bool:
    """Outstanding, not overdue, and due today or within ``DUE_SOON_WORKING_DAYS`` working days."""
    current = ActionStatus(status)
    return (current in OUTSTANDING and not working_days_overdue(current, due_on, today)
            and working_days_between(today, due_on) <= DUE_SOON_WORKING_DAYS)


def this_week(today: date) -> tuple[date, date]:
    """Monday and Sunday of ``today``'s week: what "due this week" means."""
    monday = week_start(today)
    return monday, monday + timedelta(days=6)


def urgency(status: str | ActionStatus, due_on: date, today: date) -> str:
    """A short text for the list, so that status never depends on colour alone."""
    current = ActionStatus(status)
    late = working_days_overdue(current, due_on, today)
    if late:
        return f"OVERDUE · {counted(late, 'working day')}"
    if current in OUTSTANDING:
        left = working_days_between(today, due_on)
        if left <= 0:
            return "Due today"
        return f"Due in {counted(left, 'working day')}"
    return current.label


def completion_in_time(raised_on: date, completed_on: date | None, as_of: date,
                       days: int = ACTION_DUE_WORKING_DAYS) -> tuple[bool, bool]:
    """(counts, in time) for "done within 5 working days": the one rule the tracker, Progress and the report use.

    Working days are counted from the day the action was raised (that day not counted), skipping
    weekends and England and Wales bank holidays: work done on a weekend day counts as done on the
    working day before it, so an action raised on a Friday and done on the Saturday after its fifth
    working day (the next Friday) is in time. The stored ``due_on`` is not used: it may have been
    moved, and this measures the rule.

    An action *counts* once it is done (on or before ``as_of``) or once it can no longer be done in
    time: an action still inside its first 5 working days and not yet done cannot have failed yet.
    Work done after ``as_of`` is not known on ``as_of`` (a report of a past date).
    """
    if completed_on is not None and completed_on <= as_of:
        return True, working_days_between(raised_on, completed_on) <= days
    return working_days_between(raised_on, as_of) > days, False


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
