"""The meetings log: record a meeting, count meetings by week and type, each manager's history.

A manager sees the meetings that concern a team they manage, that they attended or
that they recorded; auditors and administrators see every meeting. Meeting notes
are free text and never reach an aggregates-only (sponsor) scope.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from core.authz import Role, Scope, may_open
from core.meetings import MEETING_KINDS, MeetingDraft, meeting_problems
from core.workdays import week_start
from db.events import record
from db.models import ManagedTeam, Meeting, MeetingAttendee, MeetingTeam, Practitioner, Team, User, UserRole
from db.queries.common import in_scope, read_day


class MeetingError(ValueError):
    """A meeting that cannot be recorded; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def _no_free_text(scope: Scope) -> None:
    if scope.aggregates_only:
        raise PermissionError("Meeting details are not shown to an aggregates-only role.")


# ------------------------------------------------------------------ choices for forms
def team_options(session: Session, scope: Scope) -> dict[int, str]:
    """Active teams the user may see, by name."""
    rows = session.exec(
        in_scope(select(Team.id, Team.name).where(col(Team.active).is_(True)), scope, Team.id).order_by(Team.name)
    ).all()
    return dict(rows)


def practitioner_options(session: Session, scope: Scope) -> dict[int, str]:
    """Active practitioners of the teams the user may see, as 'Name (Team)'."""
    _no_free_text(scope)
    rows = session.exec(
        in_scope(
            select(Practitioner.id, Practitioner.name, Team.name)
            .join(Team, Team.id == Practitioner.team_id)
            .where(col(Practitioner.active).is_(True)),
            scope,
            Practitioner.team_id,
        ).order_by(Practitioner.name, Practitioner.id)
    ).all()
    return {pid: f"{name} ({team})" for pid, name, team in rows}


def user_options(session: Session) -> dict[int, str]:
    """Active users who can attend or own things (everyone but sponsor-only accounts)."""
    working = select(UserRole.user_id).where(col(UserRole.role) != Role.SPONSOR.value)
    rows = session.exec(
        select(User.id, User.display_name)
        .where(col(User.active).is_(True), col(User.id).in_(working))
        .order_by(User.display_name, User.id)
    ).all()
    return dict(rows)


def manager_options(session: Session, scope: Scope) -> dict[int, str]:
    """Users holding the manager role whose history this user may look at.

    A manager sees the managers of the teams they manage (themselves included).
    """
    statement = (
        select(User.id, User.display_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.MANAGER.value)
    )
    if scope.team_ids is not None:
        colleagues = in_scope(select(ManagedTeam.user_id), scope, ManagedTeam.team_id)
        statement = statement.where(or_(col(User.id).in_(colleagues), User.id == scope.user_id))
    return dict(session.exec(statement.order_by(User.display_name, User.id)).all())


# ------------------------------------------------------------------ recording
def record_meeting(session: Session, scope: Scope, draft: MeetingDraft, today: date) -> Meeting:
    """Save ``draft`` as a meeting recorded by ``scope``'s user, with an event; or raise MeetingError.

    Every problem is reported at once: the form rules of ``core.meetings`` plus the
    user's scope (a manager records meetings about the teams they manage only).
    """
    if not may_open(scope.roles, "meetings"):
        raise PermissionError("Only auditors, managers and administrators record meetings.")
    draft = draft.cleaned()
    problems = meeting_problems(draft, today)
    teams = team_options(session, scope)
    if draft.team_ids - set(teams):
        problems.append("You can only record meetings about teams you can see.")
    if draft.practitioner_ids - set(practitioner_options(session, scope)):
        problems.append("One of the practitioners is not in a team you can see, or is no longer active.")
    if draft.user_ids - set(user_options(session)):
        problems.append("One of the attendees is not an active user.")
    if problems:
        raise MeetingError(problems)
    meeting = Meeting(
        kind=draft.kind, held_on=draft.held_on, notes=draft.notes, follow_ups=draft.follow_ups,
        recorded_by_id=scope.user_id,
    )
    session.add(meeting)
    session.flush()
    for user_id in sorted(draft.user_ids):
        session.add(MeetingAttendee(meeting_id=meeting.id, user_id=user_id))
    for practitioner_id in sorted(draft.practitioner_ids):
        session.add(MeetingAttendee(meeting_id=meeting.id, practitioner_id=practitioner_id))
    for team_id in sorted(draft.team_ids):
        session.add(MeetingTeam(meeting_id=meeting.id, team_id=team_id))
    record(
        session, scope.username, "meeting.record", "meeting", meeting.id,
        after={
            "kind": draft.kind, "held_on": draft.held_on, "users": sorted(draft.user_ids),
            "practitioners": sorted(draft.practitioner_ids), "teams": sorted(draft.team_ids),
            "notes": draft.notes, "follow_ups": draft.follow_ups,
        },
    )
    return meeting


