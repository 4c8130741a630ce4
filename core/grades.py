"""Ofsted's four-point grading scale and its RAG colours.

Grades are stored as scores where a higher number is a better grade, so that
"first grade minus moderated grade" is positive when the first auditor was
generous. ``NOT_APPLICABLE`` (0) is a recorded answer, not a missing one.
"""
from __future__ import annotations

from enum import IntEnum, StrEnum


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
        return RAG_COLOURS[self]


GRADE_LABELS: dict[Grade, str] = {
    Grade.OUTSTANDING: "Outstanding",
    Grade.GOOD: "Good",
    Grade.REQUIRES_IMPROVEMENT: "Requires improvement",
    Grade.INADEQUATE: "Inadequate",
    Grade.NOT_APPLICABLE: "Not applicable",
}

# Colour-blind-safe enough when paired with the letter, which is always shown too.
RAG_COLOURS: dict[Rag, str] = {Rag.RED: "#c0392b", Rag.AMBER: "#e69f00", Rag.GREEN: "#2e8540"}
NO_RAG_COLOUR = "#9e9e9e"

# Grades offered for an overall judgement (never "not applicable"), best first.
OVERALL_GRADES: tuple[Grade, ...] = (
    Grade.OUTSTANDING,
    Grade.GOOD,
    Grade.REQUIRES_IMPROVEMENT,
    Grade.INADEQUATE,
)


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
