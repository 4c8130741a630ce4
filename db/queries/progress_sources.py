"""The Progress figures' SQL, one reader per source: audits, answers, moderations, actions, meetings.

Each reader makes one pass over its table for every period and week of a report (``Span``), grouped
by day (by period where a team or a question would make days too many groups), and returns
aggregates or team-level counts only. ``db.queries.progress`` puts them together into the figures.
Date columns are compared as stored so that their indexes are used; the one timestamp (a
moderation's ``completed_at``) goes through ``as_date``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import BigInteger, Date, DateTime, and_, bindparam, case, cast, exists, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from core.actions import completion_in_time, overdue_cutoff
from core.authz import Scope
from core.periods import Period
from core.periods import week_of as programme_week
from core.progress import (
    AUDIT_KINDS,
    LIVENESS_BUCKETS,
    MEETING_KINDS,
    OTHER_MEETING_KINDS,
    ActionFigures,
    Agreement,
    DomainFigures,
    Liveness,
    RagCounts,
    ThemeFigures,
    WeekActions,
)
from db.models import NOT_YET, ActionDayCount, Answer, AnswerDayCount, Audit, AuditDayCount, AuditWorkDayCount, Meeting, MeetingTeam, Moderation, Question, Theme
from db.queries.common import (
    as_text, grouped_rows, in_scope, rag_expression, read_day, reported_answer, reported_overall, submitted, total,
)


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


def _day(value: date):
    # Rendered into the SQL text, so that the same week expression in SELECT and GROUP BY
    # is literally the same (PostgreSQL refuses two differently numbered parameters).
    return bindparam(None, value, type_=Date, literal_execute=True)


def _between(column, first: date, last: date):
    """A timestamp column on the days ``first`` to ``last``: compared as stored, from the first day's
    midnight to the next midnight after the last, so that the planner can estimate the rows from the
    column's statistics (PostgreSQL guessed 182 moderations for 36,374 through ``CAST AS DATE``)."""
    return and_(column >= _midnight(first), column < _midnight(last + timedelta(days=1)))


def _midnight(day: date):
    return bindparam(None, datetime.combine(day, time()), type_=DateTime, literal_execute=True)


# ------------------------------------------------------------------ the rows every figure reads
def _of_submitted_audits(statement, scope: Scope):
    """The one filter behind every figure of this module: submitted audits of the user's teams.

    A draft audit, its answers, its remedial actions and any moderation of it do not exist for
    Progress or the board report. Every query here joins ``Audit`` and passes through this
    function, or reads the action rollup, which counts the actions of submitted audits only (``db.rollups``;
    ``tests/data/test_progress_figures.py`` saves a draft with actions and a moderation
    and checks that no figure moves).
    """
    return in_scope(submitted(statement), scope)


def _on_days(column, first: date, last: date):
    """A date column between two days: compared as it is stored, so that an index on it is used
    (``as_date(column)`` around a date column hid ``audit_date`` from its indexes)."""
    return and_(column >= _day(first), column <= _day(last))


@dataclass(frozen=True)
class Span:
    """What one run of the report counts: the period, the period before it and the weekly series.

    Every figure is grouped in SQL by day (or by period, where a team or a question makes days too
    many groups) over the days any of them needs, once; the days are then put into periods and
    programme weeks here. Grouping by day keeps date arithmetic out of SQL and lets one statement
    serve the two periods and the weeks alike.
    """

    periods: tuple[tuple[str, date, date], ...]  # (key, first day, last day)
    start: date  # programme week 1
    weekly_last: date | None  # the weekly series' last day (None: no week has begun)

    @property
    def first(self) -> date:
        firsts = [first for _, first, _ in self.periods]
        return min(firsts + ([self.start] if self.weekly_last else []))

    @property
    def last(self) -> date:
        lasts = [last for _, _, last in self.periods]
        return max(lasts + ([self.weekly_last] if self.weekly_last else []))

    @property
    def periods_first(self) -> date:
        return min(first for _, first, _ in self.periods)

    @property
    def periods_last(self) -> date:
        return max(last for _, _, last in self.periods)

    _places: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def place_of(self, day) -> tuple[tuple[str, ...], int | None]:
        """(the periods ``day`` falls in, its programme week or None), worked out once per day: a
        report puts tens of thousands of grouped rows on a few hundred days."""
        place = self._places.get(day)
        if place is None:
            place = self._places[day] = (tuple(self._keys_of(day)), self._week_of(day))
        return place

    def keys_of(self, day) -> tuple[str, ...]:
        return self.place_of(day)[0]

    def week_of(self, day) -> int | None:
        return self.place_of(day)[1]

    def _keys_of(self, day) -> list[str]:
        day = read_day(day)
        return [key for key, first, last in self.periods if first <= day <= last]

    def _week_of(self, day) -> int | None:
        day = read_day(day)
        if self.weekly_last is None or day is None or not self.start <= day <= self.weekly_last:
            return None
        return programme_week(self.start, day)

    def period_key(self, column):
        """SQL naming the period a date column falls in (the periods never overlap: the one before
        ends the day before the period starts)."""
        return case(*((_on_days(column, first, last), key) for key, first, last in self.periods), else_=None)


