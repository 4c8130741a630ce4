"""The Progress page's and the board report's figures, counted in SQL.

Every query returns aggregates or team-level counts only (no case references,
practitioner names or free text), whatever the user's roles: the page and the
board report are for meetings. Rows are limited to the user's teams with
``in_scope``; grades are the moderated ones where an audit was moderated.
Programme weeks are computed in SQL by a small dialect-aware ``days_between``
(SQLite has no date arithmetic, PostgreSQL subtracts dates).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Date, Integer, and_, bindparam, case, exists, func, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from core.actions import completion_in_time, overdue_cutoff
from core.authz import Scope
from core.periods import Period, previous_period, programme_end
from core.progress import (
    AUDIT_KINDS,
    LIVENESS_BUCKETS,
    MEETING_KINDS,
    OTHER_MEETING_KINDS,
    ActionFigures,
    Agreement,
    DomainFigures,
    Liveness,
    PeriodFigures,
    ProgressReport,
    RagCounts,
    TeamAgreement,
    TeamFigures,
    ThemeFigures,
    WeekActions,
    WeeklySeries,
    weeks_through,
    withhold_small_teams,
    withholds_small_teams,
)
from db.models import Answer, Audit, Meeting, MeetingTeam, Moderation, Programme, ProgrammeTarget, Question, \
    RemedialAction, Team, Theme
from db.queries.common import current_programme, in_scope, rag_expression, reported_answer, reported_overall, submitted


# ------------------------------------------------------------------ date arithmetic in SQL
class as_date(FunctionElement):  # noqa: N801 - reads like the SQL function it stands for
    """The date part of a date or timestamp column."""

    type = Date()
    name = "as_date"
    inherit_cache = True


@compiles(as_date)
def _as_date_default(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


@compiles(as_date, "sqlite")
def _as_date_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)})"


class days_between(FunctionElement):  # noqa: N801
    """Whole days from the second argument to the first (dates or timestamps)."""

    type = Integer()
    name = "days_between"
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday(date({later})) - julianday(date({earlier})) AS INTEGER)"


def _day(value: date):
    # Rendered into the SQL text, so that the same week expression in SELECT and GROUP BY
    # is literally the same (PostgreSQL refuses two differently numbered parameters).
    return bindparam(None, value, type_=Date, literal_execute=True)


def programme_week_of(column, start: date):
    """SQL for the 1-based programme week of a date column (rows before ``start`` must be filtered out)."""
    return (days_between(column, _day(start)) // 7 + 1).label("week")


def _between(column, first: date, last: date):
    return and_(as_date(column) >= _day(first), as_date(column) <= _day(last))


def _rag_counts(rows) -> dict:
    counts: dict = defaultdict(lambda: defaultdict(int))
    for key, letter, n in rows:
        if letter:
            counts[key][letter] += n
    return counts


# ------------------------------------------------------------------ the rows every figure reads
def _of_submitted_audits(statement, scope: Scope):
    """The one filter behind every figure of this module: submitted audits of the user's teams.

    A draft audit, its answers, its remedial actions and any moderation of it do not exist for
    Progress or the board report. Every query here joins ``Audit`` and passes through this
    function (``tests/data/test_progress_figures.py`` saves a draft with actions and a moderation and
    checks that no figure moves).
    """
    return in_scope(submitted(statement), scope)


def _audits(scope: Scope, first: date, last: date, *columns):
    statement = _of_submitted_audits(select(*columns).select_from(Audit), scope)
    return statement.where(_between(Audit.audit_date, first, last))


def _action_rows(scope: Scope, *columns, by_team: bool = False):
    """Remedial actions of submitted audits in scope (with their team when ``by_team``)."""
    statement = select(*columns).select_from(RemedialAction).join(Audit, Audit.id == RemedialAction.audit_id)
    if by_team:
        statement = statement.join(Team, Team.id == Audit.team_id)
    return _of_submitted_audits(statement, scope)


def _themes(session: Session, scope: Scope, first: date, last: date) -> list[ThemeFigures]:
    letter = rag_expression(reported_overall)
    rows = session.exec(
        _audits(scope, first, last, Theme.name, Audit.kind, letter, func.count())
        .join(Theme, Theme.id == Audit.theme_id)
        .group_by(Theme.name, Audit.kind, letter)
    ).all()
    kinds: dict = defaultdict(lambda: defaultdict(int))
    rag: dict = defaultdict(lambda: defaultdict(int))
    for theme, kind, grade_letter, n in rows:
        kinds[theme][kind] += n
        if grade_letter:
            rag[theme][grade_letter] += n
    names = list(session.exec(select(Theme.name).where(Theme.active == True).order_by(Theme.name)).all())  # noqa: E712
    names += sorted(set(kinds) - set(names))
    return [ThemeFigures(name, kinds[name]["external"], kinds[name]["internal"], RagCounts.of(rag[name]))
            for name in names]


def _in_time_pairs(session: Session, scope: Scope, first: date, last: date, by_team: bool):
    """(team, raised on, completed on, count) of actions raised in the period: few distinct pairs."""
    columns = [Team.name] if by_team else []
    statement = (
        _action_rows(scope, *columns, RemedialAction.raised_on, RemedialAction.completed_on, func.count(),
                     by_team=by_team)
        .where(_between(RemedialAction.raised_on, first, last))
        .group_by(*columns, RemedialAction.raised_on, RemedialAction.completed_on)
    )
    return session.exec(statement).all()


def _as_day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _in_time(pairs, as_of: date) -> tuple[int, int]:
    """(counted, done in time) over (raised on, completed on, n) rows, by the tracker's own rule."""
    counted = in_time = 0
    for raised_on, completed_on, n in pairs:
        counts, done_in_time = completion_in_time(_as_day(raised_on), _as_day(completed_on), as_of)
        counted += n * counts
        in_time += n * done_in_time
    return counted, in_time


