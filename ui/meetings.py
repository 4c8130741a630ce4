"""Streamlit glue for the Meetings and Risks-and-issues pages.

Cached reads, one-shot messages that survive a rerun, the week picker of the
agenda, markdown escaping for names shown in labels, and the bookkeeping of the
log's editable table (which rows the user was editing, and what changed).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from core.agenda import AgendaItem, fmt
from core.authz import Scope
from core.periods import week_of
from core.risks import SEVERITIES, STATUSES
from core.workdays import week_start
from db.engine import read_session
from db.meetings import (
    HistoryFilter,
    ManagerMeetings,
    MeetingRow,
    WeekCount,
    count_history,
    manager_options,
    manager_summary,
    meeting_counts,
    meeting_history,
    practitioner_options,
    team_options,
    user_options,
)
from db.queries.agenda import suggested_agenda
from db.queries.common import current_programme, read_day
from db.risks import RiskRow
from ui.cache import cached_query
from ui.text import plain

def md_escape(text: str) -> str:
    """``text`` shown exactly as typed by Streamlit's markdown, never as formatting or links.

    Only what would format is escaped: a label's accessible name (aria-label) keeps
    the backslashes, so plain names stay plain for screen readers.
    """
    return plain(" ".join((text or "").splitlines()))  # the app's one text seam, on one line


# ------------------------------------------------------------------ cached reads
@cached_query(reads_drafts=False)
def agenda_for(scope: Scope, week: date, today: date) -> list[AgendaItem]:
    with read_session() as session:
        return suggested_agenda(session, scope, week, today)


@cached_query(reads_drafts=False)
def counts_for(scope: Scope, start: date | None, end: date | None) -> list[WeekCount]:
    with read_session() as session:
        return meeting_counts(session, scope, start, end)


@cached_query(reads_drafts=False)
def summary_for(scope: Scope, start: date | None, end: date | None) -> list[ManagerMeetings]:
    with read_session() as session:
        return manager_summary(session, scope, start, end)


@cached_query(reads_drafts=False)
def history_for(scope: Scope, filters: HistoryFilter, limit: int) -> tuple[list[MeetingRow], int]:
    """The newest ``limit`` meetings of the history, and how many there are in all."""
    with read_session() as session:
        return meeting_history(session, scope, filters, limit=limit), count_history(session, scope, filters)


@dataclass(frozen=True)
class Choices:
    """What the meetings and risks pages offer to choose from, by id: the teams and practitioners in the
    user's scope, every person (an attendee, an owner) and the managers whose history the user may see."""

    teams: dict[int, str]
    practitioners: dict[int, str]
    people: dict[int, str]
    managers: dict[int, str]


@cached_query(reads_drafts=False)
def choices_for(scope: Scope) -> Choices:
    """The choices of the meetings and risks pages, read again only after a write (``ui.cache``)."""
    with read_session() as session:
        return Choices(team_options(session, scope), practitioner_options(session, scope),
                       unique_labels(user_options(session)), unique_labels(manager_options(session, scope)))


@cached_query(reads_drafts=False)
def programme_dates() -> tuple[date | None, int]:
    """The current programme's first day and its length in weeks (None, 0 without one)."""
    with read_session() as session:
        programme = current_programme(session)
        return (programme.start_date, programme.weeks) if programme else (None, 0)


# ------------------------------------------------------------------ messages and form resets
def generation(name: str) -> int:
    """A counter in widget keys: bumping it gives a form fresh, empty widgets. ``name`` is the
    page's key and the form's (``risks_add``); the counter waits in ``<name>_generation``."""
    return st.session_state.setdefault(f"{name}_generation", 0)


def next_generation(name: str) -> None:
    st.session_state[f"{name}_generation"] = generation(name) + 1


def show_problems(problems: list[str], heading: str = "Nothing was saved:") -> None:
    st.error(heading + "\n" + "\n".join(f"- {plain(p)}" for p in problems), icon=":material/error:")


