"""Meetings: their kinds and the rules a meeting record must meet before it is saved.

Pure Python; ``db.meetings`` applies these rules (and the user's scope) inside
the transaction that records the meeting.
"""
from __future__ import annotations

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