# ------------------------------------------------------------------ reading
def visible(statement, scope: Scope):
    """Limit a statement over ``Meeting`` to the meetings ``scope`` may see."""
    if scope.team_ids is None:
        return statement
    concerning = in_scope(select(MeetingTeam.meeting_id), scope, MeetingTeam.team_id)
    attended = select(MeetingAttendee.meeting_id).where(MeetingAttendee.user_id == scope.user_id)
    return statement.where(
        or_(col(Meeting.id).in_(concerning), col(Meeting.id).in_(attended), Meeting.recorded_by_id == scope.user_id)
    )


def _between(statement, start: date | None, end: date | None):
    if start is not None:
        statement = statement.where(Meeting.held_on >= start)
    if end is not None:
        statement = statement.where(Meeting.held_on <= end)
    return statement


@dataclass(frozen=True)
class WeekCount:
    week_start: date
    kind: str
    meetings: int


def meeting_counts(session: Session, scope: Scope, start: date | None = None, end: date | None = None) -> list[WeekCount]:
    """Meetings per week (Monday) and type; counts only, so any scope may have them."""
    rows = session.exec(
        _between(visible(select(Meeting.held_on, Meeting.kind, func.count()), scope), start, end)
        .group_by(Meeting.held_on, Meeting.kind)
    ).all()
    weekly: dict[tuple[date, str], int] = defaultdict(int)
    for held_on, kind, n in rows:
        # SQL groups by day (portable); weeks are summed here from at most 7 rows each.
        weekly[(week_start(read_day(held_on)), kind)] += n
    order = list(MEETING_KINDS)
    return [
        WeekCount(week, kind, n)
        for (week, kind), n in sorted(weekly.items(), key=lambda kv: (kv[0][0], order.index(kv[0][1])))
    ]


def totals_by_kind(counts: list[WeekCount]) -> dict[str, int]:
    totals = {kind: 0 for kind in MEETING_KINDS}
    for row in counts:
        totals[row.kind] = totals.get(row.kind, 0) + row.meetings
    return totals


@dataclass(frozen=True)
class MeetingRow:
    id: int
    held_on: date
    kind: str
    recorded_by: str
    attendees: tuple[str, ...]
    practitioners: tuple[str, ...]
    teams: tuple[str, ...]
    notes: str
    follow_ups: str


@dataclass(frozen=True)
class HistoryFilter:
    """Which meetings of the history: attended by ``attendee_id``, of ``kinds``, held between the dates
    (each part left out when not given)."""

    attendee_id: int | None = None
    kinds: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None


def _history(statement, scope: Scope, filters: HistoryFilter):
    """``statement`` limited to the meetings of the history the user may see, as ``filters`` choose."""
    _no_free_text(scope)
    statement = _between(visible(statement, scope), filters.start, filters.end)
    if filters.attendee_id is not None:
        statement = statement.where(col(Meeting.id).in_(
            select(MeetingAttendee.meeting_id).where(MeetingAttendee.user_id == filters.attendee_id)))
    if filters.kinds:
        statement = statement.where(col(Meeting.kind).in_(list(filters.kinds)))
    return statement


def count_history(session: Session, scope: Scope, filters: HistoryFilter = HistoryFilter()) -> int:
    """How many meetings ``meeting_history`` would list without a limit."""
    return session.exec(_history(select(func.count(col(Meeting.id))), scope, filters)).one()