def _overdue_at(day: date):
    """Outstanding on ``day`` and overdue by the tracker's rule (``core.actions.overdue_cutoff``): a working day
    has passed since the due date, so a Friday due date is not overdue on the Saturday or Sunday after it."""
    return and_(
        RemedialAction.raised_on <= _day(day),
        RemedialAction.due_on < _day(overdue_cutoff(day)),
        or_(col(RemedialAction.completed_on).is_(None), RemedialAction.completed_on > _day(day)),
    )


def _action_count(session: Session, scope: Scope, condition, by_team: bool = False):
    if by_team:
        statement = _action_rows(scope, Team.name, func.count(), by_team=True).where(condition).group_by(Team.name)
        return dict(session.exec(statement).all())
    return session.exec(_action_rows(scope, func.count()).where(condition)).one()


def _actions(session: Session, scope: Scope, first: date, last: date, as_of: date) -> ActionFigures:
    due, in_time = _in_time(_in_time_pairs(session, scope, first, last, by_team=False), as_of)
    return ActionFigures(
        raised=_action_count(session, scope, _between(RemedialAction.raised_on, first, last)),
        done=_action_count(session, scope, _between(RemedialAction.completed_on, first, last)),
        verified=_action_count(session, scope, _between(RemedialAction.verified_on, first, last)),
        due=due,
        in_time=in_time,
        overdue_at_end=_action_count(session, scope, _overdue_at(last)),
    )


