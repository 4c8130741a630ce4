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
    ActionState,
    ActionStatus,
    BulkEdit,
    Problems,
    Step,
    Transition,
    completion_in_time,
    next_status,
    overdue_cutoff,
    plan_bulk_edit,
    this_week,
    transition_problems,
    working_days_overdue,
)
from core.action_views import ActionCharts, ActionCounts, ActionView, TeamRate, sort_key, weekly_activity
from core.authz import Scope
from db.events import record
from db.models import Audit, Case, Event, Practitioner, RemedialAction, Team, Theme, User
from db.queries.common import in_scope, reported_overall

OBJECT_TYPE = "remedial_action"
# ``db.queries.common.action_of_submitted_audit``, written so that SQLite's planner walks the
# actions (``ix_action_list``) and looks each audit up by id, instead of walking every submitted
# audit through a heatmap index and probing for actions (3 to 4 times slower at 100,000 audits).
# Wrapping the status in coalesce() changes no result (the column is never NULL).
_of_submitted_audit = and_(col(RemedialAction.audit_id) == col(Audit.id),
                           func.coalesce(col(Audit.status), "") == "submitted")
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
    due_from: date | None = None
    due_to: date | None = None


@dataclass(frozen=True)
class ActionPage:
    """One page of the filtered list, and counts of everything the filters match (shown or not)."""

    rows: list[ActionView]
    total: int  # actions matching the filters
    overdue: int  # of those, overdue
    offset: int = 0
    limit: int = 0

    @property
    def shown_from(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def shown_to(self) -> int:
        return self.offset + len(self.rows)


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


_LIST_COLUMNS = (
    RemedialAction.id, Audit.id, Case.reference, Theme.name, Audit.team_id, Team.name, RemedialAction.owner_id,
    Practitioner.name, RemedialAction.description, _raised_by.display_name, RemedialAction.raised_on,
    RemedialAction.due_on, RemedialAction.status, RemedialAction.completion_note, RemedialAction.completed_on,
    _verified_by.display_name, RemedialAction.verified_on, RemedialAction.reopen_reason, RemedialAction.version,
)


def _base_query():
    # Plain columns, not ORM entities: building 30,000 RemedialAction objects for an export
    # cost more than the query itself.
    return (
        select(*_LIST_COLUMNS)
        .join(Audit, _of_submitted_audit)
        .join(Case, Case.id == Audit.case_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .join(Team, Team.id == Audit.team_id)
        .join(_raised_by, _raised_by.id == RemedialAction.raised_by_id)
        .outerjoin(Practitioner, Practitioner.id == RemedialAction.owner_id)
        .outerjoin(_verified_by, _verified_by.id == RemedialAction.verified_by_id)
    )


class _Overdue:
    """Working days overdue per (status, due date): a list holds few distinct due dates, so
    each is counted once, not once per action."""

    def __init__(self, today: date):
        self.today = today
        self.known: dict[tuple[str, date], int] = {}

    def __call__(self, status: str, due_on: date) -> int:
        key = (status, due_on)
        if key not in self.known:
            self.known[key] = working_days_overdue(status, due_on, self.today)
        return self.known[key]


def _view(row, overdue: _Overdue) -> ActionView:
    (action_id, audit_id, reference, theme, team_id, team, owner_id, owner, description, raised_by, raised_on,
     due_on, status, completion_note, completed_on, verified_by, verified_on, reopen_reason, version) = row
    return ActionView(
        id=action_id, audit_id=audit_id, case_reference=reference, theme=theme, team_id=team_id, team=team,
        owner_id=owner_id, owner=owner, description=description, raised_by=raised_by,
        raised_on=raised_on, due_on=due_on, status=status,
        completion_note=completion_note, completed_on=completed_on, verified_by=verified_by,
        verified_on=verified_on, reopen_reason=reopen_reason, version=version,
        days_overdue=overdue(status, due_on),
    )


def _refuse_aggregates_only(scope: Scope) -> None:
    if scope.aggregates_only:
        raise PermissionError("Aggregate-only users do not see individual actions.")


def _overdue_condition(cutoff: date):
    """Overdue in SQL: outstanding and due before ``core.actions.overdue_cutoff(today)`` (computed once)."""
    return and_(col(RemedialAction.status).in_(_OUTSTANDING), RemedialAction.due_on < cutoff)


def _rank(cutoff: date):
    """``core.action_views.sort_key``'s first part in SQL: overdue, outstanding, done, verified."""
    return case(
        (_overdue_condition(cutoff), 0),
        (col(RemedialAction.status).in_(_OUTSTANDING), 1),
        (RemedialAction.status == ActionStatus.DONE.value, 2),
        else_=3,
    )


def _filtered(query, scope: Scope, filters: ActionFilters, today: date):
    """``query`` (joined to Audit) limited to ``scope`` and every filter, all in SQL."""
    query = in_scope(query, scope)
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
    if filters.due_from is not None:
        query = query.where(RemedialAction.due_on >= filters.due_from)
    if filters.due_to is not None:
        query = query.where(RemedialAction.due_on <= filters.due_to)
    if filters.overdue:
        query = query.where(_overdue_condition(overdue_cutoff(today)))
    return query


def _ordered(query, today: date):
    """Most overdue first (the earliest due date is the most working days overdue), then outstanding
    by due date, then done, then verified: ``core.action_views.sort_key``, in SQL."""
    return query.order_by(_rank(overdue_cutoff(today)), RemedialAction.due_on, RemedialAction.id)


def list_actions(session: Session, scope: Scope, filters: ActionFilters, today: date) -> list[ActionView]:
    """Every action ``scope`` may see that matches ``filters``, most overdue first (for exports)."""
    _refuse_aggregates_only(scope)
    overdue = _Overdue(today)
    query = _ordered(_filtered(_base_query(), scope, filters, today), today)
    return [_view(row, overdue) for row in session.exec(query)]


def count_actions(session: Session, scope: Scope, filters: ActionFilters, today: date) -> tuple[int, int]:
    """How many actions match ``filters``, and how many of them are overdue (one aggregate)."""
    _refuse_aggregates_only(scope)
    query = _filtered(
        select(func.count(), func.coalesce(func.sum(case((_overdue_condition(overdue_cutoff(today)), 1), else_=0)), 0))
        .select_from(RemedialAction).join(Audit, _of_submitted_audit),
        scope, filters, today,
    )
    total, overdue = session.exec(query).one()
    return int(total), int(overdue)


def page_of_actions(session: Session, scope: Scope, filters: ActionFilters, today: date, *, offset: int = 0,
                    limit: int = 50) -> ActionPage:
    """One page of the filtered list, most overdue first, with counts of all the filters match.

    Only the page's rows are loaded: the order and the page are found on the action and audit
    columns alone (``ix_action_list`` and ``ix_audit_action``), then the page's rows are joined
    to cases, teams and names.
    """
    _refuse_aggregates_only(scope)
    total, overdue_total = count_actions(session, scope, filters, today)
    offset = max(0, min(offset, max(0, total - 1) // max(1, limit) * limit))
    ids = list(session.exec(_ordered(
        _filtered(select(RemedialAction.id).join(Audit, _of_submitted_audit), scope, filters, today), today,
    ).offset(offset).limit(limit)))
    rows: list[ActionView] = []
    if ids:
        overdue = _Overdue(today)
        position = {action_id: i for i, action_id in enumerate(ids)}
        found = session.exec(_base_query().where(col(RemedialAction.id).in_(ids))).all()
        rows = sorted((_view(row, overdue) for row in found), key=lambda v: position[v.id])
    return ActionPage(rows=rows, total=total, overdue=overdue_total, offset=offset, limit=limit)


def get_action(session: Session, scope: Scope, action_id: int, today: date) -> ActionView | None:
    """One action, or None when it does not exist or lies outside ``scope``."""
    _refuse_aggregates_only(scope)
    row = session.exec(in_scope(_base_query().where(RemedialAction.id == action_id), scope)).first()
    return _view(row, _Overdue(today)) if row else None


def filter_options(session: Session, scope: Scope) -> FilterOptions:
    """The teams, owners and themes that occur among the actions ``scope`` may see."""
    _refuse_aggregates_only(scope)
    teams = dict(session.exec(in_scope(select(Team.id, Team.name), scope, Team.id).order_by(Team.name)).all())
    if scope.team_ids is None:
        # Every team: one probe per practitioner (the first action found will do), not a pass over every action.
        has_action = (select(RemedialAction.id).join(Audit, _of_submitted_audit)
                      .where(RemedialAction.owner_id == Practitioner.id).exists())
        owners_query = select(Practitioner.id, Practitioner.name).where(has_action)
    else:
        # A manager's few teams: their actions are few, read them through the teams.
        owners_query = in_scope(select(Practitioner.id, Practitioner.name)
                                .join(RemedialAction, RemedialAction.owner_id == Practitioner.id)
                                .join(Audit, _of_submitted_audit).distinct(), scope)
    owners = dict(sorted(session.exec(owners_query).all(), key=lambda row: row[1]))
    unowned = session.exec(in_scope(
        select(RemedialAction.id).join(Audit, _of_submitted_audit)
        .where(col(RemedialAction.owner_id).is_(None)).limit(1), scope)).first()
    if unowned is not None:
        owners[NO_OWNER] = "No owner"
    themes = dict(session.exec(select(Theme.id, Theme.name).order_by(Theme.name)).all())
    return FilterOptions(teams=teams, owners=owners, themes=themes)


def history(session: Session, scope: Scope, action_id: int) -> list[Event]:
    """The event log of one action, oldest first (empty if it is outside ``scope``)."""
    _refuse_aggregates_only(scope)
    visible = session.exec(in_scope(
        select(RemedialAction.id).join(Audit, _of_submitted_audit)
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
            func.coalesce(func.sum(case((outstanding, 1), else_=0)), 0),
            func.coalesce(func.sum(case((_overdue_condition(overdue_cutoff(today)), 1), else_=0)), 0),
            func.coalesce(func.sum(case((RemedialAction.status == ActionStatus.DONE.value, 1), else_=0)), 0),
            func.coalesce(func.sum(case((RemedialAction.status == ActionStatus.VERIFIED.value, 1), else_=0)), 0),
        )
        .select_from(RemedialAction)
        .join(Audit, _of_submitted_audit),
        scope,
    ).group_by(*group)


def headline(session: Session, scope: Scope, today: date) -> ActionCounts:
    """Open (open or reopened), overdue, done and verified actions in ``scope``: one pass, no grouping."""
    _open, late, done, verified = session.exec(_counts_query(scope, today)).one()
    return ActionCounts("All teams", "All teams", int(_open), int(late), int(done), int(verified))


def _team_names(session: Session) -> dict[int, str]:
    return dict(session.exec(select(Team.id, Team.name)).all())


def counts_by_team(session: Session, scope: Scope, today: date) -> list[ActionCounts]:
    """Open (open or reopened), overdue, done and verified actions per team, most overdue first.

    Team-level counts only: a sponsor may have them too. Grouped by team id and named
    afterwards, so that the database walks the actions once (``ix_action_list``).
    """
    names = _team_names(session)
    rows = session.exec(_counts_query(scope, today, Audit.team_id)).all()
    counts = [ActionCounts(names[team_id], names[team_id], int(o), int(late), int(d), int(v))
              for team_id, o, late, d, v in rows]
    return sorted(counts, key=lambda c: (-c.overdue, -c.open, c.label))


def counts_by_practitioner(session: Session, scope: Scope, today: date) -> list[ActionCounts]:
    """The same counts per owner (and the team of the actions), most overdue first."""
    _refuse_aggregates_only(scope)
    names = _team_names(session)
    owners = dict(session.exec(select(Practitioner.id, Practitioner.name)).all())
    rows = session.exec(_counts_query(scope, today, Audit.team_id, RemedialAction.owner_id)).all()
    counts = [
        ActionCounts(owners.get(owner_id) or "No owner", names[team_id], int(o), int(late), int(d), int(v))
        for team_id, owner_id, o, late, d, v in rows
    ]
    return sorted(counts, key=lambda c: (-c.overdue, -c.open, c.team, c.label))


def chase_list(session: Session, scope: Scope, today: date, *, include_due_this_week: bool = False,
               team_ids: tuple[int, ...] = ()) -> list[ActionView]:
    """The weekly chase list: overdue actions (and, if asked, those due by the end of this week),
    of every team in ``scope`` or of ``team_ids``.

    Grouping by team and owner is ``core.action_views.chase_rows``' job; the rows come most overdue first.
    """
    views = list_actions(session, scope, ActionFilters(overdue=True, team_ids=team_ids), today)
    if include_due_this_week:
        seen = {v.id for v in views}
        views += [v for v in list_actions(session, scope, ActionFilters(due_this_week=True, team_ids=team_ids), today)
                  if v.id not in seen]
    return sorted(views, key=lambda v: (v.team, v.owner_label, sort_key(v)))


@dataclass(frozen=True)
class ChaseTeam:
    team_id: int
    team: str
    overdue: int
    due_this_week: int  # outstanding, not overdue, due by Sunday


def chase_teams(session: Session, scope: Scope, today: date) -> list[ChaseTeam]:
    """Per team, how many actions the chase list holds: one grouped count, most overdue first."""
    _refuse_aggregates_only(scope)
    monday, sunday = this_week(today)
    cutoff = overdue_cutoff(today)
    outstanding = col(RemedialAction.status).in_(_OUTSTANDING)
    soon = and_(outstanding, RemedialAction.due_on >= max(monday, cutoff), RemedialAction.due_on <= sunday)
    rows = session.exec(in_scope(
        select(Audit.team_id, func.sum(case((_overdue_condition(cutoff), 1), else_=0)),
               func.sum(case((soon, 1), else_=0)))
        .select_from(RemedialAction).join(Audit, _of_submitted_audit)
        .where(outstanding, RemedialAction.due_on <= sunday), scope,
    ).group_by(Audit.team_id)).all()
    names = _team_names(session)
    teams = [ChaseTeam(team_id, names[team_id], int(late or 0), int(week or 0)) for team_id, late, week in rows]
    return sorted((t for t in teams if t.overdue or t.due_this_week), key=lambda t: (-t.overdue, t.team))


def charts(session: Session, scope: Scope, today: date, filters: ActionFilters | None = None) -> ActionCharts:
    """Team-level figures for the charts, over the actions ``filters`` match (no case, name or text:
    a sponsor may see them). Grouped in SQL by team and dates: a few thousand groups, not every action."""
    filters = filters or ActionFilters()
    if scope.aggregates_only and filters.owner_ids:
        raise PermissionError("Aggregate-only users do not filter by practitioner.")
    query = _filtered(
        select(Audit.team_id, RemedialAction.raised_on, RemedialAction.completed_on, RemedialAction.verified_on,
               RemedialAction.status, reported_overall, func.count())
        .select_from(RemedialAction)
        .join(Audit, _of_submitted_audit),
        scope, filters, today,
    ).group_by(Audit.team_id, RemedialAction.raised_on, RemedialAction.completed_on, RemedialAction.verified_on,
               RemedialAction.status, reported_overall)
    names = _team_names(session)
    rows = [(names[team_id], *rest) for team_id, *rest in session.exec(query).all()]
    raised: dict[date, int] = {}
    completed: dict[date, int] = {}
    verified: dict[date, int] = {}
    in_time: dict[str, list[int]] = {}
    red: dict[str, list[int]] = {}
    for team, raised_on, completed_on, verified_on, status, overall, n in rows:
        raised[raised_on] = raised.get(raised_on, 0) + n
        if completed_on is not None:
            completed[completed_on] = completed.get(completed_on, 0) + n
        if verified_on is not None:
            verified[verified_on] = verified.get(verified_on, 0) + n
        counts, done_in_time = completion_in_time(raised_on, completed_on, today)
        if counts:
            bucket = in_time.setdefault(team, [0, 0])
            bucket[1] += n
            bucket[0] += n * done_in_time
        if overall == 1:
            bucket = red.setdefault(team, [0, 0])
            bucket[1] += n
            bucket[0] += n * (status == ActionStatus.VERIFIED.value)
    by_week = weekly_activity(*(_repeat(days) for days in (raised, completed, verified)))
    return ActionCharts(
        by_week=by_week,
        in_time_by_team=[TeamRate(team, p, w) for team, (p, w) in sorted(in_time.items())],
        red_verified_by_team=[TeamRate(team, p, w) for team, (p, w) in sorted(red.items())],
    )


def _repeat(counts: dict[date, int]):
    """Each day as many times as it was counted (``weekly_activity`` counts days one by one)."""
    for day, n in counts.items():
        for _ in range(n):
            yield day


# ------------------------------------------------------------------ commands
def _load_for_change(session: Session, scope: Scope, action_id: int) -> tuple[RemedialAction, int]:
    """The stored action and its team, if ``scope`` may see it."""
    _refuse_aggregates_only(scope)
    row = session.exec(in_scope(
        select(RemedialAction, Audit.team_id).join(Audit, _of_submitted_audit)
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