def period_bounds(period: Period, as_of: date) -> tuple[date, date]:
    first, last = period.start, period.up_to(as_of)
    if last < first:
        last = first  # a period that has not begun has no figures yet
    return first, last


def names(session: Session, model) -> dict[int, str]:
    return dict(session.exec(select(model.id, model.name)).all())


def _nested():
    return defaultdict(lambda: defaultdict(int))


# ------------------------------------------------------------------ audits: themes, teams, RAG, liveness
def audits_by_day(session: Session, scope: Scope, span: Span, themes: dict[int, str]):
    """(day, theme, kind, RAG letter) -> audits over every day the report needs: themes of both periods,
    external audits and RAG week by week. Programme-wide from the audit rollup (``db.rollups``), grouped by
    the grade rather than its letter (a function of it) so that the groups follow its key; for a manager's
    teams from the audits, through an index led by the team (their few audits sorted)."""
    if scope.team_ids is None:  # the rollup, grouped in its key's order
        rolled = AuditDayCount
        statement = select(as_text(rolled.day), rolled.theme_id, rolled.kind, rag_expression(rolled.grade),
                           total(rolled.audits)
                           ).where(_on_days(rolled.day, span.first, span.last)).group_by(
            rolled.day, rolled.theme_id, rolled.kind, rolled.grade)
    else:
        letter = rag_expression(reported_overall)
        statement = _of_submitted_audits(
            select(as_text(Audit.audit_date), Audit.theme_id, Audit.kind, letter, func.count()).select_from(Audit),
            scope,
        ).where(_on_days(Audit.audit_date, span.first, span.last)).group_by(
            Audit.audit_date, Audit.theme_id, Audit.kind, letter)
    kinds: dict = defaultdict(_nested)  # period key -> theme -> kind -> n
    rag: dict = defaultdict(_nested)  # period key -> theme -> letter -> n
    external: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # theme -> week -> n
    rag_weeks: dict = _nested()  # week -> letter -> n
    for day, theme_id, kind, grade_letter, n in grouped_rows(session, statement):
        theme = themes.get(theme_id, str(theme_id))
        for key in span.keys_of(day):
            kinds[key][theme][kind] += n
            if grade_letter:
                rag[key][theme][grade_letter] += n
        week = span.week_of(day)
        if week is not None:
            if kind == "external":
                external[theme][week] += n
            if grade_letter:
                rag_weeks[week][grade_letter] += n
    return kinds, rag, external, rag_weeks


def theme_figures(session: Session, kinds, rag) -> list[ThemeFigures]:
    names = list(session.exec(select(Theme.name).where(Theme.active == True).order_by(Theme.name)).all())  # noqa: E712
    names += sorted(set(kinds) - set(names))
    return [ThemeFigures(name, kinds[name]["external"], kinds[name]["internal"], RagCounts.of(rag[name]))
            for name in names]