def _teams(session: Session, scope: Scope, first: date, last: date, as_of: date) -> list[TeamFigures]:
    letter = rag_expression(reported_overall)
    rows = session.exec(
        _audits(scope, first, last, Team.name, Audit.kind, letter, func.count())
        .join(Team, Team.id == Audit.team_id)
        .group_by(Team.name, Audit.kind, letter)
    ).all()
    kinds: dict = defaultdict(lambda: defaultdict(int))
    rag: dict = defaultdict(lambda: defaultdict(int))
    for team, kind, grade_letter, n in rows:
        kinds[team][kind] += n
        if grade_letter:
            rag[team][grade_letter] += n
    raised = _action_count(session, scope, _between(RemedialAction.raised_on, first, last), by_team=True)
    overdue = _action_count(session, scope, _overdue_at(last), by_team=True)
    pairs: dict[str, list] = defaultdict(list)
    for team, raised_on, completed_on, n in _in_time_pairs(session, scope, first, last, by_team=True):
        pairs[team].append((raised_on, completed_on, n))
    due: dict[str, int] = defaultdict(int)
    in_time: dict[str, int] = defaultdict(int)
    for team, rows in pairs.items():
        due[team], in_time[team] = _in_time(rows, as_of)
    names = sorted(set(kinds) | set(raised) | set(overdue))
    return [
        TeamFigures(name, kinds[name]["external"], kinds[name]["internal"], RagCounts.of(rag[name]),
                    raised.get(name, 0), due[name], in_time[name], overdue.get(name, 0))
        for name in names
    ]


def _domains(session: Session, scope: Scope, first: date, last: date) -> list[DomainFigures]:
    grade = reported_answer
    rows = session.exec(
        _audits(scope, first, last, Question.domain, grade, func.count())
        .join(Answer, Answer.audit_id == Audit.id)
        .join(Question, Question.id == Answer.question_id)
        .where(grade.is_not(None))
        .group_by(Question.domain, grade)
    ).all()
    grades: dict = defaultdict(lambda: defaultdict(int))
    for domain, value, n in rows:
        grades[domain][int(value)] += n
    figures = []
    for domain, counts in grades.items():
        rag = RagCounts(counts.get(1, 0), counts.get(2, 0), counts.get(3, 0) + counts.get(4, 0))
        grade_sum = sum(g * n for g, n in counts.items() if g > 0)
        figures.append(DomainFigures(domain, rag, grade_sum, counts.get(0, 0)))
    # Weakest first: lowest mean grade, then the larger share of Inadequate.
    return sorted(figures, key=lambda d: (d.mean_grade if d.mean_grade is not None else 9, -(d.rag.share("R") or 0),
                                          d.domain))


def _moderated_answers(scope: Scope, *columns):
    graded = and_(Answer.grade >= 1, Answer.moderated_grade >= 1)
    return _of_submitted_audits(
        select(*columns)
        .select_from(Answer)
        .join(Audit, Audit.id == Answer.audit_id)
        .join(Moderation, Moderation.audit_id == Audit.id)
        .where(Moderation.status == "completed", graded),
        scope,
    )


def _agreement_columns():
    difference = col(Answer.grade) - col(Answer.moderated_grade)
    return (
        func.count(func.distinct(Audit.id)),
        func.count(),
        func.sum(case((difference == 0, 1), else_=0)),
        func.sum(case((and_(difference >= -1, difference <= 1), 1), else_=0)),
        func.sum(case((difference > 0, 1), else_=0)),
        func.sum(case((difference < 0, 1), else_=0)),
    )


def _overall_agreement(session: Session, scope: Scope, where, group=None) -> dict:
    """{group value: (audits, overall grade agreed)} for completed moderations (key None without a group)."""
    columns = [group] if group is not None else []
    statement = (
        select(*columns, func.count(),
               func.sum(case((Audit.overall_grade == Audit.moderated_overall_grade, 1), else_=0)))
        .select_from(Audit)
        .join(Moderation, Moderation.audit_id == Audit.id)
        .join(Team, Team.id == Audit.team_id)
        .where(Moderation.status == "completed", col(Audit.moderated_overall_grade).is_not(None), where)
    )
    statement = _of_submitted_audits(statement, scope)
    if group is None:
        n, exact = session.exec(statement).one()
        return {None: (n, int(exact or 0))}
    return {row[0]: (row[1], int(row[2] or 0)) for row in session.exec(statement.group_by(group)).all()}


