"""The RAG heatmaps' queries: aggregates in SQL, and the audits behind one cell.

Every cell a page receives is suppressed here (``heatmap``): behind fewer than
``MIN_AUDITS`` audits it keeps its row and column and nothing else.

Every heatmap is one GROUP BY over the submitted audits the user's scope allows
(team x theme, team x week) or over their answers (practitioner x question
domain), so the page receives rows x columns cells, never raw audits. Grades
are the reported ones: the moderated grade wherever an audit was moderated.

A sponsor (``scope.aggregates_only``) gets team-level cells only: the
practitioner view and the drill-down to audits refuse them with PermissionError,
so no practitioner name or case reference ever reaches their page.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import and_, case, distinct, func
from sqlmodel import Session, col, select

from core.authz import Scope
from core.heatmap import AuditKind, Cell, CellCounts, Grid, View
from core.heatmap_filters import HeatmapFilters, week_label
from core.periods import week_dates, week_of
from core.templates import LIVED_EXPERIENCE_DOMAIN
from db.models import Answer, Audit, Case, Practitioner, Question, Team, Theme, User
from db.queries.common import (
    current_programme, in_scope, rag_expression, read_day, reported_answer, reported_overall,
)

# Week numbers without a programme count from this Monday; labels then show dates.
EPOCH_MONDAY = date(2000, 1, 3)
DRILL_DOWN_LIMIT = 200


@dataclass(frozen=True)
class HeatmapOptions:
    """What the filters offer this user: only the teams their scope allows."""

    teams: tuple[tuple[int, str, str], ...]  # (id, name, service area)
    themes: tuple[tuple[str, str], ...]  # (code, name)
    service_areas: tuple[str, ...]
    domains: tuple[str, ...]
    programme_start: date | None
    programme_weeks: int

    def team_name(self, team_id: int) -> str:
        return next((name for i, name, _ in self.teams if i == team_id), str(team_id))


@dataclass(frozen=True)
class CellAudit:
    """One audit behind a cell, as the drill-down lists it (never sent to a sponsor)."""

    audit_id: int
    case_reference: str
    audit_date: date | None
    auditor: str
    team: str
    practitioner: str
    theme: str
    kind: str
    reported_grade: int | None
    first_grade: int | None
    moderated_grade: int | None
    domain_grades: tuple[int, ...] = ()


@dataclass(frozen=True)
class CellAudits:
    total: int
    audits: tuple[CellAudit, ...]


def heatmap_options(session: Session, scope: Scope) -> HeatmapOptions:
    teams = session.exec(
        in_scope(select(Team.id, Team.name, Team.service_area).where(col(Team.active).is_(True)), scope, Team.id)
        .order_by(Team.name)
    ).all()
    themes = session.exec(select(Theme.code, Theme.name).where(col(Theme.active).is_(True)).order_by(Theme.name)).all()
    domains = sorted(set(session.exec(select(Question.domain).distinct()).all()), key=domain_order)
    programme = current_programme(session)
    return HeatmapOptions(
        teams=tuple((i, n, a or "") for i, n, a in teams),
        themes=tuple((c, n) for c, n in themes),
        service_areas=tuple(sorted({a for _, _, a in teams if a})),
        domains=tuple(domains),
        programme_start=programme.start_date if programme else None,
        programme_weeks=programme.weeks if programme else 0,
    )


def domain_order(domain: str) -> tuple:
    """Lived experience first: the programme exists because of it."""
    return (domain != LIVED_EXPERIENCE_DOMAIN, domain.lower())


# ---------------------------------------------------------------- shared pieces
def _programme_start(session: Session) -> date | None:
    programme = current_programme(session)
    return programme.start_date if programme else None


def _audit_filters(session: Session, scope: Scope, filters: HeatmapFilters, statement, start: date | None):
    """``statement`` limited to the submitted, in-scope audits that ``filters`` keep."""
    statement = in_scope(statement.where(Audit.status == "submitted"), scope)
    first, last = filters.period(start)
    if first is not None:
        statement = statement.where(col(Audit.audit_date) >= first)
    if last is not None:
        statement = statement.where(col(Audit.audit_date) <= last)
    team_ids = set(filters.team_ids)
    if filters.service_area:
        area_teams = set(session.exec(select(Team.id).where(Team.service_area == filters.service_area)).all())
        team_ids = (team_ids & area_teams) if team_ids else area_teams
        if not team_ids:
            return statement.where(False)
    if team_ids:
        statement = statement.where(col(Audit.team_id).in_(sorted(team_ids)))
    if filters.theme_codes:
        theme_ids = session.exec(select(Theme.id).where(col(Theme.code).in_(filters.theme_codes))).all()
        statement = statement.where(col(Audit.theme_id).in_(sorted(theme_ids) or [-1]))
    if filters.kind is not AuditKind.ALL:
        statement = statement.where(Audit.kind == filters.kind.value)
    if filters.moderated_only:
        statement = statement.where(col(Audit.moderated_overall_grade).is_not(None))
    return statement


def _rag_counts(grade):
    """SQL sums for Red, Amber, Green (by the one SQL RAG rule, ``rag_expression``), graded and the sum of
    grades (1-4 only: not applicable, 0, is neither graded nor counted)."""
    letter = rag_expression(grade)
    return (
        func.sum(case((letter == "R", 1), else_=0)),
        func.sum(case((letter == "A", 1), else_=0)),
        func.sum(case((letter == "G", 1), else_=0)),
        func.sum(case((grade >= 1, 1), else_=0)),
        func.sum(case((grade >= 1, grade), else_=0)),
    )


def _counts(audits, red, amber, green, graded, grade_sum) -> CellCounts:
    return CellCounts(int(audits or 0), int(red or 0), int(amber or 0), int(green or 0), int(graded or 0),
                      int(grade_sum or 0))


def _team_names(session: Session, ids) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.exec(select(Team.id, Team.name).where(col(Team.id).in_(sorted(ids)))).all())


# ---------------------------------------------------------------- the three heatmaps
def heatmap(session: Session, scope: Scope, filters: HeatmapFilters) -> Grid:
    """The cells of ``filters.view`` for what ``scope`` may see, suppressed: a cell behind fewer than
    ``core.heatmap.MIN_AUDITS`` audits carries no count, share or mean, for every role. This is
    the only heatmap the app's pages receive."""
    return heatmap_counts(session, scope, filters).suppressed()


