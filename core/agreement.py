"""Agreement statistics between a first grade and its moderated grade.

Everything works on pairs ``(first, moderated)`` on the 1..4 scale (1 Inadequate ...
4 Outstanding, see ``core.grades``). Not applicable (0) and ungraded (None) on
either side are left out: agreeing that a question does not apply says nothing
about calibration.

Measures (all hand-checkable, see ``tests/unit/test_moderation.py``):

- ``n``: pairs compared; ``moderations``: how many moderated audits they come from.
- exact agreement: share of pairs with the same grade;
- within one grade: share of pairs at most one grade apart;
- quadratic-weighted Cohen's kappa (``weighted_kappa``): 1 - sum(w*O) / sum(w*E) with
  w = (i - j)^2 / 9, O the observed 4x4 matrix and E the matrix expected by chance
  from the two sets of marginal totals. Same value as scikit-learn's
  ``cohen_kappa_score(weights="quadratic")``. Where kappa is undefined or
  meaningless it is ``None`` with a reason (``KAPPA_*`` below), never NaN:
    * no pairs;
    * one pair: one pair says nothing about chance agreement;
    * no variation: both graders gave one and the same grade to everything, so chance
      alone predicts the agreement (sum(w*E) = 0: 0/0). Exact agreement is 100% then.
  Perfect agreement with at least two different grades is kappa 1.0.
- direction: mean of (first - moderated). Positive: the first grader was generous.
- the comparison matrix: ``matrix[first - 1][moderated - 1]`` counts.
- small numbers: fewer than ``SMALL_N`` moderated audits. Show the count, not a
  percentage (``share_text``), and do not read a direction into it; in a table of
  graders such rows are set apart, without kappa or direction, and not ranked
  (``rank_graders``).
- a kappa near 0 beside high exact agreement is explained (``kappa_note``): when one
  side gives (nearly) the same grade throughout, chance alone predicts most of the
  agreement, and kappa only counts agreement beyond chance.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from core.periods import week_of
from core.workdays import week_start

GRADES = (1, 2, 3, 4)
SMALL_N = 5
# Mean grade points of (first - moderated) from which a grader reads as generous (or harsh).
DIRECTION_THRESHOLD = 0.25

KAPPA_NO_PAIRS = "No grades to compare."
KAPPA_ONE_PAIR = "Only one grade compared: kappa needs at least two."
KAPPA_NO_VARIATION = "Every grade on both sides is the same: chance explains the agreement, so kappa is undefined."

Pair = tuple[int | None, int | None]
K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def graded_pairs(pairs: Iterable[Pair]) -> list[tuple[int, int]]:
    """Keep the pairs where both sides are a real grade (1..4)."""
    return [(int(a), int(b)) for a, b in pairs if a in GRADES and b in GRADES]


@dataclass(frozen=True)
class Kappa:
    value: float | None
    reason: str = ""  # why ``value`` is None


def comparison_matrix(pairs: Iterable[Pair]) -> list[list[int]]:
    """4x4 counts: row = first grade - 1, column = moderated grade - 1."""
    matrix = [[0] * 4 for _ in GRADES]
    for first, moderated in graded_pairs(pairs):
        matrix[first - 1][moderated - 1] += 1
    return matrix


def weighted_kappa(pairs: Iterable[Pair]) -> Kappa:
    """Quadratic-weighted Cohen's kappa on the 1..4 scale (see the module docstring)."""
    return kappa_of_matrix(comparison_matrix(pairs))


