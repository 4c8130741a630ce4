"""The weekly risks-and-issues agenda, drafted from a week's data by fixed rules.

Pure Python over plain input rows (``AgendaInputs``, filled from SQL by
``db.queries.agenda``). ``core.agenda_rules.build_agenda`` turns them into ``AgendaItem``s, each
with a stable key (the rule and its subject, the same every week for the same
team, practitioner, audit or risk), a title, a reason with the numbers, the
severity it suggests and the team or practitioner it concerns.

The rules themselves are in ``core.agenda_rules``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import NamedTuple

from core.workdays import week_start

SAFEGUARDING = "safeguarding"
RED_PRACTITIONER = "red_practitioner"
RED_SHARE_RISE = "red_share_rise"
OVERDUE_ACTIONS = "overdue_actions"
MODERATION_DISAGREEMENT = "moderation_disagreement"
RISK_REVIEW = "risk_review"

# Agenda order, and each rule's heading on the agenda.
RULES: dict[str, str] = {
    SAFEGUARDING: "Unacknowledged safeguarding concerns",
    RED_PRACTITIONER: "Practitioners with repeated Red audits",
    RED_SHARE_RISE: "Teams whose Red share rose",
    OVERDUE_ACTIONS: "Overdue remedial actions by team",
    MODERATION_DISAGREEMENT: "Moderation disagreements",
    RISK_REVIEW: "Open risks due for review",
}

OPEN_RISK_STATUSES = ("open", "monitoring")
DONE_ACTION_STATUSES = ("done", "verified")


@dataclass(frozen=True)
class AgendaRules:
    """The thresholds of the rules; the defaults are the product's."""

    red_window_weeks: int = 4
    min_red_audits: int = 2
    min_team_audits: int = 3
    min_overdue_actions: int = 1
    overall_disagreement: int = 2
    question_disagreement_share: float = 0.5


DEFAULT_RULES = AgendaRules()


# ------------------------------------------------------------------ input rows
# The two facts a week holds thousands of are named tuples: a frozen dataclass's __init__ sets each
# field through object.__setattr__, and building 36,000 of them took 150 ms of the agenda's 650 ms
# at 100,000 audits (py-spy); a tuple is built in one step.
class AuditFact(NamedTuple):
    """A submitted audit: when, where, and its reported overall grade."""

    audit_id: int
    audit_date: date
    team_id: int
    team: str
    practitioner_id: int | None
    practitioner: str | None
    overall: int | None  # the moderated grade where one exists


class ActionFact(NamedTuple):
    action_id: int
    team_id: int
    team: str
    owner_id: int | None
    raised_on: date
    due_on: date
    status: str
    completed_on: date | None


@dataclass(frozen=True)
class SafeguardingFact:
    audit_id: int
    case_reference: str
    team_id: int
    team: str
    audit_date: date
    acknowledged_on: date | None


@dataclass(frozen=True)
class ModerationFact:
    moderation_id: int
    audit_id: int
    case_reference: str
    team_id: int
    team: str
    first_auditor: str
    graded_on: date
    first_overall: int | None
    moderator_overall: int | None
    questions_compared: int
    questions_differing: int


@dataclass(frozen=True)
class RiskFact:
    """An entry of the log that is still open or monitored."""

    risk_id: int
    team_id: int | None
    team: str | None
    practitioner_id: int | None
    practitioner: str | None
    description: str
    severity: str
    status: str
    review_on: date | None
    source: str


THIS_WEEK, LAST_WEEK = "this", "last"  # the weeks of ``AuditTally.team_weeks``


@dataclass(frozen=True)
class AuditTally:
    """The counts of audits two rules need, rather than every audit of four weeks.

    ``by_practitioner``: audits of each practitioner in the Red window (the denominator of "3 of 5
    audits Red"). ``team_weeks``: per (team, ``THIS_WEEK`` or ``LAST_WEEK``), graded audits (not "not
    applicable") and how many of them are Red. ``team_names``: the teams in ``team_weeks``.
    ``core.agenda_rules.tally_of`` counts them from the audits; ``db.queries.agenda`` in SQL, and a
    data test holds the two to the same agenda.
    """

    by_practitioner: dict[int, int]
    team_weeks: dict[tuple[int, str], tuple[int, int]]
    team_names: dict[int, str]


class PractitionerReds(NamedTuple):
    """A practitioner's Red audits in the Red window: how many, and the latest (by day, then id). The
    repeated-Red rule needs no more; ``core.agenda_rules.reds_of`` finds it among the audits,
    ``db.queries.agenda`` in SQL, and a data test holds the two to the same agenda."""

    reds: int
    latest: AuditFact