def _agreement_of(row, overall: tuple[int, int]) -> Agreement:
    audits, answers, exact, within, higher, lower = (int(v or 0) for v in row)
    return Agreement(audits, answers, exact, within, higher, lower, overall[0], overall[1])


def _agreement(session: Session, scope: Scope, first: date, last: date) -> tuple[Agreement, list[TeamAgreement]]:
    when = _between(Moderation.completed_at, first, last)
    total = session.exec(_moderated_answers(scope, *_agreement_columns()).where(when)).one()
    agreement = _agreement_of(total, _overall_agreement(session, scope, when)[None])
    by_team_rows = session.exec(
        _moderated_answers(scope, Team.name, *_agreement_columns())
        .join(Team, Team.id == Audit.team_id)
        .where(when)
        .group_by(Team.name)
    ).all()
    overall_by_team = _overall_agreement(session, scope, when, group=Team.name)
    by_team = [TeamAgreement(row[0], _agreement_of(row[1:], overall_by_team.get(row[0], (0, 0))))
               for row in sorted(by_team_rows, key=lambda r: r[0])]
    return agreement, by_team


def _meetings_in_scope(statement, scope: Scope):
    """Meetings about the user's teams (every meeting when the user sees every team)."""
    if scope.team_ids is None:
        return statement
    if not scope.team_ids:
        return statement.where(False)
    return statement.where(exists(select(MeetingTeam.meeting_id).where(
        MeetingTeam.meeting_id == Meeting.id, col(MeetingTeam.team_id).in_(sorted(scope.team_ids)))))


def _meetings(session: Session, scope: Scope, first: date, last: date) -> dict[str, int]:
    rows = session.exec(_meetings_in_scope(
        select(Meeting.kind, func.count())
        .where(col(Meeting.kind).in_(MEETING_KINDS + OTHER_MEETING_KINDS), _between(Meeting.held_on, first, last)),
        scope,
    ).group_by(Meeting.kind)).all()
    return {kind: dict(rows).get(kind, 0) for kind in MEETING_KINDS + OTHER_MEETING_KINDS}


def _liveness_bucket(days):
    return case((days <= 7, LIVENESS_BUCKETS[0]), (days <= 14, LIVENESS_BUCKETS[1]), (days <= 28, LIVENESS_BUCKETS[2]),
                else_=LIVENESS_BUCKETS[3])


def _liveness(session: Session, scope: Scope, first: date, last: date) -> list[Liveness]:
    days = days_between(Audit.audit_date, Audit.work_date)
    bucket = _liveness_bucket(days)
    rows = session.exec(
        _audits(scope, first, last, Audit.kind, bucket, func.count(), func.sum(days))
        .where(col(Audit.work_date).is_not(None))
        .group_by(Audit.kind, bucket)
    ).all()
    audits: dict[str, int] = defaultdict(int)
    days_sum: dict[str, int] = defaultdict(int)
    buckets: dict = defaultdict(dict)
    for kind, name, n, total in rows:
        audits[kind] += n
        days_sum[kind] += int(total or 0)
        buckets[kind][name] = n
    return [Liveness(kind, audits[kind], days_sum[kind], {b: buckets[kind].get(b, 0) for b in LIVENESS_BUCKETS})
            for kind in AUDIT_KINDS]


def period_figures(session: Session, scope: Scope, period: Period, as_of: date) -> PeriodFigures:
    """Every figure of ``period``, counted up to ``as_of`` if the period is still running."""
    first, last = period.start, period.up_to(as_of)
    if last < first:
        last = first  # a period that has not begun has no figures yet
    agreement, agreement_by_team = _agreement(session, scope, first, last)
    return PeriodFigures(
        period=period,
        up_to=last,
        themes=_themes(session, scope, first, last),
        teams=_teams(session, scope, first, last, as_of),
        domains=_domains(session, scope, first, last),
        agreement=agreement,
        agreement_by_team=agreement_by_team,
        actions=_actions(session, scope, first, last, as_of),
        meetings=_meetings(session, scope, first, last),
        liveness=_liveness(session, scope, first, last),
    )


