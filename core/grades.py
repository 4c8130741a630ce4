"""Ofsted's four-point grading scale and its RAG colours.

Grades are stored as scores where a higher number is a better grade, so that
"first grade minus moderated grade" is positive when the first auditor was
generous. ``NOT_APPLICABLE`` (0) is a recorded answer, not a missing one.
"""
from __future__ import annotations

from enum import IntEnum, StrEnum
from functools import cache


class Grade(IntEnum):
    NOT_APPLICABLE = 0
    INADEQUATE = 1
    REQUIRES_IMPROVEMENT = 2
    GOOD = 3
    OUTSTANDING = 4

    @property
    def label(self) -> str:
        return GRADE_LABELS[self]

    @property
    def rag(self) -> "Rag | None":
        return rag_of(self)

    @property
    def is_graded(self) -> bool:
        return self is not Grade.NOT_APPLICABLE


class Rag(StrEnum):
    RED = "R"
    AMBER = "A"
    GREEN = "G"

    @property
    def label(self) -> str:
        return {"R": "Red", "A": "Amber", "G": "Green"}[self.value]

    @property
    def colour(self) -> str:
        """The fill: bars, cells and other graphics."""
        return RAG_COLOURS[self]

    @property
    def ink(self) -> str:
        """The colour of text drawn on this RAG's fill."""
        return RAG_INK[self]

    @property
    def text_colour(self) -> str:
        """This RAG's colour for text itself (a grade in a table), on white or a pale shade."""
        return RAG_TEXT_COLOURS[self]


GRADE_LABELS: dict[Grade, str] = {
    Grade.OUTSTANDING: "Outstanding",
    Grade.GOOD: "Good",
    Grade.REQUIRES_IMPROVEMENT: "Requires improvement",
    Grade.INADEQUATE: "Inadequate",
    Grade.NOT_APPLICABLE: "Not applicable",
}

# Colour is never the only cue: the letter or the grade's name is always shown too. Contrast
# (WCAG 2.2 AA, checked in tests/unit/test_contrast.py):
# - fills are graphics, at least 3:1 against the white page (1.4.11); amber is a darker orange
#   than the usual #e69f00, which is 2.25:1 on white;
# - text drawn on a fill uses that RAG's ink, at least 4.5:1 on it (1.4.3);
# - a grade written in its RAG colour uses the text colour, at least 4.5:1 on white and on the
#   pale shades tables put behind it.
RAG_COLOURS: dict[Rag, str] = {Rag.RED: "#c0392b", Rag.AMBER: "#c87800", Rag.GREEN: "#2e8540"}
RAG_INK: dict[Rag, str] = {Rag.RED: "#ffffff", Rag.AMBER: "#0b0c0c", Rag.GREEN: "#ffffff"}
RAG_TEXT_COLOURS: dict[Rag, str] = {Rag.RED: "#9b1c12", Rag.AMBER: "#6b4500", Rag.GREEN: "#175a28"}
NO_RAG_COLOUR = "#9e9e9e"  # a fill (dark text on it)
NO_RAG_TEXT_COLOUR = "#4d4d4d"

# Grades offered for an overall judgement (never "not applicable"), best first.
OVERALL_GRADES: tuple[Grade, ...] = (
    Grade.OUTSTANDING,
    Grade.GOOD,
    Grade.REQUIRES_IMPROVEMENT,
    Grade.INADEQUATE,
)



def question_grades(allow_na: bool = False) -> list[int]:
    """The grades a question offers, best first, and "not applicable" last where the question allows it."""
    return [int(g) for g in OVERALL_GRADES] + ([int(Grade.NOT_APPLICABLE)] if allow_na else [])


@cache  # a handful of possible grades, asked about for every audit a page counts
def rag_of(grade: Grade | int | None) -> Rag | None:
    """The RAG colour of a grade; None for not applicable or not yet graded."""
    if grade is None:
        return None
    grade = Grade(grade)
    if grade is Grade.NOT_APPLICABLE:
        return None
    if grade is Grade.INADEQUATE:
        return Rag.RED
    if grade is Grade.REQUIRES_IMPROVEMENT:
        return Rag.AMBER
    return Rag.GREEN


def parse_grade(value: str | int | Grade) -> Grade:
    """Accept a Grade, its score, its label or its enum name; raise ValueError otherwise."""
    if isinstance(value, Grade):
        return value
    if isinstance(value, int):
        return Grade(value)
    text = str(value).strip()
    for grade in Grade:
        if text.lower() in (grade.label.lower(), grade.name.lower(), str(int(grade))):
            return grade
    if text.lower().startswith("requires improvement"):
        return Grade.REQUIRES_IMPROVEMENT
    raise ValueError(f"Unknown grade: {value!r}")


def effective_grade(first: int | None, moderated: int | None) -> int | None:
    """The grade reporting uses: the moderated one where an audit was moderated."""
    return moderated if moderated is not None else first


def grade_text(grade: Grade | int | None, missing: str = "") -> str:
    """A grade in words with its RAG letter ("R · Inadequate"), for tables and files:
    colour is never the only cue. ``missing`` stands for no grade."""
    if grade is None:
        return missing
    grade = Grade(grade)
    rag = rag_of(grade)
    return f"{rag.value} · {grade.label}" if rag else grade.label


# ------------------------------------------------------------------ text on any fill
DARK_INK = "#000000"
LIGHT_INK = "#ffffff"


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ink_on(fill: str) -> str:
    """Black or white text, whichever contrasts more with ``fill`` (one of them always reaches 4.58:1)."""
    luminance = _luminance(fill)
    return DARK_INK if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else LIGHT_INK


def mix(low: str, high: str, share: float) -> str:
    """The colour ``share`` (0 to 1) of the way from ``low`` to ``high``, channel by channel."""
    share = min(1.0, max(0.0, share))
    parts = (round(int(low[i:i + 2], 16) + share * (int(high[i:i + 2], 16) - int(low[i:i + 2], 16))) for i in (1, 3, 5))
    return "#" + "".join(f"{c:02x}" for c in parts)