def heatmap_counts(session: Session, scope: Scope, filters: HeatmapFilters) -> Grid:
    """The unsuppressed counts behind ``heatmap`` (for checks and the benchmark; never for a page:
    ``tests/unit/test_heatmap.py`` checks that no page or ui module uses it)."""
    filters = filters.for_scope(scope)
    if filters.view is View.TEAM_THEME:
        return team_theme(session, scope, filters)
    if filters.view is View.TEAM_WEEK:
        return team_week(session, scope, filters)
    return practitioner_domain(session, scope, filters)


def team_theme(session: Session, scope: Scope, filters: HeatmapFilters) -> Grid:
    start = _programme_start(session)
    statement = select(Audit.team_id, Audit.theme_id, func.count(), *_rag_counts(reported_overall))
    statement = _audit_filters(session, scope, filters, statement, start).group_by(Audit.team_id, Audit.theme_id)
    rows = session.exec(statement).all()
    teams = _team_names(session, {r[0] for r in rows})
    themes = dict(session.exec(select(Theme.id, Theme.name)).all())
    cells = tuple(
        Cell(str(team_id), teams.get(team_id, str(team_id)), str(theme_id), themes.get(theme_id, str(theme_id)),
             _counts(*counts))
        for team_id, theme_id, *counts in rows
    )
    return _grid(View.TEAM_THEME, cells, col_sort=lambda key, label: label.lower())


def team_week(session: Session, scope: Scope, filters: HeatmapFilters) -> Grid:
    """Teams x programme weeks. SQL adds up each team's day (an index-ordered GROUP BY, no date
    arithmetic in the database); the days' sums are then added into weeks here."""
    programme = current_programme(session)
    start = programme.start_date if programme else EPOCH_MONDAY
    weeks = programme.weeks if programme else None
    statement = select(Audit.audit_date, Audit.team_id, func.count(), *_rag_counts(reported_overall))
    statement = _audit_filters(session, scope, filters, statement, programme.start_date if programme else None)
    rows = session.exec(
        statement.where(col(Audit.audit_date).is_not(None)).group_by(Audit.audit_date, Audit.team_id)
    ).all()
    totals: dict[tuple[int, int], list[int]] = {}
    for day, team_id, *counts in rows:
        key = (team_id, week_of(start, read_day(day)))
        total = totals.setdefault(key, [0] * len(counts))
        for index, value in enumerate(counts):
            total[index] += int(value or 0)
    teams = _team_names(session, {team_id for team_id, _ in totals})
    cells = tuple(
        Cell(str(team_id), teams.get(team_id, str(team_id)), str(week), week_label(start, week, weeks),
             _counts(*counts))
        for (team_id, week), counts in totals.items()
    )
    notes = ()
    if programme is None:
        notes = ("Weeks are calendar weeks (no programme is set up).",)
    return _grid(View.TEAM_WEEK, cells, col_sort=lambda key, label: int(key), notes=notes)


def practitioner_domain(session: Session, scope: Scope, filters: HeatmapFilters) -> Grid:
    """Practitioners of the chosen teams x question domains, graded answer by answer."""
    if scope.aggregates_only:
        raise PermissionError("Practitioner-level heatmaps are not available to aggregate-only roles.")
    start = _programme_start(session)
    grade = reported_answer
    statement = (
        select(Audit.practitioner_id, Question.domain, func.count(distinct(Audit.id)), *_rag_counts(grade))
        .select_from(Audit)
        .join(Answer, Answer.audit_id == Audit.id)
        .join(Question, Question.id == Answer.question_id)
    )
    # Domain first: grouped by practitioner first, SQLite walks the whole practitioner index
    # to save a sort, instead of reading only the chosen teams' audits.
    statement = _audit_filters(session, scope, filters, statement, start).group_by(
        Question.domain, Audit.practitioner_id
    )
    # Audits without a practitioner are left out here, not in SQL: "practitioner_id IS NOT NULL"
    # would tempt SQLite into scanning the practitioner index instead of the chosen teams.
    rows = [r for r in session.exec(statement).all() if r[0] is not None]
    ids = sorted({r[0] for r in rows})
    names = dict(session.exec(select(Practitioner.id, Practitioner.name).where(col(Practitioner.id).in_(ids))).all()) \
        if ids else {}
    cells = tuple(
        Cell(str(pid), names.get(pid, str(pid)), domain, domain, _counts(*counts))
        for pid, domain, *counts in rows
    )
    return _grid(View.PRACTITIONER_DOMAIN, cells, col_sort=lambda key, label: domain_order(key))


