"""The programme's progress figures as plain data.

``db.queries.progress`` fills these classes from SQL (aggregates and team-level
figures only: no case references, practitioner names or free text can be held
here). The Progress page and the board report both read one ``ProgressReport``,
so every number on the dashboard is the number in the report. What the figures
say (headline figures, chart findings, the narrative) is in ``core.progress_findings``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from core.authz import Role, Scope
from core.forecast import BurnUpPoint, Forecast, burn_up, forecast, planned_by
from core.heatmap import MIN_AUDITS
from core.periods import Change, Period, round_half_up, share, week_of

MEETING_KINDS = ("mentoring", "reflective")
OTHER_MEETING_KINDS = ("workshop", "coaching")
LIVE_DAYS = 7  # "as close to live as possible": work from the week before the audit
LIVENESS_BUCKETS = ("0-7 days", "8-14 days", "15-28 days", "over 28 days")
AUDIT_KINDS = ("external", "internal")


# ------------------------------------------------------------------ building blocks
@dataclass(frozen=True)
class RagCounts:
    red: int = 0
    amber: int = 0
    green: int = 0

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green

    def count(self, letter: str) -> int:
        return {"R": self.red, "A": self.amber, "G": self.green}[letter]

    def share(self, letter: str) -> float | None:
        return share(self.count(letter), self.total)

    def __add__(self, other: RagCounts) -> RagCounts:
        return RagCounts(self.red + other.red, self.amber + other.amber, self.green + other.green)

    @classmethod
    def of(cls, counts: dict[str, int]) -> RagCounts:
        return cls(counts.get("R", 0), counts.get("A", 0), counts.get("G", 0))


@dataclass(frozen=True)
class ThemeFigures:
    theme: str
    external: int  # in the period
    internal: int
    rag: RagCounts  # every audit of the theme in the period, moderated grade where moderated


@dataclass(frozen=True)
class TeamFigures:
    """One team's figures in a period; every number is None when they are withheld (``withheld`` says why)."""

    team: str
    external: int | None
    internal: int | None
    rag: RagCounts | None
    actions_raised: int | None
    actions_due: int | None
    actions_in_time: int | None
    actions_overdue_at_end: int | None
    withheld: str = ""

    @property
    def audits(self) -> int | None:
        return None if self.external is None or self.internal is None else self.external + self.internal

    @property
    def in_time_share(self) -> float | None:
        return None if self.actions_due is None else share(self.actions_in_time or 0, self.actions_due)


@dataclass(frozen=True)
class DomainFigures:
    domain: str
    rag: RagCounts  # graded answers only
    grade_sum: int
    not_applicable: int

    @property
    def answers(self) -> int:
        return self.rag.total

    @property
    def mean_grade(self) -> float | None:
        return share(self.grade_sum, self.rag.total)


@dataclass(frozen=True)
class Agreement:
    """First grades against moderated grades, question by question (graded answers only)."""

    audits: int = 0
    answers: int = 0
    exact: int = 0
    within_one: int = 0
    first_higher: int = 0  # the first grader was more generous than the moderator
    first_lower: int = 0
    overall_audits: int = 0
    overall_exact: int = 0

    @property
    def exact_share(self) -> float | None:
        return share(self.exact, self.answers)

    @property
    def within_one_share(self) -> float | None:
        return share(self.within_one, self.answers)

    @property
    def generous_share(self) -> float | None:
        """Of the disagreements, the share where the first grade was higher."""
        return share(self.first_higher, self.first_higher + self.first_lower)

    @property
    def overall_exact_share(self) -> float | None:
        return share(self.overall_exact, self.overall_audits)


@dataclass(frozen=True)
class TeamAgreement:
    """One team's moderation agreement; ``agreement`` is None when it is withheld (``withheld`` says why)."""

    team: str
    agreement: Agreement | None
    withheld: str = ""


@dataclass(frozen=True)
class ActionFigures:
    raised: int = 0  # raised in the period
    done: int = 0  # completed in the period
    verified: int = 0  # verified in the period
    due: int = 0  # raised in the period and past their 5 working days (or done) by the report date
    in_time: int = 0  # of those, done within 5 working days of being raised
    overdue_at_end: int = 0  # not done and past their due date on the period's last day

    @property
    def in_time_share(self) -> float | None:
        return share(self.in_time, self.due)


