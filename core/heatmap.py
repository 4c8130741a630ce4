"""RAG heatmaps in pure Python: cell values, the fixed colour scales, labels and the filters.

A heatmap cell is built from counts that the database aggregates (audits, Red,
Amber and Green grades, the sum of graded scores); everything a reader sees in
the cell comes from here: the share of each RAG colour, the mean grade, the value
on a fixed colour scale (mean grade, or the largest RAG share, where Amber is amber),
and a label with the count and the RAG letters, so that colour is never the only
signal. Cells behind fewer than ``MIN_AUDITS`` audits are suppressed in the data
(``suppress``): their counts, mean and tooltip are gone before anything is drawn or
downloaded, and they say ``SUPPRESSED_TEXT``.

The filters of the heatmap page (``HeatmapFilters``) are in ``core.heatmap_filters``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache

from core.grades import RAG_COLOURS, Rag

# The one suppression threshold: a cell (or any aggregate a sponsor receives) behind fewer audits
# than this shows no grades at all, only SUPPRESSED_TEXT. Import it from here; never restate it.
MIN_AUDITS = 3
SUPPRESSED_TEXT = f"fewer than {MIN_AUDITS} audits"


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

    @property
    def unit(self) -> "Unit":
        """What the R/A/G counts of a cell count: audits' overall grades, or answers in a domain."""
        return Unit.AUDITS if self.team_level else Unit.ANSWERS


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
        return {"share": "Largest RAG share", "mean": "Mean grade"}[self.value]


class AuditKind(StrEnum):
    ALL = "all"
    EXTERNAL = "external"
    INTERNAL = "internal"

    @property
    def label(self) -> str:
        return {"all": "All audits", "external": "External", "internal": "Internal"}[self.value]


# ---------------------------------------------------------------- the fixed colour scales
# A cell is coloured by what its grades say, on fixed bands: the same figures are always the same
# colour, whatever else is on the map, and Amber is amber (a cell of mostly "Requires improvement"
# never looks green). The fill is chosen here, not by the chart, so that the text drawn on it can be
# checked for contrast (``text_colour``: WCAG 2 contrast of at least 4.5:1).
#
# "Mean grade" (1 Inadequate ... 4 Outstanding), diverging from red through amber to green:
MEAN_BANDS: tuple[tuple[float, str, str], ...] = (  # (mean below, fill, legend)
    (1.5, "#b2182b", "below 1.5: mostly Inadequate"),
    (2.0, "#ef8a62", "1.5 to 2: Inadequate to RI"),
    (2.5, RAG_COLOURS[Rag.AMBER], "2 to 2.5: Requires improvement"),
    (3.0, "#a6d96a", "2.5 to 3: RI to Good"),
    (99.0, "#1b7837", "3 or above: Good or better"),
)
# "Largest RAG share": the colour of the largest share (a tie goes to the worse grade), full when it
# is more than half the grades, pale when it is only the largest.
SHARE_BANDS: dict[tuple[Rag, bool], tuple[str, str]] = {  # (rag, over half) -> (fill, legend)
    (Rag.RED, True): ("#b2182b", "Red, over half"),
    (Rag.RED, False): ("#f4a582", "Red the largest share"),
    (Rag.AMBER, True): (RAG_COLOURS[Rag.AMBER], "Amber, over half"),
    (Rag.AMBER, False): ("#fdd9a0", "Amber the largest share"),
    (Rag.GREEN, True): ("#1b7837", "Green, over half"),
    (Rag.GREEN, False): ("#a6d96a", "Green the largest share"),
}
SUPPRESSED_COLOUR = "#d9d9d9"
SUPPRESSED_BAND = SUPPRESSED_TEXT
NOT_GRADED_COLOUR = "#f0f0f0"
NOT_GRADED_BAND = "not graded"
DARK_TEXT = "#111111"
LIGHT_TEXT = "#ffffff"
MIN_CONTRAST = 4.5


