"""The remedial-action tracker's queries and commands.

Reads (the filtered list, counts per team and per practitioner, the chase list and
the chart data) take the user's ``Scope``: a manager gets only the teams they
manage, and a sponsor-only user gets no list at all (case references, names and
free text), only the team-level chart figures. An action belongs to the team of
its audit (where the case sat when audited).

Commands (mark done, verify, reopen, change the due date, bulk update) run inside
the caller's ``write_session``; each checks scope, role and lifecycle through
``core.actions``, compares the version the user saw with the stored one
(optimistic locking on ``RemedialAction.version``) and records one event per
transition in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, or_
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from core.actions import (
    OUTSTANDING,
    ActionCharts,
    ActionCounts,
    ActionState,
    ActionStatus,
    ActionView,
    BulkEdit,
    Problems,
    Step,
    TeamRate,
    Transition,
    completion_in_time,
    next_status,
    overdue_cutoff,
    plan_bulk_edit,
    sort_key,
    this_week,
    transition_problems,
    weekly_activity,
    working_days_overdue,
)
from core.authz import Scope
from db.events import record
from db.models import Audit, Case, Event, Practitioner, RemedialAction, Team, Theme, User
from db.queries.common import action_of_submitted_audit, in_scope, reported_overall

OBJECT_TYPE = "remedial_action"
NO_OWNER = 0  # the owner filter's value for actions nobody owns
_OUTSTANDING = tuple(s.value for s in OUTSTANDING)


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


@dataclass(frozen=True)
class ActionFilters:
    """The tracker's filters; empty tuples mean "any"."""

    team_ids: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()  # NO_OWNER selects actions without an owner
    theme_ids: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    due_this_week: bool = False
    overdue: bool = False


@dataclass(frozen=True)
class FilterOptions:
    teams: dict[int, str]
    owners: dict[int, str]
    themes: dict[int, str]


@dataclass
class BulkResult:
    """What a bulk update did: the actions written and, per rejected row, its problems per field."""

    updated: list[int] = field(default_factory=list)
    rejected: dict[int, Problems] = field(default_factory=dict)


# ------------------------------------------------------------------ reads
_raised_by = aliased(User)
_verified_by = aliased(User)


