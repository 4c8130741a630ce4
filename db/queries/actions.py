"""The remedial-action tracker's reads: the paged, filtered list, one action and its history, the
filter options, the headline and per-team / per-practitioner counts, the chase list and the chart data.

Each takes the user's ``Scope``: a manager gets only the teams they manage, and a sponsor-only
user gets no list at all (case references, names and free text), only the team-level chart
figures. An action belongs to the team of its audit (where the case sat when audited). The
filters are applied in SQL. The commands that change actions are in ``db.actions``.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.actions import OUTSTANDING, ActionStatus, completion_in_time, overdue_cutoff, this_week, working_days_overdue
from core.action_views import (ActionCharts, ActionCounts, ActionView, TeamRate, group_page_starts, sort_key,
                               weekly_activity)
from core.authz import Scope
from db.models import Audit, Case, Event, Practitioner, RemedialAction, Team, Theme, User
from db.queries.common import action_of_submitted_audit, grouped_rows, in_scope, reported_overall

OBJECT_TYPE = "remedial_action"
NO_OWNER = 0  # the owner filter's value for actions nobody owns
_OUTSTANDING = tuple(s.value for s in OUTSTANDING)


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
    starts: tuple[int, ...] = ()  # where each page begins, when they are not every ``limit`` rows (``of``)

    @property
    def pages(self) -> int:
        return len(self.starts) if self.starts else (self.total + self.limit - 1) // max(1, self.limit)

    @property
    def number(self) -> int:
        """This page's number, from 1."""
        return self.starts.index(self.offset) + 1 if self.starts else self.offset // max(1, self.limit) + 1

    def start_of(self, number: int) -> int:
        """The first row of page ``number`` (from 1; clamped to the pages there are)."""
        number = min(max(1, number), self.pages)
        return self.starts[number - 1] if self.starts else (number - 1) * self.limit

    @property
    def shown_from(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def shown_to(self) -> int:
        return self.offset + len(self.rows)

    @classmethod
    def of(cls, rows: list[ActionView], offset: int, limit: int, overdue: int, *, groups: list) -> ActionPage:
        """The page of ``rows`` (a list already read: one team's chase list) holding ``offset``, where
        ``groups``, each row's group (its owner), keeps a group on one page where it fits
        (``core.action_views.group_page_starts``)."""
        starts = tuple(group_page_starts(groups, limit))
        index = bisect_right(starts, offset) - 1  # a page past the end is the last page
        end = starts[index + 1] if index + 1 < len(starts) else len(rows)
        return cls(rows=rows[starts[index]:end], total=len(rows), overdue=overdue, offset=starts[index],
                   limit=limit, starts=starts)


def page_start(offset: int, total: int, limit: int) -> int:
    """The first row of the page holding ``offset``: a page past the end of the list is its last page."""
    return max(0, min(offset, max(0, total - 1) // max(1, limit) * limit))


@dataclass(frozen=True)
class FilterOptions:
    teams: dict[int, str]
    owners: dict[int, str]
    themes: dict[int, str]



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
        .join(Audit, action_of_submitted_audit)
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


def refuse_aggregates_only(scope: Scope) -> None:
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
    """Every action ``scope`` may see that matches ``filters``, most overdue first."""
    return list(iter_actions(session, scope, filters, today))


def iter_actions(session: Session, scope: Scope, filters: ActionFilters, today: date, *,
                 chunk: int = 2000) -> Iterator[ActionView]:
    """``list_actions`` a chunk of rows at a time, for exports: at 1,000,000 audits the unfiltered
    list is 318,169 actions, which as one list of views took the server past 800 MB to write a CSV
    file of 71 MB. The rows are read from the database ``chunk`` at a time (a server-side cursor on
    PostgreSQL), inside ``session``, which must stay open while the views are taken."""
    refuse_aggregates_only(scope)
    overdue = _Overdue(today)
    query = _ordered(_filtered(_base_query(), scope, filters, today), today)
    for row in session.exec(query.execution_options(yield_per=chunk)):
        yield _view(row, overdue)


def count_actions(session: Session, scope: Scope, filters: ActionFilters, today: date) -> tuple[int, int]:
    """How many actions match ``filters``, and how many of them are overdue (one aggregate)."""
    refuse_aggregates_only(scope)
    query = _filtered(
        select(func.count(), func.coalesce(func.sum(case((_overdue_condition(overdue_cutoff(today)), 1), else_=0)), 0))
        .select_from(RemedialAction).join(Audit, action_of_submitted_audit),
        scope, filters, today,
    )
    total, overdue = session.exec(query).one()
    return int(total), int(overdue)


def page_of_actions(session: Session, scope: Scope, filters: ActionFilters, today: date, *, offset: int = 0,
                    limit: int = 50, counts: tuple[int, int] | None = None) -> ActionPage:
    """One page of the filtered list, most overdue first, with counts of all the filters match.

    Only the page's rows are loaded: the order and the page are found on the action and audit
    columns alone (``ix_action_list`` and ``ix_audit_action``), then the page's rows are joined
    to cases, teams and names. ``counts``: (matching, overdue) when the caller has them already
    (unfiltered, the headline's ``total`` and ``overdue``), else counted here.
    """
    refuse_aggregates_only(scope)
    total, overdue_total = counts if counts is not None else count_actions(session, scope, filters, today)
    offset = page_start(offset, total, limit)
    ids = list(session.exec(_ordered(
        _filtered(select(RemedialAction.id).join(Audit, action_of_submitted_audit), scope, filters, today), today,
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
    refuse_aggregates_only(scope)
    row = session.exec(in_scope(_base_query().where(RemedialAction.id == action_id), scope)).first()
    return _view(row, _Overdue(today)) if row else None


def filter_options(session: Session, scope: Scope) -> FilterOptions:
    """The teams, owners and themes that occur among the actions ``scope`` may see."""
    refuse_aggregates_only(scope)
    teams = dict(session.exec(in_scope(select(Team.id, Team.name), scope, Team.id).order_by(Team.name)).all())
    if scope.team_ids is None:
        # Every team: one probe per practitioner (the first action found will do), not a pass over every action.
        has_action = (select(RemedialAction.id).join(Audit, action_of_submitted_audit)
                      .where(RemedialAction.owner_id == Practitioner.id).exists())
        owners_query = select(Practitioner.id, Practitioner.name).where(has_action)
    else:
        # A manager's few teams: their actions are few, read them through the teams.
        owners_query = in_scope(select(Practitioner.id, Practitioner.name)
                                .join(RemedialAction, RemedialAction.owner_id == Practitioner.id)
                                .join(Audit, action_of_submitted_audit).distinct(), scope)
    owners = dict(sorted(session.exec(owners_query).all(), key=lambda row: row[1]))
    unowned = session.exec(in_scope(
        select(RemedialAction.id).join(Audit, action_of_submitted_audit)
        .where(col(RemedialAction.owner_id).is_(None)).limit(1), scope)).first()
    if unowned is not None:
        owners[NO_OWNER] = "No owner"
    themes = dict(session.exec(select(Theme.id, Theme.name).order_by(Theme.name)).all())
    return FilterOptions(teams=teams, owners=owners, themes=themes)


def history(session: Session, scope: Scope, action_id: int) -> list[Event]:
    """The event log of one action, oldest first (empty if it is outside ``scope``)."""
    refuse_aggregates_only(scope)
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
            func.coalesce(func.sum(case((outstanding, 1), else_=0)), 0),
            func.coalesce(func.sum(case((_overdue_condition(overdue_cutoff(today)), 1), else_=0)), 0),
            func.coalesce(func.sum(case((RemedialAction.status == ActionStatus.DONE.value, 1), else_=0)), 0),
            func.coalesce(func.sum(case((RemedialAction.status == ActionStatus.VERIFIED.value, 1), else_=0)), 0),
        )
        .select_from(RemedialAction)
        .join(Audit, action_of_submitted_audit),
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
    refuse_aggregates_only(scope)
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
    refuse_aggregates_only(scope)
    monday, sunday = this_week(today)
    cutoff = overdue_cutoff(today)
    outstanding = col(RemedialAction.status).in_(_OUTSTANDING)
    soon = and_(outstanding, RemedialAction.due_on >= max(monday, cutoff), RemedialAction.due_on <= sunday)
    rows = session.exec(in_scope(
        select(Audit.team_id, func.sum(case((_overdue_condition(cutoff), 1), else_=0)),
               func.sum(case((soon, 1), else_=0)))
        .select_from(RemedialAction).join(Audit, action_of_submitted_audit)
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
        .join(Audit, action_of_submitted_audit),
        scope, filters, today,
    ).group_by(Audit.team_id, RemedialAction.raised_on, RemedialAction.completed_on, RemedialAction.verified_on,
               RemedialAction.status, reported_overall)
    names = _team_names(session)
    rows = [(names[team_id], *rest) for team_id, *rest in grouped_rows(session, query)]
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
    by_week = weekly_activity(raised, completed, verified)
    return ActionCharts(
        by_week=by_week,
        in_time_by_team=[TeamRate(team, p, w) for team, (p, w) in sorted(in_time.items())],
        red_verified_by_team=[TeamRate(team, p, w) for team, (p, w) in sorted(red.items())],
    )

