"""RAG heatmaps in pure Python: cell values, the fixed colour scales, labels and the filters.

A heatmap cell is built from counts that the database aggregates (audits, Red,
Amber and Green grades, the sum of graded scores); everything a reader sees in
the cell comes from here: the share of each RAG colour, the mean grade, the value
on a fixed colour scale, and a label with the count and the RAG letters, so that
colour is never the only signal. Cells behind fewer than ``MIN_AUDITS`` audits
are greyed and labelled "too few to judge".

The filters of the heatmap page are one frozen value, ``HeatmapFilters``, that
encodes to and from URL query-string values so that a view can be shared.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from core.authz import Role, Scope
from core.grades import NO_RAG_COLOUR, RAG_COLOURS, Rag

MIN_AUDITS = 3
TOO_FEW = "too few to judge"


class View(StrEnum):
    TEAM_THEME = "team-theme"
    PRACTITIONER_DOMAIN = "practitioner-domain"
    TEAM_WEEK = "team-week"

    @property
    def label(self) -> str:
        return VIEW_LABELS[self]

    @property
    def team_level(self) -> bool:
        """Views a sponsor may see: rows are teams, never practitioners."""
        return self is not View.PRACTITIONER_DOMAIN


VIEW_LABELS = {
    View.TEAM_THEME: "Team × theme",
    View.PRACTITIONER_DOMAIN: "Practitioner × question domain",
    View.TEAM_WEEK: "Team × week",
}


class Colour(StrEnum):
    SHARE = "share"
    MEAN = "mean"

    @property
    def label(self) -> str:
        return {"share": "RAG share", "mean": "Mean grade"}[self.value]


class AuditKind(StrEnum):
    ALL = "all"
    EXTERNAL = "external"
    INTERNAL = "internal"

    @property
    def label(self) -> str:
        return {"all": "All audits", "external": "External", "internal": "Internal"}[self.value]


# ---------------------------------------------------------------- the fixed colour scales
# The same value is always the same colour, whatever the data: the scales never stretch.
# "RAG share" colours by the balance (share Green - share Red), from -1 (all Red) to +1 (all Green);
# a cell is fully Red once half its grades, net, are Red (and fully Green likewise): a team with
# 60% Red and 10% Green must look Red, not orange.
SHARE_DOMAIN = (-0.5, 0.0, 0.5)
SHARE_RANGE = (RAG_COLOURS[Rag.RED], RAG_COLOURS[Rag.AMBER], RAG_COLOURS[Rag.GREEN])
# "Mean grade" colours by the mean score: 1 Inadequate, 2 Requires improvement, 3-4 Good/Outstanding.
MEAN_DOMAIN = (1.0, 2.0, 3.0, 4.0)
MEAN_RANGE = (RAG_COLOURS[Rag.RED], RAG_COLOURS[Rag.AMBER], RAG_COLOURS[Rag.GREEN], RAG_COLOURS[Rag.GREEN])
SUPPRESSED_COLOUR = NO_RAG_COLOUR


def scale(colour: Colour) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """(domain, range) of the fixed colour scale for ``colour``."""
    return (SHARE_DOMAIN, SHARE_RANGE) if colour is Colour.SHARE else (MEAN_DOMAIN, MEAN_RANGE)


@dataclass(frozen=True)
class CellCounts:
    """What the database counts for one cell.

    ``audits`` is the number of distinct audits behind the cell (what suppression
    looks at); ``red``/``amber``/``green`` count grades (one per audit for overall
    grades, one per answer for question domains); ``graded`` counts the grades
    1-4 and ``grade_sum`` adds them up (not-applicable and ungraded are left out).
    """

    audits: int
    red: int = 0
    amber: int = 0
    green: int = 0
    graded: int = 0
    grade_sum: int = 0

    @property
    def suppressed(self) -> bool:
        return self.audits < MIN_AUDITS

    def share(self, rag: Rag) -> float | None:
        if not self.graded:
            return None
        return {Rag.RED: self.red, Rag.AMBER: self.amber, Rag.GREEN: self.green}[rag] / self.graded

    @property
    def mean_grade(self) -> float | None:
        return self.grade_sum / self.graded if self.graded else None

    @property
    def balance(self) -> float | None:
        """Share Green minus share Red, from -1 (all Red) to +1 (all Green)."""
        return (self.green - self.red) / self.graded if self.graded else None

    def value(self, colour: Colour) -> float | None:
        """The cell's position on the fixed colour scale; None when it is not judged."""
        if self.suppressed:
            return None
        return self.balance if colour is Colour.SHARE else self.mean_grade

    def rag(self, colour: Colour) -> Rag | None:
        """The RAG colour the cell is nearest to on its scale (None: too few, or nothing graded)."""
        value = self.value(colour)
        if value is None:
            return None
        if colour is Colour.SHARE:
            return Rag.RED if value <= -1 / 3 else Rag.GREEN if value >= 1 / 3 else Rag.AMBER
        return Rag.RED if value < 1.5 else Rag.AMBER if value < 2.5 else Rag.GREEN

    def letters(self) -> str:
        """'R2 A3 G1': the counts behind the colour, readable without colour."""
        return f"R{self.red} A{self.amber} G{self.green}"

    def label(self, colour: Colour) -> str:
        """The text drawn in the cell (two lines)."""
        if self.suppressed:
            return f"too few\nto judge ({self.audits})"
        if not self.graded:
            return f"not graded\nn={self.audits}"
        if colour is Colour.MEAN:
            return f"{self.letters()}\n{self.mean_grade:.1f} · n={self.audits}"
        return f"{self.letters()}\nn={self.audits}"

    def judgement(self) -> str:
        """One line for tables and tooltips."""
        if self.suppressed:
            return f"{TOO_FEW} ({self.audits} audit{'s' if self.audits != 1 else ''}, fewer than {MIN_AUDITS})"
        if not self.graded:
            return "not graded"
        parts = [
            f"Red {self.red} ({self.share(Rag.RED):.0%})",
            f"Amber {self.amber} ({self.share(Rag.AMBER):.0%})",
            f"Green {self.green} ({self.share(Rag.GREEN):.0%})",
            f"mean grade {self.mean_grade:.2f}",
        ]
        return " · ".join(parts)

    def dark(self, colour: Colour) -> bool:
        """Whether the cell's fill is dark, so its text is drawn in white."""
        value = self.value(colour)
        if value is None:
            return False
        # White text only near the ends of the scale, where it has enough contrast.
        if colour is Colour.SHARE:
            return abs(value) >= 0.4
        return value < 1.3 or value >= 2.8