def audits_by_team(session: Session, scope: Scope, span: Span, teams: dict[int, str]):
    """period key -> team -> (kind -> n, letter -> n).

    Programme-wide from the audit rollup (``db.rollups``), one statement a period: its days' rows grouped by
    team, kind and grade (a CASE naming each day's period, grouped on, cost twice as much in SQLite). For a
    manager's teams the audits are counted by day first, in ``ix_audit_day_team_grade``'s order (no sort of
    every audit), then by period, both periods in one pass."""
    kinds: dict = defaultdict(_nested)
    rag: dict = defaultdict(_nested)

    def add(period_key, team_id, kind, grade_letter, n):
        team = teams.get(team_id, str(team_id))
        kinds[period_key][team][kind] += n
        if grade_letter:
            rag[period_key][team][grade_letter] += n

    if scope.team_ids is None:
        rolled = AuditDayCount
        for period_key, first, last in span.periods:
            statement = select(rolled.team_id, rolled.kind, rag_expression(rolled.grade), total(rolled.audits)).where(
                _on_days(rolled.day, first, last)).group_by(rolled.team_id, rolled.kind, rolled.grade)
            for team_id, kind, grade_letter, n in grouped_rows(session, statement):
                add(period_key, team_id, kind, grade_letter, n)
        return kinds, rag
    by_day = _of_submitted_audits(
        select(Audit.audit_date, Audit.team_id, Audit.kind, reported_overall.label("grade"),
               func.count().label("audits")).select_from(Audit), scope
    ).where(_on_days(Audit.audit_date, span.periods_first, span.periods_last)).group_by(
        Audit.audit_date, Audit.team_id, Audit.kind, reported_overall).subquery()
    key, letter = span.period_key(by_day.c.audit_date), rag_expression(by_day.c.grade)
    statement = select(key, by_day.c.team_id, by_day.c.kind, letter, total(by_day.c.audits)).group_by(
        key, by_day.c.team_id, by_day.c.kind, letter)
    for period_key, team_id, kind, grade_letter, n in grouped_rows(session, statement):
        if period_key is not None:
            add(period_key, team_id, kind, grade_letter, n)
    return kinds, rag


def liveness_rows(session: Session, scope: Scope, span: Span):
    """(audit date, work date, kind) -> audits with the date of the work, from its rollup (programme-wide) or
    ``ix_audit_liveness`` (a manager's teams); the days between them are counted here (a few thousand pairs,
    not an audit at a time in SQL)."""
    if scope.team_ids is None:  # the rollup (db.rollups), grouped in its key's order
        rolled = AuditWorkDayCount
        statement = select(as_text(rolled.day), as_text(rolled.work_date), rolled.kind, total(rolled.audits)).where(
            _on_days(rolled.day, span.first, span.last)).group_by(rolled.day, rolled.kind, rolled.work_date)
    else:
        statement = _of_submitted_audits(
            select(as_text(Audit.audit_date), as_text(Audit.work_date), Audit.kind, func.count()).select_from(Audit),
            scope,
        ).where(_on_days(Audit.audit_date, span.first, span.last), col(Audit.work_date).is_not(None)).group_by(
            Audit.audit_date, Audit.work_date, Audit.kind)
    periods: dict = defaultdict(lambda: defaultdict(lambda: [0, 0, defaultdict(int)]))  # key -> kind -> [n, days, buckets]
    weeks: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    rows = grouped_rows(session, statement)
    day = _days_of(value for row in rows for value in row[:2])
    for audit_date, work_date, kind, n in rows:
        days = (day[audit_date] - day[work_date]).days
        for key in span.keys_of(audit_date):
            figures = periods[key][kind]
            figures[0] += n
            figures[1] += n * days
            figures[2][_bucket_of(days)] += n
        week = span.week_of(audit_date)
        if week is not None:
            weeks[(week, kind)][0] += n
            weeks[(week, kind)][1] += n * days
    return periods, {key: (n, days) for key, (n, days) in weeks.items()}


def _bucket_of(days: int) -> str:
    for limit, name in zip((7, 14, 28), LIVENESS_BUCKETS):
        if days <= limit:
            return name
    return LIVENESS_BUCKETS[3]


def liveness_figures(by_kind) -> list[Liveness]:
    result = []
    for kind in AUDIT_KINDS:
        n, days, buckets = by_kind.get(kind, (0, 0, {}))
        result.append(Liveness(kind, n, days, {b: buckets.get(b, 0) for b in LIVENESS_BUCKETS}))
    return result


# ------------------------------------------------------------------ domains
_GRADE_STRIDE = 16  # grades are 0 (not applicable) to 4
_PERIOD_STRIDE = 1 << 40  # above any question id times the grade stride


def _domain_counts(scope: Scope, span: Span):
    """SELECT packed (period, question, grade), answers: from the rollup of answers by day for a user who
    sees every team, from the answers themselves for a user limited to their teams (a fraction of them)."""
    if scope.team_ids is None:
        day, question, grade, n = (AnswerDayCount.day, AnswerDayCount.question_id, AnswerDayCount.grade,
                                   func.sum(AnswerDayCount.answers))
        source = select().select_from(AnswerDayCount)
    else:
        day, question, grade, n = Audit.audit_date, Answer.question_id, reported_answer, func.count()
        source = _of_submitted_audits(select().select_from(Audit).join(Answer, Answer.audit_id == Audit.id), scope)
    period_number = case(*((_on_days(day, first, last), number)
                           for number, (_, first, last) in enumerate(span.periods, start=1)), else_=0)
    # BIGINT: PostgreSQL's integer holds no more than 2**31.
    packed = (cast(period_number, BigInteger) * literal(_PERIOD_STRIDE, BigInteger)
              + col(question) * _GRADE_STRIDE + grade).label("packed")
    return (source.add_columns(packed, n)
            .where(_on_days(day, span.periods_first, span.periods_last), grade.is_not(None))
            .group_by(packed))


