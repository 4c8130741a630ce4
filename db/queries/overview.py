"""The Overview page's headline figures, every one within the user's scope.

A manager's Overview counts the teams they manage throughout: audits, RAG, moderations, actions and
the meetings they may see on the Meetings page (``db.meetings.visible``). Targets are set for the
whole programme, not per team, so a scoped Overview carries none (``targets_apply`` is False).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from core.actions import overdue_cutoff
from core.authz import Scope
from core.periods import week_of
from db.meetings import visible as visible_meetings
from db.models import Audit, Meeting, Moderation, ProgrammeTarget, RemedialAction, Theme
from db.queries.common import (
    action_of_submitted_audit, current_programme, in_scope, rag_expression, reported_overall, submitted, total,
    unindexed_on_sqlite,
)

OPEN_STATUSES = ("open", "reopened")


@dataclass(frozen=True)
class ThemeProgress:
    theme: str
    target: int
    external: int
    internal: int


@dataclass
class Overview:
    programme_name: str | None
    programme_start: date | None
    programme_weeks: int
    current_week: int
    themes: list[ThemeProgress]
    rag: dict[str, int]
    moderations_completed: int
    moderations_pending: int
    actions: dict[str, int]
    meetings: dict[str, int]
    targets_apply: bool = True  # False for a scoped (manager's) Overview: targets are the programme's

    @property
    def audits_done(self) -> int:
        return sum(t.external for t in self.themes)

    @property
    def audits_all(self) -> int:
        """Submitted audits, external and internal: what the RAG mix and "Red audits" count."""
        return sum(t.external + t.internal for t in self.themes)

    @property
    def mentoring(self) -> int:
        return self.meetings.get("mentoring", 0) + self.meetings.get("reflective", 0)

    @property
    def audits_target(self) -> int:
        return sum(t.target for t in self.themes)


def overview(session: Session, scope: Scope, today: date) -> Overview:
    programme = current_programme(session)
    targets: dict[int, int] = {}
    targets_apply = scope.team_ids is None
    if programme is not None and targets_apply:
        targets = dict(
            session.exec(
                select(ProgrammeTarget.theme_id, ProgrammeTarget.target).where(
                    ProgrammeTarget.programme_id == programme.id
                )
            ).all()
        )
    # Audits by theme, kind and RAG in one pass over the submitted audits: counted by day first, in the
    # order of ``ix_audit_day_theme_grade`` (no sort of every audit), then the day groups by theme.
    by_day = in_scope(submitted(
        select(Audit.theme_id, Audit.kind, reported_overall.label("grade"), func.count().label("audits"))
    ), scope).group_by(Audit.audit_date, Audit.theme_id, Audit.kind, reported_overall).subquery()
    rag_letter = rag_expression(by_day.c.grade)
    counts = session.exec(
        select(by_day.c.theme_id, by_day.c.kind, rag_letter, total(by_day.c.audits))
        .group_by(by_day.c.theme_id, by_day.c.kind, rag_letter)
    ).all()
    by_theme: dict[tuple[int, str], int] = defaultdict(int)
    rag = {"R": 0, "A": 0, "G": 0}
    for theme_id, kind, letter, n in counts:
        by_theme[theme_id, kind] += n
        if letter:
            rag[letter] += n
    themes = [
        ThemeProgress(theme.name, targets.get(theme.id, 0), by_theme.get((theme.id, "external"), 0),
                      by_theme.get((theme.id, "internal"), 0))
        for theme in session.exec(select(Theme).where(Theme.active == True).order_by(Theme.name))  # noqa: E712
    ]
    moderation_rows = session.exec(
        in_scope(select(Moderation.status, func.count()).join(Audit, Audit.id == Moderation.audit_id), scope).group_by(
            Moderation.status
        )
    ).all()
    moderation_counts = dict(moderation_rows)

    # The tracker's rule: overdue once a whole working day has passed since the due date.
    past_due = func.sum(case((col(RemedialAction.due_on) < overdue_cutoff(today), 1), else_=0))
    # A draft audit's actions are not raised yet: only submitted audits' actions count. The status is
    # hidden from SQLite's planner too, so that it walks the actions in audit order (one covering
    # index) rather than in status order, looking audits up at random (145 -> 49 ms at 100,000 audits).
    status = unindexed_on_sqlite(col(RemedialAction.status))
    action_query = select(status, func.count(), past_due).join(Audit, action_of_submitted_audit)
    actions = {"open": 0, "overdue": 0, "done": 0, "verified": 0}
    for status, n, n_past_due in session.exec(in_scope(action_query, scope).group_by(status)):
        if status in OPEN_STATUSES:
            actions["open"] += n
            actions["overdue"] += int(n_past_due or 0)
        else:
            actions[status] += n

    # The meetings this user may see on the Meetings page: for a manager, those about their teams or
    # that they attended or recorded.
    meetings = dict(session.exec(visible_meetings(select(Meeting.kind, func.count()), scope).group_by(Meeting.kind)).all())

    return Overview(
        programme_name=programme.name if programme else None,
        programme_start=programme.start_date if programme else None,
        programme_weeks=programme.weeks if programme else 0,
        current_week=min(programme.weeks, max(0, week_of(programme.start_date, today))) if programme else 0,
        themes=themes,
        rag=rag,
        moderations_completed=moderation_counts.get("completed", 0),
        moderations_pending=moderation_counts.get("assigned", 0) + moderation_counts.get("graded", 0),
        actions=actions,
        meetings=meetings,
        targets_apply=targets_apply,
    )
