"""The agreement statistics' data (grade pairs of completed moderations) and the
reflective-feedback log. Grades and names only in the statistics, never free text."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, distinct, func, or_
from sqlmodel import Session, col, select

from core.agreement import GRADES, GradeCounts, Matrix, RatedPair
from core.authz import Role, Scope
from core.grades import grade_text
from db.models import (
    Answer, Audit, Case, Moderation, ModerationAnswer, ModerationGradePair, Question, Team, TemplateVersion, Theme, User,
)
from db.moderation.common import (
    Acknowledger,
    FirstAuditor,
    Moderator,
    audit_filters,
    case_level,
    day_of,
    moderation_joins,
    start_of,
)
from db.queries.common import as_text, grouped_rows, in_scope, read_day
from db.queries.progress_sources import as_date


# ------------------------------------------------------------------ statistics
@dataclass(frozen=True)
class StatsFilter:
    """Which completed moderations the statistics cover. Empty tuples mean "any"."""

    auditor_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    theme_ids: tuple[int, ...] = ()
    question_keys: tuple[str, ...] = ()  # "theme_id:question key"
    date_from: date | None = None
    date_to: date | None = None
    level: str = "questions"  # "questions": every question's grade; "overall": overall judgements
    against: str = "agreed"  # "agreed": the agreed (moderated) grade; "blind": the moderator's blind grade


@dataclass(frozen=True)
class PairRow:
    moderation_id: int
    first_auditor_id: int
    first_auditor: str
    team: str
    theme: str
    question: str  # "" for an overall judgement
    completed_on: date | None
    first: int | None
    moderated: int | None

    @property
    def rated(self) -> RatedPair:
        return RatedPair(self.first, self.moderated, self.moderation_id, self.completed_on)


def _completed(statement, scope: Scope, filters: StatsFilter):
    statement = statement.where(Moderation.status == "completed")
    statement = audit_filters(statement, filters.team_ids, filters.theme_ids, filters.auditor_ids)
    if filters.date_from:
        statement = statement.where(Moderation.completed_at >= start_of(filters.date_from))
    if filters.date_to:
        statement = statement.where(Moderation.completed_at < start_of(filters.date_to + timedelta(days=1)))
    return in_scope(statement, scope)


def _joined(statement):
    """The audit, team, theme and first auditor of each moderation: all the statistics name."""
    return moderation_joins(statement, case=False, moderator=False)


def _by_overall(filters: StatsFilter) -> bool:
    return filters.level == "overall" and not filters.question_keys


def _grades(filters: StatsFilter):
    """The (first, second) grade columns the filters compare."""
    blind = filters.against == "blind"
    if _by_overall(filters):
        return Audit.overall_grade, (Moderation.moderator_overall_grade if blind else Moderation.agreed_overall_grade)
    return Answer.grade, (ModerationAnswer.moderator_grade if blind else ModerationAnswer.agreed_grade)


def _pairs(statement, scope: Scope, filters: StatsFilter, *, named: bool = True):
    """FROM and WHERE of the grade pairs the filters choose: completed moderations in scope, with
    their audits (overall judgements) or their question grades. ``named``: joined to the team,
    theme, first auditor and question for their names (the counts need none of them)."""
    statement = statement.select_from(Moderation)
    statement = _joined(statement) if named else statement.join(Audit, Audit.id == Moderation.audit_id)
    if not _by_overall(filters):
        statement = statement.join(ModerationAnswer, ModerationAnswer.moderation_id == Moderation.id).join(
            Answer, (Answer.audit_id == Audit.id) & (Answer.question_id == ModerationAnswer.question_id))
        if named or filters.question_keys:
            statement = statement.join(Question, Question.id == ModerationAnswer.question_id)
        if filters.question_keys:
            pairs = [key.split(":", 1) for key in filters.question_keys]
            statement = statement.join(TemplateVersion, TemplateVersion.id == Question.template_version_id).where(
                or_(*[(TemplateVersion.theme_id == int(theme)) & (Question.key == key) for theme, key in pairs])
            )
    return _completed(statement, scope, filters)


def agreement_pairs(session: Session, scope: Scope, filters: StatsFilter = StatsFilter()) -> list[PairRow]:
    """(first, moderated) grade pairs of completed moderations, one by one (for tests and checks;
    the page reads ``agreement_counts``).

    Managers get their teams only. Grades and names only, no free text: the
    statistics never carry a rationale or feedback.
    """
    case_level(scope)
    first, second = _grades(filters)
    question = "" if _by_overall(filters) else Question.text
    columns = [Moderation.id, FirstAuditor.id, FirstAuditor.display_name, Team.name, Theme.name,
               Moderation.completed_at, first, second]
    order = [Moderation.completed_at, Moderation.id]
    if question:
        columns.insert(5, question)
        order.append(Question.position)
    rows = session.exec(_pairs(select(*columns), scope, filters).order_by(*order))
    if not question:
        return [PairRow(*row[:5], "", day_of(row[5]), row[6], row[7]) for row in rows]
    return [PairRow(*row[:6], day_of(row[6]), row[7], row[8]) for row in rows]


def agreement_counts(session: Session, scope: Scope, filters: StatsFilter = StatsFilter()) -> list[GradeCounts]:
    """The grade pairs ``agreement_pairs`` lists, counted: per first auditor, team and day of
    completion, the 4x4 matrix of (first, second) grades and the moderated audits they come from.
    Pairs where either side is not a grade of 1 to 4 are left out, as the statistics leave them out.

    SQL counts the pairs by ids only (no name joined to the tens of thousands of pairs); the groups
    are named here by one look-up of the first auditors and one of the teams."""
    case_level(scope)
    groups = _grouped_from_rollup(session, scope, filters) if _from_rollup(filters) else \
        _grouped_from_grades(session, scope, filters)
    auditors = {key[0] for key in groups}
    teams = {key[1] for key in groups}
    auditor_names = dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(sorted(auditors))))
                         .all()) if auditors else {}
    team_names = dict(session.exec(select(Team.id, Team.name).where(col(Team.id).in_(sorted(teams)))).all()) \
        if teams else {}
    return [GradeCounts(auditor_names[auditor_id], team_names[team_id], day, moderations, matrix)
            for (auditor_id, team_id, day), (matrix, moderations) in groups.items()]


Groups = dict[tuple[int, int, date | None], tuple[Matrix, int]]  # (auditor, team, day) -> (matrix, audits)


def _from_rollup(filters: StatsFilter) -> bool:
    """Every question's grades: counted from the moderations' stored grade pairs (``db.rollups``)."""
    return not _by_overall(filters) and not filters.question_keys


def _grouped_from_rollup(session: Session, scope: Scope, filters: StatsFilter) -> Groups:
    """One statement over the stored grade pairs, grouped in SQL by first auditor, team and day: the
    moderations of each group and its 16 matrix cells as columns (a few thousand rows at 1,000,000
    audits instead of every moderation's pairs)."""
    pair, day = ModerationGradePair, as_date(Moderation.completed_at)
    cells = [func.coalesce(func.sum(case(((pair.first_grade == first) & (pair.second_grade == second), pair.answers),
                                         else_=0)), 0)
             for first in GRADES for second in GRADES]
    # The day as text (``as_text``): the ORM's date processing cost more than the query itself here.
    rows = grouped_rows(session, _completed(
        select(Audit.auditor_id, Audit.team_id, as_text(day), func.count(distinct(Moderation.id)), *cells)
        .select_from(pair)
        .join(Moderation, col(Moderation.id) == col(pair.moderation_id))
        .join(Audit, col(Audit.id) == col(Moderation.audit_id))
        .where(col(pair.blind) == (filters.against == "blind")),
        scope, filters,
    ).group_by(Audit.auditor_id, Audit.team_id, day))
    groups: Groups = {}
    for row in rows:  # the auditor, the team, the day, the audits, then the 16 cells: four rows of four
        auditor_id, team_id, on, n = row[:4]
        groups[(auditor_id, team_id, read_day(on))] = ((row[4:8], row[8:12], row[12:16], row[16:20]), n)
    return groups


def _grouped_from_grades(session: Session, scope: Scope, filters: StatsFilter) -> Groups:
    """Chosen questions or overall judgements: each moderation's graded pairs counted from the grades
    themselves, by grade pair, and added up here."""
    first, second = _grades(filters)
    graded = (first.between(min(GRADES), max(GRADES)), second.between(min(GRADES), max(GRADES)))
    rows = grouped_rows(
        session,
        _pairs(select(Moderation.id, func.min(Audit.auditor_id), func.min(Audit.team_id),
                      as_text(func.min(as_date(Moderation.completed_at))), first, second, func.count()),
               scope, filters, named=False)
        .where(*graded).group_by(Moderation.id, first, second),
    )
    cells: dict[tuple, tuple[list[list[int]], set[int]]] = {}
    for moderation_id, auditor_id, team_id, day, a, b, n in rows:
        key = (auditor_id, team_id, read_day(day))
        matrix, moderations = cells.get(key) or cells.setdefault(key, ([[0] * 4 for _ in GRADES], set()))
        matrix[a - 1][b - 1] += n
        moderations.add(moderation_id)
    return {key: (tuple(map(tuple, matrix)), len(moderations)) for key, (matrix, moderations) in cells.items()}


def question_options(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """("theme_id:key", "Theme: question") for every question of a completed moderation in scope.

    The template versions moderated are found first (a handful), and their questions then: joining
    every moderation to its questions made ten rows of each of thousands of moderations to group."""
    case_level(scope)
    moderated_versions = in_scope(
        select(Audit.template_version_id).select_from(Moderation).join(Audit, Audit.id == Moderation.audit_id)
        .where(Moderation.status == "completed"),
        scope,
    ).distinct()
    rows = session.exec(
        select(TemplateVersion.theme_id, Theme.name, Question.key, Question.text, func.min(Question.position))
        .select_from(Question)
        .join(TemplateVersion, TemplateVersion.id == Question.template_version_id)
        .join(Theme, Theme.id == TemplateVersion.theme_id)
        .where(col(Question.template_version_id).in_(moderated_versions))
        .group_by(TemplateVersion.theme_id, Theme.name, Question.key, Question.text)
        .order_by(Theme.name, func.min(Question.position))
    ).all()
    return [(f"{theme_id}:{key}", f"{theme}: {text}") for theme_id, theme, key, text, _ in rows]


# ------------------------------------------------------------------ feedback
@dataclass(frozen=True)
class FeedbackRow:
    moderation_id: int
    completed_on: date | None
    case_reference: str
    team: str
    theme: str
    first_auditor: str
    moderator: str
    first_overall: int | None
    agreed_overall: int | None
    questions_changed: int
    feedback: str
    acknowledged_by: str | None
    acknowledged_on: date | None

    COLUMNS = ("Completed", "Case", "Team", "Theme", "First auditor", "Moderator", "First overall grade",
               "Agreed overall grade", "Questions changed", "Feedback", "Acknowledged by", "Acknowledged on")

    def cells(self) -> list:
        """The row under ``COLUMNS``, as the log's table and its downloads show it (grades in words)."""
        return [self.completed_on, self.case_reference, self.team, self.theme, self.first_auditor, self.moderator,
                grade_text(self.first_overall), grade_text(self.agreed_overall), self.questions_changed,
                self.feedback, self.acknowledged_by or "", self.acknowledged_on]


def feedback_log(
    session: Session,
    scope: Scope,
    *,
    search: str = "",
    auditor_ids: tuple[int, ...] = (),
    team_ids: tuple[int, ...] = (),
    mine_only: bool = False,
    limit: int | None = None,
) -> list[FeedbackRow]:
    """Every completed moderation's reflective feedback, newest first (the newest ``limit``, if given).

    ``search`` matches the first auditor, the moderator, the team, the case reference
    or the feedback text (case-insensitive). ``mine_only``: audits the user did, or
    of teams they manage.
    """
    statement = _feedback_of(scope, moderation_joins(select(
        Moderation.id, Moderation.completed_at, Case.reference, Team.name, Theme.name, FirstAuditor.display_name,
        Moderator.display_name, Audit.overall_grade, Moderation.agreed_overall_grade, Moderation.feedback,
        Acknowledger.display_name, Moderation.acknowledged_at,
    )).outerjoin(Acknowledger, Acknowledger.id == Moderation.acknowledged_by_id), search, auditor_ids, team_ids,
        mine_only)
    statement = statement.order_by(col(Moderation.completed_at).desc(), col(Moderation.id).desc())
    if limit is not None:
        statement = statement.limit(limit)
    rows = session.exec(statement).all()
    changed: dict[int, int] = defaultdict(int)
    if rows:
        for moderation_id, n in session.exec(
            select(ModerationAnswer.moderation_id, func.count())
            .join(Moderation, Moderation.id == ModerationAnswer.moderation_id)
            .join(Answer, (Answer.audit_id == Moderation.audit_id) & (Answer.question_id == ModerationAnswer.question_id))
            .where(col(ModerationAnswer.moderation_id).in_([r[0] for r in rows]),
                   ModerationAnswer.agreed_grade != Answer.grade)
            .group_by(ModerationAnswer.moderation_id)
        ):
            changed[moderation_id] = n
    return [
        FeedbackRow(r[0], day_of(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8], changed[r[0]], r[9], r[10], day_of(r[11]))
        for r in rows
    ]


def feedback_count(session: Session, scope: Scope, *, search: str = "", auditor_ids: tuple[int, ...] = (),
                   team_ids: tuple[int, ...] = ()) -> int:
    """How many completed moderations ``feedback_log`` would list with the same filters."""
    return session.exec(_feedback_of(scope, moderation_joins(select(func.count(col(Moderation.id)))), search,
                                     auditor_ids, team_ids, mine_only=False)).one()


def _feedback_of(scope: Scope, statement, search: str, auditor_ids: tuple[int, ...], team_ids: tuple[int, ...],
                 mine_only: bool):
    """``statement`` (joined by ``moderation_joins``) narrowed to the completed moderations the log lists."""
    case_level(scope)
    statement = statement.where(Moderation.status == "completed")
    if mine_only:
        mine = Audit.auditor_id == scope.user_id
        if Role.MANAGER in scope.roles and scope.managed_team_ids:
            mine = or_(mine, col(Audit.team_id).in_(sorted(scope.managed_team_ids)))
        statement = statement.where(mine)
    else:
        statement = in_scope(statement, scope)
    if auditor_ids:
        statement = statement.where(col(Audit.auditor_id).in_(auditor_ids))
    if team_ids:
        statement = statement.where(col(Audit.team_id).in_(team_ids))
    if search.strip():
        needle = search.strip().lower()
        statement = statement.where(or_(*[
            func.lower(column).contains(needle, autoescape=True)
            for column in (FirstAuditor.display_name, Moderator.display_name, Team.name, Case.reference,
                           Moderation.feedback)
        ]))
    return statement