def domains(session: Session, scope: Scope, span: Span) -> dict[str, list[DomainFigures]]:
    """period key -> domains, weakest first: every answer of the periods' audits, grouped by period,
    question and grade in one pass (for a user who sees every team, over ``db.rollups``' counts by
    day instead of the answers); the questions' domains are looked up for the few hundred groups,
    not joined to the answers.

    The group is one integer (period, question and grade packed together): sorting hundreds of
    thousands of answers on one integer instead of three columns took 40% less time on SQLite.
    """
    keys = [key for key, _, _ in span.periods]
    rows = session.exec(_domain_counts(scope, span)).all()
    domain_of = dict(session.exec(select(Question.id, Question.domain)).all()) if rows else {}
    grades: dict = defaultdict(_nested)
    for value, n in rows:
        number, rest = divmod(int(value), _PERIOD_STRIDE)
        question_id, answer_grade = divmod(rest, _GRADE_STRIDE)
        if number:
            grades[keys[number - 1]][domain_of[question_id]][answer_grade] += n
    result = {}
    for period_key, by_domain in grades.items():
        figures = []
        for domain, counts in by_domain.items():
            rag = RagCounts(counts.get(1, 0), counts.get(2, 0), counts.get(3, 0) + counts.get(4, 0))
            grade_sum = sum(g * n for g, n in counts.items() if g > 0)
            figures.append(DomainFigures(domain, rag, grade_sum, counts.get(0, 0)))
        # Weakest first: lowest mean grade, then the larger share of Inadequate.
        result[period_key] = sorted(figures, key=lambda d: (d.mean_grade if d.mean_grade is not None else 9,
                                                            -(d.rag.share("R") or 0), d.domain))
    return result


# ------------------------------------------------------------------ moderation agreement
def agreements(session: Session, scope: Scope, span: Span, teams: dict[int, str]):
    """Moderations completed on the report's days, by (day completed, team). An audit has one moderation
    (``moderation.audit_id`` is unique), so the audits of the groups add up to the audits of a period, a
    team or a week.

    How each moderation's answers agree is stored on it when it is completed (``db.rollups``), so this
    is one pass over the moderations of the days, not over their audits' answers; the overall
    judgements come from the audits joined to them."""
    day = as_date(Moderation.completed_at)
    graded = col(Moderation.agreement_answers) > 0
    moderated_overall = col(Audit.moderated_overall_grade).is_not(None)
    rows = grouped_rows(session, _of_submitted_audits(
        select(as_text(day), Audit.team_id,
               func.sum(case((graded, 1), else_=0)), func.sum(Moderation.agreement_answers),
               func.sum(Moderation.agreement_exact), func.sum(Moderation.agreement_within_one),
               func.sum(Moderation.agreement_higher), func.sum(Moderation.agreement_lower),
               func.sum(case((moderated_overall, 1), else_=0)),
               func.sum(case((Audit.overall_grade == Audit.moderated_overall_grade, 1), else_=0)))
        .select_from(Moderation)
        .join(Audit, Audit.id == Moderation.audit_id)
        .where(Moderation.status == "completed", _between(Moderation.completed_at, span.first, span.last)),
        scope,
    ).group_by(day, Audit.team_id))

    def add(store, group, values):
        store[group] = [a + b for a, b in zip(store.get(group, [0] * len(values)), values)]

    # The (day, team) rows are first gathered by the place of their day (its periods and week) and team,
    # and each gathering added up column by column: a few hundred groups to share out instead of
    # thousands of rows.
    gathered: dict = defaultdict(list)
    place_of = span.place_of
    for row in rows:
        gathered[place_of(row[0]), row[1]].append(row[2:])
    answer_sums: dict = {}
    overall_sums: dict = {}
    for ((keys, week), team_id), group in gathered.items():
        values = [int(sum(v or 0 for v in column)) for column in zip(*group)]
        team = teams.get(team_id, str(team_id))
        # (audits with graded pairs, pairs, exact, within one, higher, lower) and (audits, agreed overall)
        for store, part in ((answer_sums, values[:6]), (overall_sums, values[6:])):
            if not part[0]:
                continue  # no such moderation in the group: the group is absent, as with no rows
            for key in keys:
                add(store, ("period", key), part)
                add(store, ("team", key, team), part)
            if week is not None:
                add(store, ("week", week), part)
    return answer_sums, overall_sums


