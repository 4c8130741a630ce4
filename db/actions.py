"""The remedial-action tracker's commands: mark done, verify, reopen, change the due date, bulk update.

Each runs inside the caller's ``write_session``, checks scope, role and lifecycle through
``core.actions``, compares the version the user saw with the stored one (optimistic locking on
``RemedialAction.version``) and records one event per transition in the same transaction. The
tracker's reads (the list, counts, chase list, charts) are in ``db.queries.actions``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from core.actions import (
    ActionState,
    ActionStatus,
    BulkEdit,
    Problems,
    Step,
    Transition,
    next_status,
    plan_bulk_edit,
    transition_problems,
)
from core.action_views import ActionView
from core.authz import Scope
from db.events import record
from db.models import Audit, Event, RemedialAction
from db.queries.actions import OBJECT_TYPE, get_action, refuse_aggregates_only
from db.queries.common import action_of_submitted_audit, in_scope
from db.rollups import action_contribution, apply as apply_to_rollups


class ActionError(ValueError):
    """A change that cannot be made; ``problems`` says why, per field."""

    def __init__(self, problems: Problems):
        self.problems = problems
        super().__init__("; ".join(m for messages in problems.values() for m in messages))


class ActionNotFound(ActionError):
    """No such action in the user's scope (an action of another team is 'not found', not 'forbidden')."""

    def __init__(self, action_id: int):
        super().__init__({"row": [f"Action {action_id} was not found among the actions you may see."]})


class ActionConflict(ActionError):
    """Someone else saved this action since the user loaded it; ``current`` is what is stored now."""

    def __init__(self, current: ActionView):
        self.current = current
        super().__init__({"row": [
            "Someone else changed this action after you opened it (it is now "
            f"{ActionStatus(current.status).label.lower()}, due {current.due_on:%d %b %Y}). Nothing was saved."
        ]})


@dataclass
class BulkResult:
    """What a bulk update did: the actions written and, per rejected row, its problems per field."""

    updated: list[int] = field(default_factory=list)
    rejected: dict[int, Problems] = field(default_factory=dict)


def _load_for_change(session: Session, scope: Scope, action_id: int) -> tuple[RemedialAction, int]:
    """The stored action and its team, if ``scope`` may see it."""
    refuse_aggregates_only(scope)
    row = session.exec(in_scope(
        select(RemedialAction, Audit.team_id).join(Audit, action_of_submitted_audit)
        .where(RemedialAction.id == action_id), scope)).first()
    if row is None:
        raise ActionNotFound(action_id)
    return row[0], row[1]


def _done_by(session: Session, action_id: int) -> str | None:
    """Who last marked the action done, from the event log (the schema keeps no column for it)."""
    return session.exec(
        select(Event.username)
        .where(Event.object_type == OBJECT_TYPE, Event.object_id == str(action_id), Event.action == "action.done")
        .order_by(col(Event.id).desc())
    ).first()


def _state(session: Session, action: RemedialAction, team_id: int) -> ActionState:
    return ActionState(
        id=action.id, status=action.status, team_id=team_id, raised_on=action.raised_on, due_on=action.due_on,
        completion_note=action.completion_note, completed_on=action.completed_on, version=action.version,
        done_by=_done_by(session, action.id) if action.status == ActionStatus.DONE.value else None,
    )


def _apply(session: Session, scope: Scope, action: RemedialAction, step: Step, today: date) -> None:
    """Make one already-validated step, move Progress's action rollup and record its event (same transaction)."""
    counted = action_contribution(session, action.audit_id)
    before = {"status": action.status, "due_on": action.due_on, "version": action.version}
    after: dict = {}
    if step.transition is Transition.CHANGE_DUE:
        action.due_on = step.new_due
        after = {"due_on": step.new_due, "reason": step.reason.strip()}
    else:
        action.status = next_status(action.status, step.transition).value
        after["status"] = action.status
        if step.transition is Transition.DONE:
            action.completion_note = step.note.strip()
            action.completed_on = step.completed_on
            # A fresh completion is checked afresh: an earlier verification no longer applies.
            action.verified_on = None
            action.verified_by_id = None
            after.update(completion_note=action.completion_note, completed_on=action.completed_on)
        elif step.transition is Transition.VERIFY:
            action.verified_on = today
            action.verified_by_id = scope.user_id
            after.update(verified_on=today)
        elif step.transition is Transition.REOPEN:
            # The rejected completion stays in the event log; the action is outstanding again.
            before.update(completion_note=action.completion_note, completed_on=action.completed_on)
            action.completion_note = ""
            action.completed_on = None
            action.reopen_reason = step.reason.strip()
            after.update(reopen_reason=action.reopen_reason)
    session.add(action)
    session.flush()  # the UPDATE carries "WHERE version = <loaded>": a concurrent save raises StaleDataError
    apply_to_rollups(session, counted, action_contribution(session, action.audit_id))
    after["version"] = action.version
    name = {Transition.DONE: "action.done", Transition.VERIFY: "action.verified", Transition.REOPEN: "action.reopened",
            Transition.CHANGE_DUE: "action.due_changed"}[step.transition]
    record(session, scope.username, name, OBJECT_TYPE, action.id, before=before, after=after)