@dataclass(frozen=True)
class Liveness:
    """Days between the work audited and the audit, for one kind of audit."""

    kind: str
    audits: int
    days_sum: int
    buckets: dict[str, int] = field(default_factory=dict)

    @property
    def mean_days(self) -> float | None:
        return share(self.days_sum, self.audits)

    @property
    def live(self) -> int:
        return self.buckets.get(LIVENESS_BUCKETS[0], 0)

    @property
    def live_share(self) -> float | None:
        return share(self.live, self.audits)


@dataclass(frozen=True)
class PeriodFigures:
    """Everything counted within one period (dates inclusive, up to ``up_to``)."""

    period: Period
    up_to: date
    themes: list[ThemeFigures]
    teams: list[TeamFigures]
    domains: list[DomainFigures]  # weakest first
    agreement: Agreement
    agreement_by_team: list[TeamAgreement]
    actions: ActionFigures
    meetings: dict[str, int]
    liveness: list[Liveness]

    @property
    def external(self) -> int:
        return sum(t.external for t in self.themes)

    @property
    def internal(self) -> int:
        return sum(t.internal for t in self.themes)

    @property
    def rag(self) -> RagCounts:
        total = RagCounts()
        for theme in self.themes:
            total = total + theme.rag
        return total

    @property
    def mentoring(self) -> int:
        return sum(self.meetings.get(kind, 0) for kind in MEETING_KINDS)

    def liveness_of(self, kind: str) -> Liveness:
        for item in self.liveness:
            if item.kind == kind:
                return item
        return Liveness(kind, 0, 0, {})

    def domain(self, name: str) -> DomainFigures | None:
        return next((d for d in self.domains if d.domain == name), None)


@dataclass(frozen=True)
class WeekActions:
    raised: int = 0
    done: int = 0
    verified: int = 0


@dataclass(frozen=True)
class WeeklySeries:
    """Programme weeks 1..``through_week`` (the week holding the period's last day)."""

    through_week: int
    external_by_theme: dict[str, dict[int, int]]
    rag: dict[int, RagCounts]
    agreement: dict[int, Agreement]
    actions: dict[int, WeekActions]
    meetings: dict[int, dict[str, int]]
    liveness: dict[tuple[int, str], tuple[int, int]]  # (week, kind) -> (audits, days summed)

    def external_in_week(self, week: int) -> int:
        return sum(weeks.get(week, 0) for weeks in self.external_by_theme.values())


@dataclass(frozen=True)
class ProgressReport:
    """The figures of one period, the period before, and the weekly series to its end."""

    programme_name: str
    programme_start: date
    programme_weeks: int
    as_of: date
    scope_label: str  # "all teams" or "the teams you manage"
    targets: dict[str, int] | None  # None when the scope is not the whole programme
    current: PeriodFigures
    previous: PeriodFigures | None
    weekly: WeeklySeries
    small_teams_withheld: bool = False  # a sponsor's report: per-team figures under MIN_AUDITS audits are absent

    # ---------------------------------------------------------------- plan and forecast
    @property
    def period(self) -> Period:
        return self.current.period

    @property
    def themes(self) -> list[str]:
        return [t.theme for t in self.current.themes]

    @property
    def through_week(self) -> int:
        return self.weekly.through_week

    def done_to_date(self, theme: str | None = None) -> int:
        """External audits from the programme's start to the period's last day."""
        series = self.weekly.external_by_theme
        chosen = [series.get(theme, {})] if theme else list(series.values())
        return sum(sum(weeks.values()) for weeks in chosen)

    @property
    def total_target(self) -> int | None:
        return sum(self.targets.values()) if self.targets is not None else None

    def total_weekly(self) -> dict[int, int]:
        return {w: self.weekly.external_in_week(w) for w in range(1, self.through_week + 1)}

    def burn_up(self, theme: str | None = None) -> list[BurnUpPoint]:
        weekly = self.weekly.external_by_theme.get(theme, {}) if theme else self.total_weekly()
        target = (self.targets or {}).get(theme, 0) if theme else (self.total_target or 0)
        return burn_up(weekly, target, self.programme_weeks, self.through_week)

    def forecasts(self) -> list[Forecast]:
        """One forecast per theme with a target, then the total, as of the period's last day."""
        if self.targets is None:
            return []
        up_to = self.current.up_to
        result = [
            forecast(theme, self.weekly.external_by_theme.get(theme, {}), self.targets.get(theme, 0),
                     self.programme_start, self.programme_weeks, up_to)
            for theme in self.themes if theme in self.targets
        ]
        result.append(forecast("All themes", self.total_weekly(), self.total_target or 0, self.programme_start,
                               self.programme_weeks, up_to))
        return result

    @property
    def planned_to_date(self) -> int | None:
        if self.total_target is None:
            return None
        return round_half_up(planned_by(self.total_target, self.programme_weeks, self.through_week))

    # ---------------------------------------------------------------- comparisons
    def red_change(self) -> Change:
        previous = self.previous.rag.share("R") if self.previous and self.previous.rag.total else None
        return Change(self.current.rag.share("R"), previous)

    def green_change(self) -> Change:
        previous = self.previous.rag.share("G") if self.previous and self.previous.rag.total else None
        return Change(self.current.rag.share("G"), previous)

    def agreement_change(self) -> Change:
        previous = self.previous.agreement.exact_share if self.previous else None
        return Change(self.current.agreement.exact_share, previous)

    def in_time_change(self) -> Change:
        previous = self.previous.actions.in_time_share if self.previous else None
        return Change(self.current.actions.in_time_share, previous)

    def live_change(self, kind: str = "external") -> Change:
        previous = self.previous.liveness_of(kind).live_share if self.previous else None
        return Change(self.current.liveness_of(kind).live_share, previous)

    def weakest_domain(self) -> DomainFigures | None:
        return self.current.domains[0] if self.current.domains and self.current.domains[0].answers else None