class TeamOverdue(NamedTuple):
    """A team's remedial actions overdue on the agenda's day (``core.agenda_rules.was_overdue``):
    how many, the earliest due date among them and how many owners they have. The one rule about
    actions needs no more than this; ``core.agenda_rules.overdue_of`` counts it from the actions,
    ``db.queries.agenda`` in SQL, and a data test holds the two to the same agenda."""

    team: str
    actions: int
    oldest_due: date
    owners: int


@dataclass(frozen=True)
class AgendaInputs:
    # Every submitted audit the rules look at; none with ``tally`` and ``red_practitioners``, which
    # hold what the rules need of them.
    audits: tuple[AuditFact, ...] = ()
    actions: tuple[ActionFact, ...] = ()
    safeguarding: tuple[SafeguardingFact, ...] = ()
    moderations: tuple[ModerationFact, ...] = ()
    open_risks: tuple[RiskFact, ...] = ()
    tally: AuditTally | None = None
    # Per team (by id), what the overdue-actions rule needs; None: counted from ``actions``.
    overdue: dict[int, TeamOverdue] | None = None
    # Per practitioner with Red audits in the window, what the repeated-Red rule needs (the SQL leaves
    # out those below the rule's minimum, which the rule applies); None: found among ``audits``.
    red_practitioners: dict[int, PractitionerReds] | None = None


# ------------------------------------------------------------------ the agenda
@dataclass(frozen=True)
class AgendaItem:
    key: str  # rule and subject: the same for the same subject every week
    rule: str
    title: str
    reason: str
    severity: str
    team_id: int | None
    team: str | None
    practitioner_id: int | None = None
    practitioner: str | None = None
    existing_risk_id: int | None = None  # an open entry of the log about the same thing

    @property
    def heading(self) -> str:
        return RULES[self.rule]

    @property
    def description(self) -> str:
        """What the log records when this item becomes an entry."""
        return f"{self.title}. {self.reason}"


@dataclass(frozen=True)
class AgendaWeek:
    """The week an agenda covers (Monday to Sunday) and the day its figures are taken."""

    start: date
    today: date

    # Cached: the rules ask for these once per audit (tens of thousands of times a week at scale).
    @cached_property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @cached_property
    def as_of(self) -> date:
        """The end of the week, or today while the week is still running."""
        return min(self.today, self.end)

    @cached_property
    def previous_start(self) -> date:
        return self.start - timedelta(weeks=1)

    def red_window_start(self, rules: AgendaRules = DEFAULT_RULES) -> date:
        return self.start - timedelta(weeks=rules.red_window_weeks - 1)

    def data_from(self, rules: AgendaRules = DEFAULT_RULES) -> date:
        """The earliest audit date any rule looks at."""
        return min(self.previous_start, self.red_window_start(rules))


def agenda_week(day: date, today: date) -> AgendaWeek:
    return AgendaWeek(week_start(day), today)


def default_agenda_week(today: date) -> date:
    """The Monday of the week an agenda drafted today reviews.

    The meeting is on Mondays and reviews the week just ended; on any other day
    the chair is looking at the week so far.
    """
    return week_start(today - timedelta(days=1))


def fmt(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def by_rule(items: list[AgendaItem]) -> dict[str, list[AgendaItem]]:
    """Items grouped under their rule, every rule present (possibly empty), in agenda order."""
    grouped: dict[str, list[AgendaItem]] = {rule: [] for rule in RULES}
    for item in items:
        grouped[item.rule].append(item)
    return grouped


SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class AgendaSection:
    """One rule's part of the agenda as a meeting reads it: the most serious items first,
    at most as many as a meeting can discuss, and how many more the rule found."""

    rule: str
    shown: tuple[AgendaItem, ...]
    not_shown: int

    @property
    def heading(self) -> str:
        return RULES[self.rule]

    @property
    def found(self) -> int:
        return len(self.shown) + self.not_shown


def agenda_sections(items: list[AgendaItem], per_rule: int = 10) -> list[AgendaSection]:
    """Every rule in agenda order with its items, high severity before medium before low
    (each rule's own order kept within a severity), at most ``per_rule`` of them."""
    sections = []
    for rule, group in by_rule(items).items():
        ordered = sorted(group, key=lambda item: SEVERITY_ORDER.get(item.severity, len(SEVERITY_ORDER)))
        sections.append(AgendaSection(rule, tuple(ordered[:per_rule]), max(0, len(ordered) - per_rule)))
    return sections