def agreement_of(values, overall) -> Agreement:
    audits, answers, exact, within, higher, lower = values or (0, 0, 0, 0, 0, 0)
    n, agreed = overall or (0, 0)
    return Agreement(audits, answers, exact, within, higher, lower, n, agreed)


# ------------------------------------------------------------------ remedial actions
def _days_of(values) -> dict:
    """Each distinct value of ``values`` -> its day (``read_day``), read once: thousands of grouped rows fall on a
    few hundred days, and a look-up a cell is cheaper than reading each."""
    return {value: read_day(value) for value in set(values)}


def action_rows(session: Session, scope: Scope, span: Span, teams: dict[int, str]):
    """Every remedial action of a submitted audit in scope, grouped by (team, raised, due, done,
    verified): the action rollup's rows (``db.rollups``, a few thousand), from which each period's counts,
    the in-time rule (``core.actions.completion_in_time``), the overdue rule and the weeks are worked out."""
    statement = in_scope(
        select(ActionDayCount.team_id, *map(as_text, (ActionDayCount.raised_on, ActionDayCount.due_on,
                                                       ActionDayCount.completed_on, ActionDayCount.verified_on)),
               ActionDayCount.actions),
        scope, team_column=ActionDayCount.team_id,
    )
    rows = grouped_rows(session, statement)
    days = {value: None if day == NOT_YET else day  # the rollup's "not yet" as None
            for value, day in _days_of(value for row in rows for value in row[1:5]).items()}
    names = {team_id: teams.get(team_id, str(team_id)) for team_id in {row[0] for row in rows}}
    return [(names[team_id], days[raised], days[due], days[done], days[verified], n)
            for team_id, raised, due, done, verified, n in rows]


def action_figures(rows, first: date, last: date, as_of: date):
    """(programme-wide ActionFigures, team -> (raised, due, in time, overdue on the last day))."""
    cutoff = overdue_cutoff(last)
    totals = defaultdict(int)
    by_team: dict = _nested()
    for team, raised, due, done, verified, n in rows:
        if first <= raised <= last:
            counts, in_time = completion_in_time(raised, done, as_of)
            for store in (totals, by_team[team]):
                store["raised"] += n
                store["due"] += n * counts
                store["in_time"] += n * in_time
        if done is not None and first <= done <= last:
            totals["done"] += n
        if verified is not None and first <= verified <= last:
            totals["verified"] += n
        if raised <= last and due < cutoff and (done is None or done > last):
            totals["overdue"] += n
            by_team[team]["overdue"] += n
    figures = ActionFigures(raised=totals["raised"], done=totals["done"], verified=totals["verified"],
                            due=totals["due"], in_time=totals["in_time"], overdue_at_end=totals["overdue"])
    return figures, by_team


def weekly_actions(rows, span: Span) -> dict[int, WeekActions]:
    """Actions raised, done and verified by programme week: added up by day first (a few hundred days
    against thousands of rows), then by week."""
    by_day: dict = defaultdict(int)  # (step, day) -> actions
    for _team, raised, _due, done, verified, n in rows:
        by_day["raised", raised] += n
        if done is not None:
            by_day["done", done] += n
        if verified is not None:
            by_day["verified", verified] += n
    weeks: dict = _nested()
    for (step, day), n in by_day.items():
        week = span.week_of(day)
        if week is not None:
            weeks[week][step] += n
    return {w: WeekActions(c["raised"], c["done"], c["verified"]) for w, c in weeks.items()}


# ------------------------------------------------------------------ meetings
def _meetings_in_scope(statement, scope: Scope):
    """Meetings about the user's teams (every meeting when the user sees every team)."""
    if scope.team_ids is None:
        return statement
    if not scope.team_ids:
        return statement.where(False)
    return statement.where(exists(select(MeetingTeam.meeting_id).where(
        MeetingTeam.meeting_id == Meeting.id, col(MeetingTeam.team_id).in_(sorted(scope.team_ids)))))


def meeting_rows(session: Session, scope: Scope, span: Span):
    return session.exec(_meetings_in_scope(
        select(Meeting.held_on, Meeting.kind, func.count())
        .where(col(Meeting.kind).in_(MEETING_KINDS + OTHER_MEETING_KINDS), _on_days(Meeting.held_on, span.first,
                                                                                    span.last)),
        scope,
    ).group_by(Meeting.held_on, Meeting.kind)).all()
