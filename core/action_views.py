"""What the remedial-action tracker shows and downloads: the shapes the data layer hands to pages
(``ActionView``, ``ActionCounts``, the charts' figures), their order, and spreadsheet-safe exports.

The rules themselves (lifecycle, validation, overdue) are in ``core.actions``.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.actions import OUTSTANDING, ActionStatus, share, urgency
from core.exports import to_csv, to_xlsx
from core.workdays import week_start


# ------------------------------------------------------------------ shapes that leave the data layer
@dataclass(frozen=True)
class ActionView:
    """One action as the tracker lists it."""

    id: int
    audit_id: int
    case_reference: str
    theme: str
    team_id: int
    team: str
    owner_id: int | None
    owner: str | None
    description: str
    raised_by: str
    raised_on: date
    due_on: date
    status: str
    completion_note: str
    completed_on: date | None
    verified_by: str | None
    verified_on: date | None
    reopen_reason: str
    version: int
    days_overdue: int = 0

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def owner_label(self) -> str:
        return self.owner or "No owner"


def sort_key(view: ActionView) -> tuple:
    """Most overdue first; then outstanding by due date; then done; verified last."""
    status = ActionStatus(view.status)
    rank = 0 if view.overdue else 1 if status in OUTSTANDING else 2 if status is ActionStatus.DONE else 3
    return (rank, -view.days_overdue, view.due_on, view.id)


@dataclass(frozen=True)
class ActionCounts:
    """Counts of one team's (or one practitioner's) actions."""

    label: str
    team: str
    open: int = 0  # outstanding: open or reopened
    overdue: int = 0
    done: int = 0  # done, awaiting verification
    verified: int = 0

    @property
    def total(self) -> int:
        return self.open + self.done + self.verified


@dataclass(frozen=True)
class WeekActivity:
    week: date
    raised: int = 0
    completed: int = 0
    verified: int = 0


@dataclass(frozen=True)
class TeamRate:
    """A share for one team: ``part`` of ``whole`` (for example completed in time of those due)."""

    team: str
    part: int
    whole: int

    @property
    def rate(self) -> float | None:
        return share(self.part, self.whole)


@dataclass(frozen=True)
class ActionCharts:
    by_week: list[WeekActivity] = field(default_factory=list)
    in_time_by_team: list[TeamRate] = field(default_factory=list)
    red_verified_by_team: list[TeamRate] = field(default_factory=list)

    @property
    def red_verified(self) -> TeamRate:
        return TeamRate("All teams", sum(t.part for t in self.red_verified_by_team),
                        sum(t.whole for t in self.red_verified_by_team))

    @property
    def in_time(self) -> TeamRate:
        return TeamRate("All teams", sum(t.part for t in self.in_time_by_team),
                        sum(t.whole for t in self.in_time_by_team))


def weekly_activity(raised: Mapping[date, int], completed: Mapping[date, int],
                    verified: Mapping[date, int]) -> list[WeekActivity]:
    """Actions raised, completed and verified per week (Monday), from how many there were each day,
    every week in between included."""
    buckets: dict[date, list[int]] = {}
    for index, per_day in enumerate((raised, completed, verified)):
        for day, n in per_day.items():
            if day is None:
                continue
            buckets.setdefault(week_start(day), [0, 0, 0])[index] += n
    if not buckets:
        return []
    first, last = min(buckets), max(buckets)
    weeks = []
    monday = first
    while monday <= last:
        r, c, v = buckets.get(monday, [0, 0, 0])
        weeks.append(WeekActivity(monday, r, c, v))
        monday += timedelta(days=7)
    return weeks


# ------------------------------------------------------------------ exports
ACTION_COLUMNS = (
    "Action no.", "Audit no.", "Case reference", "Theme", "Team", "Owner", "Action", "Raised by", "Raised on",
    "Due on", "Working days overdue", "Status", "What was done", "Done on", "Verified by", "Verified on",
    "Reopen reason",
)
COUNT_COLUMNS = ("Team", "Open", "Overdue", "Done, awaiting verification", "Verified", "Total")
CHASE_COLUMNS = (
    "Team", "Owner", "Case reference", "Audit no.", "Theme", "Action", "Raised on", "Due on",
    "Working days overdue", "Status",
)


_LABEL_OF = {status.value: status.label for status in ActionStatus}  # plain dict: 30,000 Enum() calls cost 0.2 s


def action_rows(views: Iterable[ActionView]) -> Iterator[list]:
    """The export's rows, one view at a time (``views`` may be a stream from the database)."""
    return (
        [v.id, v.audit_id, v.case_reference, v.theme, v.team, v.owner_label, v.description, v.raised_by, v.raised_on,
         v.due_on, v.days_overdue, _LABEL_OF[v.status], v.completion_note, v.completed_on, v.verified_by,
         v.verified_on, v.reopen_reason]
        for v in views
    )


def count_rows(counts: Iterable[ActionCounts]) -> list[list]:
    return [[c.label, c.open, c.overdue, c.done, c.verified, c.total] for c in counts]


def group_page_starts(groups: Sequence[Hashable], limit: int) -> list[int]:
    """The first row of each page of a list whose rows come group by group (``groups``: each row's
    group, in order), at most ``limit`` rows a page: a page ends between two groups, so a group is
    never split over two pages unless it alone has more than ``limit`` rows, and then it takes pages
    of ``limit`` rows (the last of them may go on with the next group)."""
    limit = max(1, limit)
    starts, page, run = [0], 0, 0
    for end in range(1, len(groups) + 1):
        if end < len(groups) and groups[end] == groups[end - 1]:
            continue  # the group [run, end) goes on
        if run > page and end - page > limit:  # the group does not fit beside those before it
            starts.append(run)
            page = run
        while end - page > limit:  # a group longer than a page
            page += limit
            starts.append(page)
        run = end
    return starts


def chase_rows(views: Iterable[ActionView], today: date) -> list[list]:
    """The chase list: outstanding actions grouped by team and owner, most overdue first within an owner."""
    ordered = sorted(views, key=lambda v: (v.team, v.owner_label, -v.days_overdue, v.due_on, v.id))
    return [
        [v.team, v.owner_label, v.case_reference, v.audit_id, v.theme, v.description, v.raised_on, v.due_on,
         v.days_overdue, urgency(v.status, v.due_on, today)]
        for v in ordered
    ]


def actions_csv(views: Iterable[ActionView]) -> bytes:
    return to_csv(ACTION_COLUMNS, action_rows(views))


def actions_xlsx(views: Iterable[ActionView], team_counts: Sequence[ActionCounts]) -> bytes:
    """A workbook with a sheet of the actions and a sheet of counts by team."""
    return to_xlsx({
        "Actions": (ACTION_COLUMNS, action_rows(views)),
        "Counts by team": (COUNT_COLUMNS, count_rows(team_counts)),
    })


def chase_csv(views: Sequence[ActionView], today: date) -> bytes:
    return to_csv(CHASE_COLUMNS, chase_rows(views, today))


def chase_xlsx(views: Sequence[ActionView], today: date) -> bytes:
    return to_xlsx({"Chase list": (CHASE_COLUMNS, chase_rows(views, today))})
