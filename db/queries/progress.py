"""The Progress page's and the board report's figures, counted in SQL.

Every query returns aggregates or team-level counts only (no case references,
practitioner names or free text), whatever the user's roles: the page and the
board report are for meetings. Rows are limited to the user's teams with
``in_scope``; grades are the moderated ones where an audit was moderated.

One report (the period, the period before it and programme weeks 1 to the period's
last week) is about ten statements, each one pass over an index: figures are grouped
in SQL by day (by period where a team or a question would make days too many groups)
and the days are put into periods and weeks in Python, so there is no date arithmetic
in SQL and one statement serves both periods and the weeks. Date columns are compared
as stored so that their indexes are used; the one timestamp (a moderation's
``completed_at``) goes through ``as_date``.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from core.authz import Scope
from core.periods import Period, previous_period, programme_end
from core.progress import (
    MEETING_KINDS,
    OTHER_MEETING_KINDS,
    PeriodFigures,
    ProgressReport,
    RagCounts,
    TeamAgreement,
    TeamFigures,
    WeeklySeries,
    weeks_through,
    withhold_small_teams,
    withholds_small_teams,
)
from db.models import Programme, ProgrammeTarget, Team, Theme
from db.queries import progress_sources as sources
from db.queries.common import current_programme


# ------------------------------------------------------------------ the figures of both periods and the weeks
def _figures(session: Session, scope: Scope, periods: list[tuple[str, Period]], programme: Programme | None,
             as_of: date, weekly_up_to: date | None):
    """({period key: PeriodFigures}, WeeklySeries or None), in one pass of each table."""
    bounds = {key: sources.period_bounds(period, as_of) for key, period in periods}
    through = weeks_through(programme.start_date, programme.weeks, weekly_up_to) if programme and weekly_up_to else 0
    weekly_last = min(weekly_up_to, programme_end(programme.start_date, programme.weeks)) if through else None
    span = sources.Span(tuple((key, first, last) for key, (first, last) in bounds.items()),
                 programme.start_date if programme else min(first for first, _ in bounds.values()), weekly_last)
    themes, teams = sources.names(session, Theme), sources.names(session, Team)

    theme_kinds, theme_rag, external, rag_weeks = sources.audits_by_day(session, scope, span, themes)
    team_kinds, team_rag = sources.audits_by_team(session, scope, span, teams)
    liveness, weekly_liveness = sources.liveness_rows(session, scope, span)
    domains = sources.domains(session, scope, span)
    agreement, overall = sources.agreements(session, scope, span, teams)
    actions = sources.action_rows(session, scope, span, teams)
    meeting_rows = sources.meeting_rows(session, scope, span)

    figures = {}
    for key, period in periods:
        first, last = bounds[key]
        action_figures, action_teams = sources.action_figures(actions, first, last, as_of)
        kinds, rag = team_kinds[key], team_rag[key]
        names = sorted(set(kinds) | {t for t, c in action_teams.items() if c["raised"] or c["overdue"]})
        team_figures = [
            TeamFigures(name, kinds[name]["external"], kinds[name]["internal"], RagCounts.of(rag[name]),
                        action_teams[name]["raised"], action_teams[name]["due"], action_teams[name]["in_time"],
                        action_teams[name]["overdue"])
            for name in names
        ]
        by_team = sorted((group[2], values) for group, values in agreement.items()
                         if group[0] == "team" and group[1] == key)
        meetings: dict[str, int] = defaultdict(int)
        for held_on, kind, n in meeting_rows:
            if key in span.keys_of(held_on):
                meetings[kind] += n
        figures[key] = PeriodFigures(
            period=period,
            up_to=last,
            themes=sources.theme_figures(session, theme_kinds[key], theme_rag[key]),
            teams=team_figures,
            domains=domains.get(key, []),
            agreement=sources.agreement_of(agreement.get(("period", key)), overall.get(("period", key))),
            agreement_by_team=[TeamAgreement(team, sources.agreement_of(values, overall.get(("team", key, team))))
                               for team, values in by_team],
            actions=action_figures,
            meetings={kind: meetings.get(kind, 0) for kind in MEETING_KINDS + OTHER_MEETING_KINDS},
            liveness=sources.liveness_figures(liveness.get(key, {})),
        )
    if not programme:
        return figures, None
    if not through:
        return figures, WeeklySeries(0, {}, {}, {}, {}, {}, {})
    meetings_by_week: dict[int, dict[str, int]] = defaultdict(dict)
    for held_on, kind, n in meeting_rows:
        week = span.week_of(held_on)
        if week is not None and kind in MEETING_KINDS:
            meetings_by_week[week][kind] = meetings_by_week[week].get(kind, 0) + n
    weekly = WeeklySeries(
        through_week=through,
        external_by_theme={theme: dict(weeks) for theme, weeks in external.items()},
        rag={week: RagCounts.of(dict(counts)) for week, counts in rag_weeks.items()},
        agreement={group[1]: sources.agreement_of(values, overall.get(group)) for group, values in agreement.items()
                   if group[0] == "week"},
        actions=sources.weekly_actions(actions, span),
        meetings=dict(meetings_by_week),
        liveness=weekly_liveness,
    )
    return figures, weekly


def period_figures(session: Session, scope: Scope, period: Period, as_of: date) -> PeriodFigures:
    """Every figure of ``period``, counted up to ``as_of`` if the period is still running."""
    figures, _ = _figures(session, scope, [("current", period)], None, as_of, None)
    return figures["current"]


def weekly_series(session: Session, scope: Scope, programme: Programme, up_to: date) -> WeeklySeries:
    """Programme weeks 1 to the week holding ``up_to``, counted up to ``up_to``."""
    whole = Period("programme", "programme", programme.start_date, programme_end(programme.start_date,
                                                                                   programme.weeks))
    _, weekly = _figures(session, scope, [("current", whole)], programme, up_to, up_to)
    return weekly


# ------------------------------------------------------------------ the whole report
def programme_targets(session: Session, programme: Programme) -> dict[str, int]:
    return dict(session.exec(
        select(Theme.name, ProgrammeTarget.target)
        .join(Theme, Theme.id == ProgrammeTarget.theme_id)
        .where(ProgrammeTarget.programme_id == programme.id)
    ).all())


def progress_report(session: Session, scope: Scope, period: Period, as_of: date) -> ProgressReport | None:
    """The figures of ``period``, the period before it and the weekly series; None without a programme."""
    programme = current_programme(session)
    if programme is None:
        return None
    before = previous_period(period, programme.start_date, programme.weeks)
    periods = [("current", period)] + ([("previous", before)] if before is not None else [])
    figures, weekly = _figures(session, scope, periods, programme, as_of, sources.period_bounds(period, as_of)[1])
    current, previous = figures["current"], figures.get("previous")
    withhold = withholds_small_teams(scope)
    if withhold:
        # Removed here, before anything is cached, drawn or written to a file.
        current = withhold_small_teams(current)
        previous = withhold_small_teams(previous) if previous is not None else None
    return ProgressReport(
        programme_name=programme.name,
        programme_start=programme.start_date,
        programme_weeks=programme.weeks,
        as_of=as_of,
        scope_label="all teams" if scope.team_ids is None else "the teams you manage",
        # Targets are the whole programme's: compared with one team's audits they would mislead.
        targets=programme_targets(session, programme) if scope.team_ids is None else None,
        current=current,
        previous=previous,
        weekly=weekly,
        small_teams_withheld=withhold,
    )


def programme_dates(session: Session) -> tuple[date, int] | None:
    """(start, weeks) of the current programme, for choosing a period."""
    programme = current_programme(session)
    return (programme.start_date, programme.weeks) if programme else None


__all__ = ["period_figures", "progress_report", "programme_dates", "weekly_series"]