@dataclass(frozen=True)
class Cell:
    """One cell of a heatmap: its row and column (key and label) and its counts."""

    row_key: str
    row_label: str
    col_key: str
    col_label: str
    counts: CellCounts


def cell_record(cell: Cell, colour: Colour) -> dict:
    """The flat row a chart and a table draw for one cell."""
    c = cell.counts
    value = c.value(colour)
    return {
        "row_key": cell.row_key,
        "row": cell.row_label,
        "col_key": cell.col_key,
        "col": cell.col_label,
        "audits": c.audits,
        "red": c.red,
        "amber": c.amber,
        "green": c.green,
        "graded": c.graded,
        "share_red": _round(c.share(Rag.RED)),
        "share_amber": _round(c.share(Rag.AMBER)),
        "share_green": _round(c.share(Rag.GREEN)),
        "mean_grade": _round(c.mean_grade),
        "value": _round(value),
        "rag": (c.rag(colour).value if c.rag(colour) else ""),
        "suppressed": c.suppressed,
        "label": c.label(colour),
        "judgement": c.judgement(),
        "dark": c.dark(colour),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def rank_rows_by_red(cells: list[Cell], col_key: str) -> list[str]:
    """Row keys ordered by Red grades in column ``col_key`` (most first; judged cells before
    suppressed or missing ones; then by share Red, then by label)."""
    rows: dict[str, str] = {}
    score: dict[str, tuple] = {}
    for cell in cells:
        rows.setdefault(cell.row_key, cell.row_label)
        if cell.col_key == col_key and not cell.counts.suppressed:
            score[cell.row_key] = (-cell.counts.red, -(cell.counts.share(Rag.RED) or 0.0))
    return sorted(rows, key=lambda key: (key not in score, score.get(key, (0, 0.0)), rows[key].lower()))


def most_red(cells: list[Cell], col_key: str) -> Cell | None:
    """The judged cell in column ``col_key`` with the most Red grades (None if none has any)."""
    candidates = [c for c in cells if c.col_key == col_key and not c.counts.suppressed and c.counts.red > 0]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (-c.counts.red, -(c.counts.share(Rag.RED) or 0.0), c.row_label.lower()))


# ---------------------------------------------------------------- weeks
def week_commencing(start: date, week: int) -> date:
    """The Monday-aligned first day of programme week ``week`` (1-based) from ``start``."""
    return start + timedelta(weeks=week - 1)


def week_label(start: date, week: int, programme_weeks: int | None) -> str:
    """'W3' inside the programme, else the week-commencing date."""
    if programme_weeks and 1 <= week <= programme_weeks:
        return f"W{week}"
    return f"w/c {week_commencing(start, week):%d %b %y}"


def week_of(start: date, day: date) -> int:
    """The programme week of ``day`` (1 = the week starting on ``start``; 0 and below before it)."""
    return (day - start).days // 7 + 1