def kappa_of_matrix(observed: Sequence[Sequence[int]]) -> Kappa:
    """Quadratic-weighted Cohen's kappa of a 4x4 comparison matrix (counts, row = first grade)."""
    n = sum(sum(row) for row in observed)
    if n == 0:
        return Kappa(None, KAPPA_NO_PAIRS)
    if n == 1:
        return Kappa(None, KAPPA_ONE_PAIR)
    rows = [sum(observed[i]) for i in range(4)]
    columns = [sum(observed[i][j] for i in range(4)) for j in range(4)]
    weight = [[(i - j) ** 2 / 9 for j in range(4)] for i in range(4)]
    disagreement_observed = sum(weight[i][j] * observed[i][j] for i in range(4) for j in range(4))
    disagreement_expected = sum(weight[i][j] * rows[i] * columns[j] / n for i in range(4) for j in range(4))
    if disagreement_expected == 0:
        return Kappa(None, KAPPA_NO_VARIATION)
    return Kappa(1 - disagreement_observed / disagreement_expected)


@dataclass(frozen=True)
class AgreementStats:
    n: int
    moderations: int
    exact: int
    within_one: int
    kappa: Kappa
    direction: float | None  # mean of first - moderated; None without pairs
    matrix: list[list[int]] = field(default_factory=list)

    @property
    def small(self) -> bool:
        """Too few moderated audits to quote percentages or read a direction."""
        return self.moderations < SMALL_N

    @property
    def exact_share(self) -> float | None:
        return self.exact / self.n if self.n else None

    @property
    def within_one_share(self) -> float | None:
        return self.within_one / self.n if self.n else None

    @property
    def exact_text(self) -> str:
        return share_text(self.exact, self.n, small=self.small)

    @property
    def within_one_text(self) -> str:
        return share_text(self.within_one, self.n, small=self.small)

    @property
    def kappa_text(self) -> str:
        return "-" if self.kappa.value is None else f"{round(self.kappa.value, 2) + 0.0:.2f}"  # + 0.0: no "-0.00"

    @property
    def direction_text(self) -> str:
        return "-" if self.direction is None else f"{round(self.direction, 2) + 0.0:+.2f}"

    @property
    def reading(self) -> str:
        return direction_reading(self)


def agreement(pairs: Iterable[Pair], *, moderations: int | None = None) -> AgreementStats:
    """Every measure for ``pairs``. ``moderations`` is how many moderated audits the
    pairs come from (defaults to the number of pairs, as for overall judgements)."""
    return agreement_of_matrix(comparison_matrix(pairs), moderations=moderations)


def agreement_of_matrix(matrix: Sequence[Sequence[int]], *, moderations: int | None = None) -> AgreementStats:
    """Every measure from a 4x4 comparison matrix (``matrix[first - 1][moderated - 1]`` counts):
    the one place the measures are computed, whether the pairs were counted here or in SQL."""
    cells = [(i, j, matrix[i][j]) for i in range(4) for j in range(4)]
    n = sum(count for _, _, count in cells)
    return AgreementStats(
        n=n,
        moderations=n if moderations is None else moderations,
        exact=sum(count for i, j, count in cells if i == j),
        within_one=sum(count for i, j, count in cells if abs(i - j) <= 1),
        kappa=kappa_of_matrix(matrix),
        direction=sum((i - j) * count for i, j, count in cells) / n if n else None,
        matrix=[list(row) for row in matrix],
    )


def share_text(count: int, n: int, *, small: bool) -> str:
    """``"75%"``; with small numbers (or nothing compared) the count instead: ``"3 of 4"``."""
    if n == 0:
        return "-"
    if small:
        return f"{count} of {n}"
    return f"{count / n:.0%}"


def direction_reading(stats: AgreementStats) -> str:
    """A plain-words reading of the direction of disagreement."""
    if stats.n == 0:
        return "Nothing compared"
    if stats.small:
        return "Too few to judge"
    if stats.direction is not None and stats.direction >= DIRECTION_THRESHOLD:
        return "Generous"
    if stats.direction is not None and stats.direction <= -DIRECTION_THRESHOLD:
        return "Harsh"
    return "In line"


# A kappa at or below this, beside exact agreement at or above ``HIGH_EXACT``, gets an explanation.
LOW_KAPPA = 0.1
HIGH_EXACT = 0.5
GRADE_WORDS = {1: "Inadequate", 2: "Requires improvement", 3: "Good", 4: "Outstanding"}