# ------------------------------------------------------------------ weekly series
def weekly_series(session: Session, scope: Scope, programme: Programme, up_to: date) -> WeeklySeries:
    """Programme weeks 1 to the week holding ``up_to``, counted up to ``up_to``."""
    start = programme.start_date
    through = weeks_through(start, programme.weeks, up_to)
    if through == 0:
        return WeeklySeries(0, {}, {}, {}, {}, {}, {})
    last = min(up_to, programme_end(start, programme.weeks))

    week = programme_week_of(Audit.audit_date, start)
    external: dict[str, dict[int, int]] = defaultdict(dict)
    for theme, w, n in session.exec(
        _audits(scope, start, last, Theme.name, week, func.count())
        .join(Theme, Theme.id == Audit.theme_id)
        .where(Audit.kind == "external")
        .group_by(Theme.name, week)
    ).all():
        external[theme][int(w)] = n

    letter = rag_expression(reported_overall)
    rag_rows = session.exec(_audits(scope, start, last, week, letter, func.count()).group_by(week, letter)).all()
    rag = {int(w): RagCounts.of(dict(c)) for w, c in _rag_counts(rag_rows).items()}

    moderation_week = programme_week_of(Moderation.completed_at, start)
    when = _between(Moderation.completed_at, start, last)
    overall = _overall_agreement(session, scope, when, group=moderation_week)
    agreement = {
        int(row[0]): _agreement_of(row[1:], overall.get(row[0], (0, 0)))
        for row in session.exec(
            _moderated_answers(scope, moderation_week, *_agreement_columns()).where(when).group_by(moderation_week)
        ).all()
    }

    actions: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for name, column in (("raised", RemedialAction.raised_on), ("done", RemedialAction.completed_on),
                         ("verified", RemedialAction.verified_on)):
        action_week = programme_week_of(column, start)
        for w, n in session.exec(
            _action_rows(scope, action_week, func.count()).where(_between(column, start, last)).group_by(action_week)
        ).all():
            actions[int(w)][name] += n

    meeting_week = programme_week_of(Meeting.held_on, start)
    meetings: dict[int, dict[str, int]] = defaultdict(dict)
    for w, kind, n in session.exec(_meetings_in_scope(
        select(meeting_week, Meeting.kind, func.count())
        .where(col(Meeting.kind).in_(MEETING_KINDS), _between(Meeting.held_on, start, last)), scope,
    ).group_by(meeting_week, Meeting.kind)).all():
        meetings[int(w)][kind] = n

    days = days_between(Audit.audit_date, Audit.work_date)
    liveness = {
        (int(w), kind): (n, int(total or 0))
        for w, kind, n, total in session.exec(
            _audits(scope, start, last, week, Audit.kind, func.count(), func.sum(days))
            .where(col(Audit.work_date).is_not(None))
            .group_by(week, Audit.kind)
        ).all()
    }
    return WeeklySeries(
        through_week=through,
        external_by_theme=dict(external),
        rag=rag,
        agreement=agreement,
        actions={w: WeekActions(c["raised"], c["done"], c["verified"]) for w, c in actions.items()},
        meetings=dict(meetings),
        liveness=liveness,
    )


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
    current = period_figures(session, scope, period, as_of)
    before = previous_period(period, programme.start_date, programme.weeks)
    previous = period_figures(session, scope, before, as_of) if before is not None else None
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
        weekly=weekly_series(session, scope, programme, current.up_to),
        small_teams_withheld=withhold,
    )


def programme_dates(session: Session) -> tuple[date, int] | None:
    """(start, weeks) of the current programme, for choosing a period."""
    programme = current_programme(session)
    return (programme.start_date, programme.weeks) if programme else None


__all__ = ["as_date", "days_between", "period_figures", "progress_report", "programme_dates", "weekly_series"]