# ------------------------------------------------------------------ weeks
def agenda_weeks(today: date, programme_start: date | None, weeks: int = 12) -> list[date]:
    """Mondays the agenda can be drafted for, newest first: the programme's weeks, or the last 12."""
    newest = week_start(today)
    oldest = week_start(programme_start) if programme_start else newest - timedelta(weeks=weeks - 1)
    oldest = min(oldest, newest)
    mondays = []
    day = newest
    while day >= oldest:
        mondays.append(day)
        day -= timedelta(weeks=1)
    return mondays


def week_label(monday: date, today: date, programme_start: date | None) -> str:
    label = f"Week of {fmt(monday)}"
    notes = []
    if programme_start and monday >= week_start(programme_start):
        notes.append(f"programme week {week_of(week_start(programme_start), monday)}")
    if monday == week_start(today):
        notes.append("this week")
    elif monday == week_start(today) - timedelta(weeks=1):
        notes.append("last week")
    return label + (f" ({', '.join(notes)})" if notes else "")



# ------------------------------------------------------------------ the log's editable table
def default_teams(teams: dict[int, str], scope: Scope) -> list[int]:
    """The teams a new meeting is preset to: a user who sees only one team (a manager of one
    team) meets about that team, so it is chosen for them; anyone seeing several chooses."""
    return list(teams) if scope.team_ids is not None and len(teams) == 1 else []


def unique_labels(options: dict[int, str]) -> dict[int, str]:
    """Labels that tell two people with the same name apart."""
    seen: dict[str, int] = {}
    for label in options.values():
        seen[label] = seen.get(label, 0) + 1
    return {key: (label if seen[label] == 1 else f"{label} (#{key})") for key, label in options.items()}


@dataclass(frozen=True)
class EditorState:
    key: str
    rows: list[RiskRow]
    discarded: bool  # the filters changed while edits were pending


def editor_state(signature: str, fresh) -> EditorState:
    """The rows under the log's editor and its widget key.

    Edits are addressed by row position, so while the user has unsaved edits the
    editor keeps showing the rows they were made on (a snapshot), not rows that
    someone else's save may have reordered. Without pending edits it shows fresh rows.
    """
    gen = generation("risks_log")
    key = f"risks_log_editor_{gen}"
    state = st.session_state.get(key) or {}
    pending = bool(state.get("edited_rows"))
    snapshot = st.session_state.get("risks_log_snapshot")
    discarded = False
    if snapshot is not None and snapshot[0] == gen and snapshot[1] == signature and pending:
        return EditorState(key, snapshot[2], False)
    if pending:
        # The filters changed under unsaved edits: those edits belong to other rows.
        next_generation("risks_log")
        gen, key, discarded = gen + 1, f"risks_log_editor_{gen + 1}", True
    rows = fresh()
    st.session_state["risks_log_snapshot"] = (gen, signature, rows)
    return EditorState(key, rows, discarded)


def _as_date(value) -> date | None:
    """A date cell of the risk log's editor: empty, a date, or its ISO text."""
    return None if value == "" else read_day(value)


def editor_edits(
    edited_rows: dict, rows: list[RiskRow], owners: dict[int, str]
) -> dict[int, tuple[dict, dict]]:
    """{entry id: (changes, values seen)} from the editor's ``edited_rows``."""
    severity_of = {label: code for code, label in SEVERITIES.items()}
    status_of = {label: code for code, label in STATUSES.items()}
    owner_of = {label: user_id for user_id, label in owners.items()}
    edits: dict[int, tuple[dict, dict]] = {}
    for index, columns in (edited_rows or {}).items():
        row = rows[int(index)]
        changes = {}
        for column, value in columns.items():
            if column == "Severity":
                changes["severity"] = severity_of.get(value, value)
            elif column == "Status":
                changes["status"] = status_of.get(value, value)
            elif column == "Review on":
                changes["review_on"] = _as_date(value)
            elif column == "Owner":
                changes["owner_id"] = owner_of.get(value) if value else None
        seen = row.changeable()
        changes = {k: v for k, v in changes.items() if seen.get(k) != v}
        if changes:
            edits[row.id] = (changes, seen)
    return edits