def kappa_note(stats: AgreementStats, *, second: str = "agreed grade") -> str:
    """Why kappa is about 0 although most grades agree ("" when that is not the case).

    Kappa measures agreement beyond what chance gives from each side's mix of grades. When one
    side uses (nearly) one grade for everything, chance predicts nearly all the agreement there
    is, so kappa is near 0 however often the grades match.
    """
    if stats.kappa.value is None or stats.kappa.value > LOW_KAPPA or not stats.n:
        return ""
    if (stats.exact_share or 0.0) < HIGH_EXACT:
        return ""
    rows = [sum(stats.matrix[i]) for i in range(4)]
    columns = [sum(stats.matrix[i][j] for i in range(4)) for j in range(4)]
    top_first, top_second = max(rows), max(columns)
    if top_second >= top_first:
        side, count, grade = second, top_second, columns.index(top_second) + 1
    else:
        side, count, grade = "first grade", top_first, rows.index(top_first) + 1
    spread = f"every {side} was" if count == stats.n else f"{count} of {stats.n} {side}s were"
    return (f"Kappa is {stats.kappa_text} although {stats.exact} of {stats.n} grades agree exactly: "
            f"{spread} {GRADE_WORDS[grade]}, so chance alone predicts most of that agreement. "
            "Kappa counts only agreement beyond chance; read the exact agreement and the matrix here.")


@dataclass(frozen=True)
class RankedGraders:
    """Graders with enough moderated audits, most generous first, and the rest apart (by name)."""

    ranked: list[tuple[str, AgreementStats]]
    too_few: list[tuple[str, AgreementStats]]


def rank_graders(stats_by_grader: dict[str, AgreementStats]) -> RankedGraders:
    """Rank graders by direction (most generous first) over ``SMALL_N`` or more moderated audits;
    graders with fewer are listed apart, alphabetically, and never ranked."""
    ranked = [(name, s) for name, s in stats_by_grader.items() if not s.small and s.direction is not None]
    too_few = [(name, s) for name, s in stats_by_grader.items() if s.small or s.direction is None]
    ranked.sort(key=lambda item: (-(item[1].direction or 0.0), item[0].lower()))
    too_few.sort(key=lambda item: item[0].lower())
    return RankedGraders(ranked, too_few)


# ------------------------------------------------------------------ grouping
@dataclass(frozen=True)
class RatedPair:
    """One compared grade, with what the statistics can be grouped by."""

    first: int | None
    moderated: int | None
    moderation_id: int
    on: date | None = None  # when the moderation was completed


def agreement_of(rated: Sequence[RatedPair]) -> AgreementStats:
    """Statistics of ``rated``, counting the moderated audits they come from."""
    return agreement_of_counts(counts_of(rated))


def agreement_by(items: Iterable[T], key: Callable[[T], K]) -> dict[K, AgreementStats]:
    """Statistics per group (for example per first auditor), groups in first-seen order.

    ``items`` are ``RatedPair``s or rows with a ``rated`` attribute giving one.
    """
    groups: dict[K, list[RatedPair]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item if isinstance(item, RatedPair) else item.rated)  # type: ignore[attr-defined]
    return {k: agreement_of(v) for k, v in groups.items()}


@dataclass(frozen=True)
class TimeBucket:
    label: str
    starts_on: date
    stats: AgreementStats


def agreement_over_time(rated: Iterable[RatedPair], programme_start: date | None = None) -> list[TimeBucket]:
    """Statistics per calendar week (Monday to Sunday) of completion, oldest first.

    Labels are programme weeks ("Week 7") when ``programme_start`` is given,
    otherwise the week's Monday. Weeks without moderations are left out.
    """
    weeks: dict[date, list[RatedPair]] = defaultdict(list)
    for item in rated:
        if item.on is not None:
            weeks[week_start(item.on)].append(item)
    return [TimeBucket(week_label(monday, programme_start), monday, agreement_of(weeks[monday]))
            for monday in sorted(weeks)]


