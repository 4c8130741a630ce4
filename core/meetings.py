"""Meetings: their kinds and the rules a meeting record must meet before it is saved.

Pure Python; ``db.meetings`` applies these rules (and the user's scope) inside
the transaction that records the meeting.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

MEETING_KINDS: dict[str, str] = {
    "mentoring": "Mentoring",
    "reflective": "Reflective",
    "workshop": "Workshop",
    "coaching": "Coaching",
    "risks_and_issues": "Risks and issues",
}
# These meetings are always about some team's practice, so they name at least one team.
KINDS_NEEDING_A_TEAM = frozenset({"mentoring", "reflective", "coaching"})
MENTORING_KINDS = ("mentoring", "reflective")
MAX_TEXT = 5000


def kind_label(kind: str) -> str:
    return MEETING_KINDS.get(kind, kind)


@dataclass(frozen=True)
class MeetingDraft:
    """A meeting as entered, before it is saved."""

    kind: str
    held_on: date | None
    notes: str = ""
    follow_ups: str = ""
    user_ids: frozenset[int] = field(default_factory=frozenset)
    practitioner_ids: frozenset[int] = field(default_factory=frozenset)
    team_ids: frozenset[int] = field(default_factory=frozenset)

    def cleaned(self) -> "MeetingDraft":
        return MeetingDraft(
            kind=self.kind,
            held_on=self.held_on,
            notes=self.notes.strip(),
            follow_ups=self.follow_ups.strip(),
            user_ids=frozenset(self.user_ids),
            practitioner_ids=frozenset(self.practitioner_ids),
            team_ids=frozenset(self.team_ids),
        )


def meeting_problems(draft: MeetingDraft, today: date) -> list[str]:
    """Every reason ``draft`` cannot be saved, in form order; empty when it can."""
    problems = []
    if draft.kind not in MEETING_KINDS:
        problems.append(f"Choose the type of meeting (one of: {', '.join(MEETING_KINDS.values())}).")
    if draft.held_on is None:
        problems.append("Give the date the meeting was held.")
    elif draft.held_on > today:
        problems.append("The meeting date is in the future: record a meeting once it has been held.")
    if not draft.user_ids and not draft.practitioner_ids:
        problems.append("Name at least one person who attended.")
    if draft.kind in KINDS_NEEDING_A_TEAM and not draft.team_ids:
        problems.append(f"A {kind_label(draft.kind).lower()} meeting concerns at least one team: choose it.")
    if not draft.notes.strip():
        problems.append("Write a note of what was discussed.")
    if len(draft.notes) > MAX_TEXT:
        problems.append(f"The notes are {len(draft.notes)} characters long; keep them under {MAX_TEXT}.")
    if len(draft.follow_ups) > MAX_TEXT:
        problems.append(f"The follow-ups are {len(draft.follow_ups)} characters long; keep them under {MAX_TEXT}.")
    return problems


def weekly_table(counts: Iterable) -> list[dict]:
    """Meetings by week and type, as the Meetings page tabulates them: one row per week that had
    meetings (oldest first) with a column per type that occurs, in ``MEETING_KINDS`` order, each
    week's count of that type (0 where none) and its total.

    ``counts`` are rows with ``week_start``, ``kind`` and ``meetings`` (``db.meetings.WeekCount``);
    a week and type listed twice are added up; a kind that is not a meeting kind is left out."""
    by_week: dict[date, dict[str, int]] = {}
    kinds: set[str] = set()
    for row in counts:
        week = by_week.setdefault(row.week_start, {})
        week[row.kind] = week.get(row.kind, 0) + row.meetings
        kinds.add(row.kind)
    columns = [kind for kind in MEETING_KINDS if kind in kinds]
    table = []
    for week_start in sorted(by_week):
        row = {"Week": week_start, **{kind_label(kind): by_week[week_start].get(kind, 0) for kind in columns}}
        row["Total"] = sum(by_week[week_start].get(kind, 0) for kind in columns)
        table.append(row)
    return table