def _grid(view: View, cells: tuple[Cell, ...], *, col_sort, notes=()) -> Grid:
    # Two practitioners with one name would share a chart row: tell them apart by their id.
    keys_of: dict[str, set[str]] = {}
    for c in cells:
        keys_of.setdefault(c.row_label, set()).add(c.row_key)
    if any(len(keys) > 1 for keys in keys_of.values()):
        cells = tuple(replace(c, row_label=f"{c.row_label} (#{c.row_key})") if len(keys_of[c.row_label]) > 1 else c
                      for c in cells)
    rows = sorted({(c.row_key, c.row_label) for c in cells}, key=lambda r: (r[1].lower(), r[0]))
    cols = sorted({(c.col_key, c.col_label) for c in cells}, key=lambda c: col_sort(*c))
    return Grid(view=view, cells=cells, rows=tuple(rows), cols=tuple(cols), notes=tuple(notes))


# ---------------------------------------------------------------- drill-down
def cell_audits(
    session: Session, scope: Scope, filters: HeatmapFilters, row_key: str, col_key: str,
    limit: int = DRILL_DOWN_LIMIT,
) -> CellAudits:
    """The audits behind one cell, newest first (at most ``limit``), within ``scope``."""
    if scope.aggregates_only:
        raise PermissionError("The audits behind a cell are not available to aggregate-only roles.")
    filters = filters.for_scope(scope)
    programme = current_programme(session)
    start = programme.start_date if programme else None
    condition = []
    try:
        row_id = int(row_key)
    except ValueError:
        return CellAudits(0, ())
    if filters.view is View.TEAM_THEME:
        try:
            theme_id = int(col_key)
        except ValueError:
            return CellAudits(0, ())
        condition = [Audit.team_id == row_id, Audit.theme_id == theme_id]
    elif filters.view is View.TEAM_WEEK:
        try:
            week = int(col_key)
        except ValueError:
            return CellAudits(0, ())
        week_start = start or EPOCH_MONDAY
        first = week_dates(week_start, week)[0]
        condition = [Audit.team_id == row_id, col(Audit.audit_date) >= first,
                     col(Audit.audit_date) <= first + timedelta(days=6)]
    else:
        # Correlated, so each of the practitioner's audits is checked through the answer index.
        in_domain = (
            select(Answer.id)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.audit_id == Audit.id, Question.domain == col_key)
            .exists()
        )
        condition = [Audit.practitioner_id == row_id, in_domain]

    ids_statement = _audit_filters(session, scope, filters, select(Audit.id), start).where(and_(*condition))
    total = session.exec(
        _audit_filters(session, scope, filters, select(func.count()).select_from(Audit), start).where(and_(*condition))
    ).one()
    statement = (
        select(
            Audit.id, Case.reference, Audit.audit_date, User.display_name, Team.name, Practitioner.name, Theme.name,
            Audit.kind, reported_overall, Audit.overall_grade, Audit.moderated_overall_grade,
        )
        .join(Case, Case.id == Audit.case_id)
        .join(User, User.id == Audit.auditor_id)
        .join(Team, Team.id == Audit.team_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .outerjoin(Practitioner, Practitioner.id == Audit.practitioner_id)
        .where(col(Audit.id).in_(ids_statement))
        .order_by(col(Audit.audit_date).desc(), col(Audit.id).desc())
        .limit(limit)
    )
    rows = session.exec(statement).all()
    domain_grades: dict[int, list[int]] = {}
    if filters.view is View.PRACTITIONER_DOMAIN and rows:
        grades = session.exec(
            select(Answer.audit_id, reported_answer)
            .join(Question, Question.id == Answer.question_id)
            .where(Question.domain == col_key, col(Answer.audit_id).in_([r[0] for r in rows]))
            .order_by(Answer.audit_id, Question.position)
        ).all()
        for audit_id, grade in grades:
            if grade is not None:
                domain_grades.setdefault(audit_id, []).append(int(grade))
    audits = tuple(
        CellAudit(
            audit_id=r[0], case_reference=r[1], audit_date=read_day(r[2]), auditor=r[3], team=r[4],
            practitioner=r[5] or "", theme=r[6], kind=r[7], reported_grade=r[8], first_grade=r[9],
            moderated_grade=r[10], domain_grades=tuple(domain_grades.get(r[0], ())),
        )
        for r in rows
    )
    return CellAudits(total=int(total), audits=audits)