def week_label(monday: date, programme_start: date | None) -> str:
    """"Week 7" (of the programme, ``core.periods.week_of``) when ``programme_start`` is given and the
    week is not before it, otherwise "w/c 07 Sep 2026"."""
    week = week_of(week_start(programme_start), monday) if programme_start is not None else 0
    return f"Week {week}" if week >= 1 else f"w/c {monday:%d %b %Y}"


# ------------------------------------------------------------------ counted in SQL
Matrix = tuple[tuple[int, int, int, int], ...]


@dataclass(frozen=True)
class GradeCounts:
    """Compared grades already counted (in SQL) for one first auditor, team and day of completion:
    the 4x4 comparison matrix and how many moderated audits its grades come from. A moderated audit
    has one first auditor, one team and one completion day, so ``moderations`` add up across groups."""

    first_auditor: str
    team: str
    on: date | None
    moderations: int
    matrix: Matrix


def add_matrices(matrices: Iterable[Sequence[Sequence[int]]]) -> list[list[int]]:
    """The cell-by-cell sum of 4x4 matrices (all zeros for none)."""
    matrices = list(matrices)
    if not matrices:
        return [[0] * 4 for _ in GRADES]
    # Each row's cells summed column by column, by zip and sum rather than an index at a time.
    return [[sum(cells) for cells in zip(*(matrix[i] for matrix in matrices))] for i in range(4)]


def agreement_of_counts(groups: Iterable[GradeCounts]) -> AgreementStats:
    """Statistics of counted groups together (their matrices and moderated audits added up)."""
    groups = list(groups)
    return agreement_of_matrix(add_matrices(g.matrix for g in groups), moderations=sum(g.moderations for g in groups))


def counts_of(rated: Iterable[RatedPair], *, first_auditor: str = "", team: str = "") -> list[GradeCounts]:
    """``rated`` counted the way SQL counts them: per day, graded pairs only (for tests and the
    pair-by-pair path)."""
    matrices: dict[date | None, list[list[int]]] = {}
    moderations: dict[date | None, set[int]] = defaultdict(set)
    for r in rated:
        if r.first in GRADES and r.moderated in GRADES:
            matrices.setdefault(r.on, [[0] * 4 for _ in GRADES])[int(r.first) - 1][int(r.moderated) - 1] += 1
            moderations[r.on].add(r.moderation_id)
    return [GradeCounts(first_auditor, team, on, len(moderations[on]), tuple(tuple(row) for row in matrix))
            for on, matrix in matrices.items()]


@dataclass(frozen=True)
class AgreementFigures:
    """Everything the Statistics tab shows, from counted groups: the headline statistics, the
    weeks, and the first auditors (ranked, and apart) with their teams."""

    stats: AgreementStats
    over_time: list[TimeBucket]
    graders: RankedGraders
    teams: dict[str, list[str]]


def agreement_figures(groups: Sequence[GradeCounts], programme_start: date | None = None) -> AgreementFigures:
    by_grader: dict[str, list[GradeCounts]] = defaultdict(list)
    teams: dict[str, set[str]] = defaultdict(set)
    weeks: dict[date, list[GradeCounts]] = defaultdict(list)
    for group in groups:
        by_grader[group.first_auditor].append(group)
        teams[group.first_auditor].add(group.team)
        if group.on is not None:
            weeks[week_start(group.on)].append(group)
    buckets = [TimeBucket(week_label(monday, programme_start), monday, agreement_of_counts(weeks[monday]))
               for monday in sorted(weeks)]
    return AgreementFigures(
        stats=agreement_of_counts(groups),
        over_time=buckets,
        graders=rank_graders({name: agreement_of_counts(g) for name, g in by_grader.items()}),
        teams={name: sorted(names) for name, names in teams.items()},
    )