def _base_query():
    return (
        select(
            RemedialAction, Audit.id, Case.reference, Theme.name, Audit.team_id, Team.name, Practitioner.name,
            _raised_by.display_name, _verified_by.display_name,
        )
        .join(Audit, action_of_submitted_audit)
        .join(Case, Case.id == Audit.case_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .join(Team, Team.id == Audit.team_id)
        .join(_raised_by, _raised_by.id == RemedialAction.raised_by_id)
        .outerjoin(Practitioner, Practitioner.id == RemedialAction.owner_id)
        .outerjoin(_verified_by, _verified_by.id == RemedialAction.verified_by_id)
    )


def _view(row, today: date) -> ActionView:
    action, audit_id, reference, theme, team_id, team, owner, raised_by, verified_by = row
    return ActionView(
        id=action.id, audit_id=audit_id, case_reference=reference, theme=theme, team_id=team_id, team=team,
        owner_id=action.owner_id, owner=owner, description=action.description, raised_by=raised_by,
        raised_on=action.raised_on, due_on=action.due_on, status=action.status,
        completion_note=action.completion_note, completed_on=action.completed_on, verified_by=verified_by,
        verified_on=action.verified_on, reopen_reason=action.reopen_reason, version=action.version,
        days_overdue=working_days_overdue(action.status, action.due_on, today),
    )


def _refuse_aggregates_only(scope: Scope) -> None:
    if scope.aggregates_only:
        raise PermissionError("Aggregate-only users do not see individual actions.")


def _overdue_condition(today: date):
    return and_(col(RemedialAction.status).in_(_OUTSTANDING), RemedialAction.due_on < overdue_cutoff(today))


def list_actions(session: Session, scope: Scope, filters: ActionFilters, today: date) -> list[ActionView]:
    """The actions ``scope`` may see that match ``filters``, most overdue first."""
    _refuse_aggregates_only(scope)
    query = in_scope(_base_query(), scope)
    if filters.team_ids:
        query = query.where(col(Audit.team_id).in_(filters.team_ids))
    if filters.owner_ids:
        owners = [i for i in filters.owner_ids if i != NO_OWNER]
        conditions = [col(RemedialAction.owner_id).in_(owners)] if owners else []
        if NO_OWNER in filters.owner_ids:
            conditions.append(col(RemedialAction.owner_id).is_(None))
        query = query.where(or_(*conditions))
    if filters.theme_ids:
        query = query.where(col(Audit.theme_id).in_(filters.theme_ids))
    if filters.statuses:
        query = query.where(col(RemedialAction.status).in_(filters.statuses))
    if filters.due_this_week:
        monday, sunday = this_week(today)
        query = query.where(
            col(RemedialAction.status).in_(_OUTSTANDING), RemedialAction.due_on >= monday,
            RemedialAction.due_on <= sunday,
        )
    if filters.overdue:
        query = query.where(_overdue_condition(today))
    return sorted((_view(row, today) for row in session.exec(query)), key=sort_key)


def get_action(session: Session, scope: Scope, action_id: int, today: date) -> ActionView | None:
    """One action, or None when it does not exist or lies outside ``scope``."""
    _refuse_aggregates_only(scope)
    row = session.exec(in_scope(_base_query().where(RemedialAction.id == action_id), scope)).first()
    return _view(row, today) if row else None


def filter_options(session: Session, scope: Scope) -> FilterOptions:
    """The teams, owners and themes that occur among the actions ``scope`` may see."""
    _refuse_aggregates_only(scope)
    teams = dict(session.exec(in_scope(select(Team.id, Team.name), scope, Team.id).order_by(Team.name)).all())
    owners_query = (
        select(Practitioner.id, Practitioner.name)
        .join(RemedialAction, RemedialAction.owner_id == Practitioner.id)
        .join(Audit, action_of_submitted_audit)
        .distinct()
    )
    owners = dict(sorted(session.exec(in_scope(owners_query, scope)).all(), key=lambda r: r[1]))
    unowned = session.exec(in_scope(
        select(func.count()).select_from(RemedialAction).join(Audit, action_of_submitted_audit)
        .where(col(RemedialAction.owner_id).is_(None)), scope)).one()
    if unowned:
        owners[NO_OWNER] = "No owner"
    themes = dict(session.exec(select(Theme.id, Theme.name).order_by(Theme.name)).all())
    return FilterOptions(teams=teams, owners=owners, themes=themes)


def history(session: Session, scope: Scope, action_id: int) -> list[Event]:
    """The event log of one action, oldest first (empty if it is outside ``scope``)."""
    _refuse_aggregates_only(scope)
    visible = session.exec(in_scope(
        select(RemedialAction.id).join(Audit, action_of_submitted_audit)
        .where(RemedialAction.id == action_id), scope)).first()
    if visible is None:
        return []
    return list(session.exec(
        select(Event).where(Event.object_type == OBJECT_TYPE, Event.object_id == str(action_id)).order_by(Event.id)
    ))


def _counts_query(scope: Scope, today: date, *group):
    outstanding = col(RemedialAction.status).in_(_OUTSTANDING)
    return in_scope(
        select(
            *group,
            func.sum(case((outstanding, 1), else_=0)),
            func.sum(case((_overdue_condition(today), 1), else_=0)),
            func.sum(case((RemedialAction.status == ActionStatus.DONE.value, 1), else_=0)),
            func.sum(case((RemedialAction.status == ActionStatus.VERIFIED.value, 1), else_=0)),
        )
        .join(Audit, action_of_submitted_audit)
        .join(Team, Team.id == Audit.team_id),
        scope,
    ).group_by(*group)


def counts_by_team(session: Session, scope: Scope, today: date) -> list[ActionCounts]:
    """Open (open or reopened), overdue, done and verified actions per team, most overdue first.

    Team-level counts only: a sponsor may have them too.
    """
    rows = session.exec(_counts_query(scope, today, Team.name)).all()
    counts = [ActionCounts(name, name, int(o or 0), int(late or 0), int(d or 0), int(v or 0))
              for name, o, late, d, v in rows]
    return sorted(counts, key=lambda c: (-c.overdue, -c.open, c.label))


def counts_by_practitioner(session: Session, scope: Scope, today: date) -> list[ActionCounts]:
    """The same counts per owner (and the team of the actions), most overdue first."""
    _refuse_aggregates_only(scope)
    query = _counts_query(scope, today, Team.name, RemedialAction.owner_id, Practitioner.name).outerjoin(
        Practitioner, Practitioner.id == RemedialAction.owner_id
    )
    counts = [
        ActionCounts(owner or "No owner", team, int(o or 0), int(late or 0), int(d or 0), int(v or 0))
        for team, _owner_id, owner, o, late, d, v in session.exec(query).all()
    ]
    return sorted(counts, key=lambda c: (-c.overdue, -c.open, c.team, c.label))


def chase_list(session: Session, scope: Scope, today: date, *, include_due_this_week: bool = False) -> list[ActionView]:
    """The weekly chase list: overdue actions (and, if asked, those due by the end of this week).

    Grouping by team and owner is ``core.actions.chase_rows``' job; the rows come most overdue first.
    """
    views = list_actions(session, scope, ActionFilters(overdue=True), today)
    if include_due_this_week:
        seen = {v.id for v in views}
        views += [v for v in list_actions(session, scope, ActionFilters(due_this_week=True), today) if v.id not in seen]
    return sorted(views, key=lambda v: (v.team, v.owner_label, sort_key(v)))


def charts(session: Session, scope: Scope, today: date) -> ActionCharts:
    """Team-level figures for the charts (no case, name or text: a sponsor may see them)."""
    rows = session.exec(in_scope(
        select(Team.name, RemedialAction.raised_on, RemedialAction.completed_on, RemedialAction.verified_on,
               RemedialAction.status, reported_overall)
        .join(Audit, action_of_submitted_audit)
        .join(Team, Team.id == Audit.team_id),
        scope,
    )).all()
    by_week = weekly_activity((r[1] for r in rows), (r[2] for r in rows), (r[3] for r in rows))
    in_time: dict[str, list[int]] = {}
    red: dict[str, list[int]] = {}
    for team, raised_on, completed_on, _verified_on, status, overall in rows:
        counts, done_in_time = completion_in_time(raised_on, completed_on, today)
        if counts:
            bucket = in_time.setdefault(team, [0, 0])
            bucket[1] += 1
            bucket[0] += done_in_time
        if overall == 1:
            bucket = red.setdefault(team, [0, 0])
            bucket[1] += 1
            bucket[0] += status == ActionStatus.VERIFIED.value
    return ActionCharts(
        by_week=by_week,
        in_time_by_team=[TeamRate(team, p, w) for team, (p, w) in sorted(in_time.items())],
        red_verified_by_team=[TeamRate(team, p, w) for team, (p, w) in sorted(red.items())],
    )


# ------------------------------------------------------------------ commands
def _load_for_change(session: Session, scope: Scope, action_id: int) -> tuple[RemedialAction, int]:
    """The stored action and its team, if ``scope`` may see it."""
    _refuse_aggregates_only(scope)
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
    """Make one already-validated step and record its event (same transaction)."""
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