# ------------------------------------------------------------------ small numbers withheld (sponsors)
FEWER_THAN = f"fewer than {MIN_AUDITS} audits"
WITHHELD_WITH = f"withheld with a team of {FEWER_THAN}"


def withholds_small_teams(scope: Scope) -> bool:
    """Whether ``scope`` receives per-team figures only for teams of ``MIN_AUDITS`` audits or more.

    Sponsors (board members) receive aggregates: a team with one or two audits in a period would
    give away the grade of a single case's audit. Users who may open every team's audits themselves
    (auditors, admins) see every team's figures, and so does a manager without the sponsor role (their
    own teams only). A sponsor who is also a manager sees every team through the sponsor role, so the
    small teams are withheld from them too.
    """
    return Role.SPONSOR in scope.roles and not scope.roles & {Role.AUDITOR, Role.ADMIN}


def report_audience(scope: Scope) -> tuple[tuple[int, ...] | None, bool]:
    """What a user's progress report depends on: the teams they see (None: every team) and whether small
    teams are withheld from them. Users with the same audience receive the same report, so it is
    computed once for all of them (``ui.progress`` caches it under this key)."""
    team_ids = scope.team_ids
    return (None if team_ids is None else tuple(sorted(team_ids)), withholds_small_teams(scope))


def withheld_groups(sizes: dict[str, int]) -> dict[str, str]:
    """{name: why} for the groups whose figures must be withheld, given each group's number of audits.

    A group under ``MIN_AUDITS`` audits is withheld ("fewer than 3 audits"). If that leaves a single
    group withheld, or withheld groups that together hold fewer than ``MIN_AUDITS`` audits, its figures
    could be worked out as the total minus the other groups, so the smallest other groups are withheld
    with it until neither is true.
    """
    withheld = {name: FEWER_THAN for name, size in sizes.items() if size < MIN_AUDITS}
    if not withheld:
        return {}
    others = sorted((size, name) for name, size in sizes.items() if name not in withheld)
    while others and (len(withheld) == 1 or sum(sizes[name] for name in withheld) < MIN_AUDITS):
        _, name = others.pop(0)
        withheld[name] = WITHHELD_WITH
    return withheld


def withhold_small_teams(figures: PeriodFigures) -> PeriodFigures:
    """``figures`` with every per-team figure of a team under ``MIN_AUDITS`` audits removed from the data.

    Team rows are sized by the team's audits in the period; team agreement rows by the team's
    moderated audits. Programme totals are unchanged.
    """
    teams = withheld_groups({t.team: t.audits or 0 for t in figures.teams})
    agreement = withheld_groups({t.team: t.agreement.audits if t.agreement else 0 for t in figures.agreement_by_team})
    return replace(
        figures,
        teams=[TeamFigures(t.team, None, None, None, None, None, None, None, teams[t.team]) if t.team in teams else t
               for t in figures.teams],
        agreement_by_team=[TeamAgreement(t.team, None, agreement[t.team]) if t.team in agreement else t
                           for t in figures.agreement_by_team],
    )


def weeks_through(start: date, weeks: int, up_to: date) -> int:
    """The last programme week with figures for a period ending ``up_to`` (0 before the start)."""
    return max(0, min(weeks, week_of(start, up_to)))