def meeting_history(session: Session, scope: Scope, filters: HistoryFilter = HistoryFilter(), *,
                    limit: int | None = None) -> list[MeetingRow]:
    """Meetings the user may see, newest first (the newest ``limit``)."""
    statement = _history(select(Meeting, User.display_name), scope, filters).join(
        User, User.id == Meeting.recorded_by_id
    )
    rows = session.exec(statement.order_by(col(Meeting.held_on).desc(), col(Meeting.id).desc()).limit(limit)).all()
    ids = [meeting.id for meeting, _ in rows]
    people: dict[int, list[str]] = defaultdict(list)
    practitioners: dict[int, list[str]] = defaultdict(list)
    teams: dict[int, list[str]] = defaultdict(list)
    if ids:
        for meeting_id, name in session.exec(
            select(MeetingAttendee.meeting_id, User.display_name)
            .join(User, User.id == MeetingAttendee.user_id)
            .where(col(MeetingAttendee.meeting_id).in_(ids))
            .order_by(User.display_name)
        ):
            people[meeting_id].append(name)
        hidden: dict[int, int] = defaultdict(int)
        for meeting_id, name, team_id in session.exec(
            select(MeetingAttendee.meeting_id, Practitioner.name, Practitioner.team_id)
            .join(Practitioner, Practitioner.id == MeetingAttendee.practitioner_id)
            .where(col(MeetingAttendee.meeting_id).in_(ids))
            .order_by(Practitioner.name)
        ):
            # Practitioners are staff personal data: a manager sees those of their own teams only.
            if scope.can_see_team(team_id):
                practitioners[meeting_id].append(name)
            else:
                hidden[meeting_id] += 1
        for meeting_id, n in hidden.items():
            practitioners[meeting_id].append(f"{n} practitioner{'s' if n > 1 else ''} of other teams")
        for meeting_id, name in session.exec(
            select(MeetingTeam.meeting_id, Team.name)
            .join(Team, Team.id == MeetingTeam.team_id)
            .where(col(MeetingTeam.meeting_id).in_(ids))
            .order_by(Team.name)
        ):
            teams[meeting_id].append(name)
    return [
        MeetingRow(
            id=meeting.id, held_on=meeting.held_on, kind=meeting.kind, recorded_by=recorded_by,
            attendees=tuple(people[meeting.id]), practitioners=tuple(practitioners[meeting.id]),
            teams=tuple(teams[meeting.id]), notes=meeting.notes, follow_ups=meeting.follow_ups,
        )
        for meeting, recorded_by in rows
    ]


@dataclass(frozen=True)
class ManagerMeetings:
    user_id: int
    name: str
    teams: tuple[str, ...]
    by_kind: dict[str, int] = field(default_factory=dict)
    last_held_on: date | None = None

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def manager_summary(
    session: Session, scope: Scope, start: date | None = None, end: date | None = None
) -> list[ManagerMeetings]:
    """Per manager (those ``manager_options`` lists): meetings attended by type, and the latest."""
    _no_free_text(scope)
    managers = manager_options(session, scope)
    if not managers:
        return []
    team_names: dict[int, list[str]] = defaultdict(list)
    for user_id, name in session.exec(
        select(ManagedTeam.user_id, Team.name).join(Team, Team.id == ManagedTeam.team_id)
        .where(col(ManagedTeam.user_id).in_(list(managers))).order_by(Team.name)
    ):
        team_names[user_id].append(name)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    latest: dict[int, date] = {}
    statement = _between(
        visible(
            select(MeetingAttendee.user_id, Meeting.kind, func.count(), func.max(Meeting.held_on))
            .join(Meeting, Meeting.id == MeetingAttendee.meeting_id)
            .where(col(MeetingAttendee.user_id).in_(list(managers))),
            scope,
        ),
        start,
        end,
    ).group_by(MeetingAttendee.user_id, Meeting.kind)
    for user_id, kind, n, last in session.exec(statement):
        counts[user_id][kind] = n
        last = read_day(last)
        latest[user_id] = max(latest.get(user_id, last), last)
    return [
        ManagerMeetings(user_id, name, tuple(team_names[user_id]), counts[user_id], latest.get(user_id))
        for user_id, name in managers.items()
    ]