# ---------------------------------------------------------------- filters
@dataclass(frozen=True)
class HeatmapFilters:
    """Everything that decides what a heatmap shows; hashable, so it keys caches.

    Period: ``weeks`` (programme weeks, inclusive) or ``dates`` (inclusive), or
    neither for every date. Empty ``team_ids`` / ``theme_codes`` mean all the user
    may see.
    """

    view: View = View.TEAM_THEME
    colour: Colour = Colour.SHARE
    weeks: tuple[int, int] | None = None
    dates: tuple[date, date] | None = None
    team_ids: tuple[int, ...] = ()
    theme_codes: tuple[str, ...] = ()
    kind: AuditKind = AuditKind.ALL
    moderated_only: bool = False
    service_area: str = ""

    def __post_init__(self) -> None:
        # Normalise so that equal views have equal keys (and equal URLs).
        object.__setattr__(self, "team_ids", tuple(sorted(set(int(t) for t in self.team_ids))))
        object.__setattr__(self, "theme_codes", tuple(sorted(set(self.theme_codes))))
        if self.weeks is not None:
            a, b = int(self.weeks[0]), int(self.weeks[1])
            object.__setattr__(self, "weeks", (min(a, b), max(a, b)))
        if self.dates is not None:
            a, b = self.dates
            object.__setattr__(self, "dates", (min(a, b), max(a, b)))
        if self.weeks is not None and self.dates is not None:
            raise ValueError("Choose programme weeks or dates, not both.")

    def with_changes(self, **changes) -> "HeatmapFilters":
        return replace(self, **changes)

    def period(self, programme_start: date | None) -> tuple[date | None, date | None]:
        """The inclusive date range to keep (None ends are open)."""
        if self.dates is not None:
            return self.dates
        if self.weeks is not None and programme_start is not None:
            first, last = self.weeks
            return week_commencing(programme_start, first), week_commencing(programme_start, last) + timedelta(days=6)
        return None, None

    def for_scope(self, scope: Scope) -> "HeatmapFilters":
        """These filters as ``scope`` may use them: a sponsor never gets the practitioner view."""
        if scope.aggregates_only and not self.view.team_level:
            return replace(self, view=View.TEAM_THEME)
        return self

    def to_query(self) -> dict[str, str]:
        """Query-string values for a shareable link; defaults are left out."""
        query: dict[str, str] = {}
        if self.view is not View.TEAM_THEME:
            query["view"] = self.view.value
        if self.colour is not Colour.SHARE:
            query["colour"] = self.colour.value
        if self.weeks is not None:
            query["weeks"] = f"{self.weeks[0]}-{self.weeks[1]}"
        if self.dates is not None:
            query["from"] = self.dates[0].isoformat()
            query["to"] = self.dates[1].isoformat()
        if self.team_ids:
            query["teams"] = ",".join(str(t) for t in self.team_ids)
        if self.theme_codes:
            query["themes"] = ",".join(self.theme_codes)
        if self.kind is not AuditKind.ALL:
            query["kind"] = self.kind.value
        if self.moderated_only:
            query["moderated"] = "1"
        if self.service_area:
            query["area"] = self.service_area
        return query

    @classmethod
    def from_query(cls, query: Mapping[str, str | list[str]]) -> "HeatmapFilters":
        """Filters from query-string values. Anything malformed is ignored (a link typed or
        cut short by hand still opens the page), never an error."""

        def get(name: str) -> str:
            value = query.get(name, "")
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else ""
            return str(value).strip()

        values: dict = {}
        for name, enum, key in (("view", View, "view"), ("colour", Colour, "colour"), ("kind", AuditKind, "kind")):
            try:
                if get(name):
                    values[key] = enum(get(name))
            except ValueError:
                pass
        weeks = get("weeks")
        if weeks:
            try:
                first, _, last = weeks.partition("-")
                a, b = int(first), int(last or first)
                if 1 <= a <= 520 and 1 <= b <= 520:
                    values["weeks"] = (a, b)
            except ValueError:
                pass
        if "weeks" not in values and get("from") and get("to"):
            try:
                values["dates"] = (date.fromisoformat(get("from")), date.fromisoformat(get("to")))
            except ValueError:
                pass
        values["team_ids"] = tuple(int(t) for t in get("teams").split(",") if t.strip().isdigit())
        values["theme_codes"] = tuple(
            t.strip() for t in get("themes").split(",") if t.strip() and t.strip().replace("_", "").isalnum()
        )
        values["moderated_only"] = get("moderated").lower() in ("1", "true", "yes")
        values["service_area"] = get("area")[:120]
        return cls(**values)


def default_filters(scope: Scope) -> HeatmapFilters:
    """Where the page opens: a manager on the teams they manage, everyone else on all teams."""
    if Role.MANAGER in scope.roles and scope.managed_team_ids:
        return HeatmapFilters(team_ids=tuple(scope.managed_team_ids))
    return HeatmapFilters()


def scope_from_cache_key(key: tuple) -> Scope:
    """A Scope that sees exactly what ``Scope.cache_key()`` describes, for cached queries
    keyed by the scope rather than by the person."""
    roles, team_ids = key
    return Scope(user_id=0, username="", roles=frozenset(Role(r) for r in roles),
                 managed_team_ids=frozenset(team_ids or ()))


@dataclass(frozen=True)
class Grid:
    """A heatmap ready to draw: its cells, and the order of its rows and columns."""

    view: View
    cells: tuple[Cell, ...] = ()
    rows: tuple[tuple[str, str], ...] = ()  # (key, label) in drawing order
    cols: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def cell(self, row_key: str, col_key: str) -> Cell | None:
        for cell in self.cells:
            if cell.row_key == row_key and cell.col_key == col_key:
                return cell
        return None

    @property
    def empty(self) -> bool:
        return not self.cells