def _transition(session: Session, scope: Scope, action_id: int, version: int, step: Step, today: date) -> ActionView:
    action, team_id = _load_for_change(session, scope, action_id)
    if action.version != version:
        raise ActionConflict(get_action(session, scope, action_id, today))
    state = _state(session, action, team_id)
    problems = transition_problems(
        scope, step.transition, status=state.status, team_id=team_id, raised_on=state.raised_on, due_on=state.due_on,
        today=today, note=step.note, completed_on=step.completed_on, reason=step.reason, new_due=step.new_due,
        done_by=state.done_by,
    )
    if problems:
        raise ActionError(problems)
    try:
        _apply(session, scope, action, step, today)
    except StaleDataError:
        session.rollback()
        raise ActionConflict(get_action(session, scope, action_id, today)) from None
    return get_action(session, scope, action_id, today)


def mark_done(session: Session, scope: Scope, action_id: int, *, version: int, note: str, completed_on: date | None,
              today: date) -> ActionView:
    """Open or reopened -> done, with a note of what was done in the record and its date."""
    return _transition(session, scope, action_id, version, Step(Transition.DONE, note=note, completed_on=completed_on),
                       today)


def verify(session: Session, scope: Scope, action_id: int, *, version: int, today: date) -> ActionView:
    """Done -> verified: an auditor has checked the record."""
    return _transition(session, scope, action_id, version, Step(Transition.VERIFY), today)


def reopen(session: Session, scope: Scope, action_id: int, *, version: int, reason: str, today: date) -> ActionView:
    """Done -> reopened, with the reason (what is still missing from the record)."""
    return _transition(session, scope, action_id, version, Step(Transition.REOPEN, reason=reason), today)


def change_due_date(session: Session, scope: Scope, action_id: int, *, version: int, due_on: date | None, reason: str,
                    today: date) -> ActionView:
    """Move the due date of an outstanding action, with a reason (logged before and after)."""
    return _transition(session, scope, action_id, version,
                       Step(Transition.CHANGE_DUE, new_due=due_on, reason=reason), today)


def bulk_update(session: Session, scope: Scope, edits: list[BulkEdit], today: date) -> BulkResult:
    """Apply the rows of the bulk editor, deciding row by row.

    Each row is validated in full first (scope, role, lifecycle, note, dates, reasons,
    and the version the user saw). A row with any problem is reported and nothing of
    it is written; the valid rows are written. Why per row and not all-or-nothing:
    every row is a different action, so a partial save leaves nothing inconsistent,
    and business support works through a long list in the weekly meeting: one
    mistyped date must not throw away twenty good updates, while the rejected rows
    come back with their input and the reason, to be fixed and saved again. Within a
    row it is all-or-nothing (a savepoint), so a row's due-date change never lands
    without its status change, and a concurrent save of that action (a stale
    version) rejects just that row.
    """
    result = BulkResult()
    for edit in edits:
        try:
            action, team_id = _load_for_change(session, scope, edit.action_id)
        except ActionError as exc:
            result.rejected[edit.action_id] = exc.problems
            continue
        steps, problems = plan_bulk_edit(edit, _state(session, action, team_id), scope, today)
        if problems:
            result.rejected[edit.action_id] = problems
            continue
        if not steps:
            continue
        try:
            with session.begin_nested():
                for step in steps:
                    _apply(session, scope, action, step, today)
        except StaleDataError:
            session.expire_all()
            result.rejected[edit.action_id] = {
                "row": ["Someone else saved this action at the same moment; reload and redo this row."]}
            continue
        result.updated.append(edit.action_id)
    return result