def legend(colour: Colour) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(band names, fills) of ``colour``'s fixed scale, worst first, then the grey bands."""
    if colour is Colour.MEAN:
        bands = [(label, fill) for _, fill, label in MEAN_BANDS]
    else:
        bands = [(label, fill) for (rag, _), (fill, label) in sorted(
            SHARE_BANDS.items(), key=lambda item: ("RAG".index(item[0][0].value), not item[0][1]))]
    bands += [(SUPPRESSED_BAND, SUPPRESSED_COLOUR), (NOT_GRADED_BAND, NOT_GRADED_COLOUR)]
    return tuple(b for b, _ in bands), tuple(f for _, f in bands)


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    channels = []
    for i in (1, 3, 5):
        c = int(hex_colour[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@cache  # a handful of fills, one per legend band: worked out once each
def text_colour(fill: str) -> str:
    """Dark or light text, whichever contrasts more with ``fill``."""
    return DARK_TEXT if contrast_ratio(fill, DARK_TEXT) >= contrast_ratio(fill, LIGHT_TEXT) else LIGHT_TEXT


class Unit(StrEnum):
    """What a cell's R/A/G counts count: one overall grade per audit, or one grade per answer."""

    AUDITS = "audits"
    ANSWERS = "answers"


def is_suppressed(audits: int) -> bool:
    """The one suppression rule: a figure behind fewer than ``MIN_AUDITS`` audits is not shown."""
    return audits < MIN_AUDITS


@dataclass(frozen=True)
class CellCounts:
    """What the database counts for one cell.

    ``audits`` is the number of distinct audits behind the cell (what suppression
    looks at); ``red``/``amber``/``green`` count grades (one per audit for overall
    grades, one per answer for question domains); ``graded`` counts the grades
    1-4 and ``grade_sum`` adds them up (not-applicable and ungraded are left out).
    ``withheld``: the counts were removed because the cell is suppressed (``withhold``).
    """

    audits: int
    red: int = 0
    amber: int = 0
    green: int = 0
    graded: int = 0
    grade_sum: int = 0
    withheld: bool = False

    @property
    def suppressed(self) -> bool:
        return self.withheld or is_suppressed(self.audits)

    def share(self, rag: Rag) -> float | None:
        if not self.graded or self.suppressed:
            return None
        return {Rag.RED: self.red, Rag.AMBER: self.amber, Rag.GREEN: self.green}[rag] / self.graded

    @property
    def mean_grade(self) -> float | None:
        return self.grade_sum / self.graded if self.graded and not self.suppressed else None

    def largest_share(self) -> tuple[Rag, bool] | None:
        """The RAG colour with the most grades (a tie goes to the worse), and whether it is over half."""
        if self.mean_grade is None:
            return None
        counts = {Rag.RED: self.red, Rag.AMBER: self.amber, Rag.GREEN: self.green}
        rag = max(counts, key=lambda r: (counts[r], -"RAG".index(r.value)))
        return rag, counts[rag] * 2 > self.graded

    def band(self, colour: Colour) -> tuple[str, str]:
        """(legend band, fill) of the cell on ``colour``'s fixed scale."""
        if self.suppressed:
            return SUPPRESSED_BAND, SUPPRESSED_COLOUR
        mean = self.mean_grade
        if mean is None:
            return NOT_GRADED_BAND, NOT_GRADED_COLOUR
        if colour is Colour.MEAN:
            fill, label = next((fill, label) for below, fill, label in MEAN_BANDS if mean < below)
            return label, fill
        fill, label = SHARE_BANDS[self.largest_share()]  # type: ignore[index]
        return label, fill

    def rag(self, colour: Colour) -> Rag | None:
        """The RAG colour the cell's fill belongs to (None: suppressed, or nothing graded)."""
        mean = self.mean_grade
        if mean is None:
            return None
        if colour is Colour.SHARE:
            return self.largest_share()[0]  # type: ignore[index]
        return Rag.RED if mean < 1.5 else Rag.AMBER if mean < 2.5 else Rag.GREEN

    def letters(self) -> str:
        """'R2 A3 G1': the counts behind the colour, readable without colour."""
        return f"R{self.red} A{self.amber} G{self.green}"

    def label(self, colour: Colour, unit: Unit = Unit.AUDITS) -> str:
        """The text drawn in the cell. One unit per cell: in the team maps every count is of audits
        (one overall grade each); in the practitioner map every count is of graded answers."""
        if self.suppressed:
            return f"fewer than\n{MIN_AUDITS} audits"
        if not self.graded:
            return f"not graded\n{self.audits} audits"
        if unit is Unit.ANSWERS:
            lines = [self.letters(), f"of {self.graded} answers"]
            if colour is Colour.MEAN:
                lines.append(f"mean {self.mean_grade:.1f}")
            return "\n".join(lines)
        if colour is Colour.MEAN:
            return f"{self.letters()}\nmean {self.mean_grade:.1f} · n={self.graded}"
        return f"{self.letters()}\nn={self.graded}"

    def judgement(self, unit: Unit = Unit.AUDITS) -> str:
        """One line for tables and tooltips."""
        if self.suppressed:
            return SUPPRESSED_TEXT
        if not self.graded:
            return "not graded"
        parts = [
            f"Red {self.red} ({self.share(Rag.RED):.0%})",
            f"Amber {self.amber} ({self.share(Rag.AMBER):.0%})",
            f"Green {self.green} ({self.share(Rag.GREEN):.0%})",
            f"mean grade {self.mean_grade:.2f}",
        ]
        if unit is Unit.ANSWERS:
            parts.append(f"of {self.graded} graded answers in {self.audits} audits")
        else:
            parts.append(f"{self.graded} audits")
        return " · ".join(parts)


def withhold(counts: CellCounts) -> CellCounts:
    """``counts`` as anyone may receive them: a suppressed cell keeps nothing but the fact."""
    return CellCounts(audits=0, withheld=True) if counts.suppressed else counts


@dataclass(frozen=True)
class Cell:
    """One cell of a heatmap: its row and column (key and label) and its counts."""

    row_key: str
    row_label: str
    col_key: str
    col_label: str
    counts: CellCounts


def suppress(cell: Cell) -> Cell:
    """``cell`` with its counts withheld when it is behind fewer than ``MIN_AUDITS`` audits."""
    return replace(cell, counts=withhold(cell.counts))


def cell_record(cell: Cell, colour: Colour, unit: Unit = Unit.AUDITS) -> dict:
    """The flat row a chart and a table draw for one cell. A suppressed cell carries its row,
    its column and ``SUPPRESSED_TEXT``, and nothing else: no count, share, mean or tooltip."""
    c = cell.counts
    band, fill = c.band(colour)
    judged = not c.suppressed
    rag, judgement = c.rag(colour), c.judgement(unit)
    return {
        "row_key": cell.row_key,
        "row": cell.row_label,
        "col_key": cell.col_key,
        "col": cell.col_label,
        "audits": c.audits if judged else None,
        "graded": c.graded if judged else None,
        "red": c.red if judged else None,
        "amber": c.amber if judged else None,
        "green": c.green if judged else None,
        "share_red": _round(c.share(Rag.RED)),
        "share_amber": _round(c.share(Rag.AMBER)),
        "share_green": _round(c.share(Rag.GREEN)),
        "mean_grade": _round(c.mean_grade),
        "rag": rag.value if rag else "",
        "suppressed": c.suppressed,
        "band": band,
        "fill": fill,
        "text_colour": text_colour(fill),
        "label": c.label(colour, unit),
        "judgement": judgement,
        "tooltip": judgement if judged else None,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# ---------------------------------------------------------------- ranking practitioners
# A practitioner is ranked by their share of Red grades in a domain only over at least this many
# audits: below it one bad audit would top the list.
MIN_RANK_AUDITS = 5


def _red_rate_key(counts: CellCounts) -> tuple:
    return (-(counts.share(Rag.RED) or 0.0), -counts.red)


def rank_rows_by_red_rate(cells: list[Cell], col_key: str, min_audits: int = MIN_RANK_AUDITS) -> list[str]:
    """Row keys ordered by their share of Red grades in column ``col_key``, highest first, over
    rows with ``min_audits`` or more audits there; then the rows with fewer (by name), then those
    suppressed or without a cell there."""
    rows: dict[str, str] = {}
    tier: dict[str, tuple] = {}
    for cell in cells:
        rows.setdefault(cell.row_key, cell.row_label)
        if cell.col_key != col_key or cell.counts.suppressed or cell.counts.mean_grade is None:
            continue
        if cell.counts.audits >= min_audits:
            tier[cell.row_key] = (0, *_red_rate_key(cell.counts))
        else:
            tier[cell.row_key] = (1, 0.0, 0)
    return sorted(rows, key=lambda key: (tier.get(key, (2, 0.0, 0)), rows[key].lower()))


def highest_red_rate(cells: list[Cell], col_key: str, min_audits: int = MIN_RANK_AUDITS) -> Cell | None:
    """The cell in column ``col_key`` with the highest share of Red grades over ``min_audits`` or
    more audits (None when no such cell has a Red grade)."""
    candidates = [c for c in cells if c.col_key == col_key and not c.counts.suppressed
                  and c.counts.audits >= min_audits and c.counts.red > 0]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (*_red_rate_key(c.counts), c.row_label.lower()))


@dataclass(frozen=True)
class Grid:
    """A heatmap ready to draw: its cells, and the order of its rows and columns."""

    view: View
    cells: tuple[Cell, ...] = ()
    rows: tuple[tuple[str, str], ...] = ()  # (key, label) in drawing order
    cols: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def unit(self) -> Unit:
        return self.view.unit

    def suppressed(self) -> "Grid":
        """This grid as anyone may receive it: every cell behind fewer than ``MIN_AUDITS`` audits
        keeps its row and column and nothing else."""
        return replace(self, cells=tuple(suppress(c) for c in self.cells))

    def cell(self, row_key: str, col_key: str) -> Cell | None:
        for cell in self.cells:
            if cell.row_key == row_key and cell.col_key == col_key:
                return cell
        return None

    @property
    def empty(self) -> bool:
        return not self.cells
