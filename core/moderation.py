"""Moderation rules in pure Python: drawing a reproducible sample, checking blind and
agreed grades, and ordering a side-by-side comparison (disagreements first).

A sample is reproducible: the same seed drawn from the same queue picks the same
audits, because candidates are sorted before Python's seeded generator (string
seeds are hashed with SHA-512, independent of the process) chooses among them.
"""
from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.grades import Grade

FEEDBACK_MIN_LENGTH = 20
MAX_SAMPLE_PERCENT = 100
MAX_SAMPLE_PER_AUDITOR = 50
MAX_SEED_LENGTH = 30


class SampleMethod(StrEnum):
    PERCENT_PER_TEAM = "percent_per_team"
    NUMBER_PER_AUDITOR = "number_per_auditor"

    @property
    def label(self) -> str:
        return {"percent_per_team": "A percentage of each team's audits",
                "number_per_auditor": "A number of each first auditor's audits"}[self.value]

    def describe(self, amount: int) -> str:
        return f"{amount}% per team" if self is SampleMethod.PERCENT_PER_TEAM else f"{amount} per first auditor"


@dataclass(frozen=True)
class Candidate:
    """An audit that may be drawn: its id and the groups the methods sample within."""

    audit_id: int
    team: Hashable
    first_auditor: Hashable


def sample_size(available: int, percent: int) -> int:
    """``percent`` of ``available`` rounded up, so a team with any audits gives at least one."""
    if available <= 0 or percent <= 0:
        return 0
    return min(available, math.ceil(available * percent / 100))


def sample_problem(method: SampleMethod, amount: int, seed: str) -> str | None:
    if not seed.strip():
        return "Give the sample a seed, so that it can be drawn again the same way."
    if len(seed.strip()) > MAX_SEED_LENGTH:
        return f"Keep the seed to {MAX_SEED_LENGTH} characters."
    if method is SampleMethod.PERCENT_PER_TEAM and not 1 <= amount <= MAX_SAMPLE_PERCENT:
        return f"The percentage must be between 1 and {MAX_SAMPLE_PERCENT}."
    if method is SampleMethod.NUMBER_PER_AUDITOR and not 1 <= amount <= MAX_SAMPLE_PER_AUDITOR:
        return f"The number per first auditor must be between 1 and {MAX_SAMPLE_PER_AUDITOR}."
    return None


def draw_sample(candidates: Iterable[Candidate], method: SampleMethod, amount: int, seed: str) -> list[int]:
    """The audit ids drawn, sorted. Same candidates, method, amount and seed: same result."""
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for candidate in candidates:
        key = candidate.team if method is SampleMethod.PERCENT_PER_TEAM else candidate.first_auditor
        groups[key].append(candidate.audit_id)
    # Reproducible on purpose: the same seed draws the same sample (not a secret).
    rng = random.Random(f"moderation-sample:{seed.strip()}")  # nosec B311
    drawn: list[int] = []
    for key in sorted(groups, key=str):
        ids = sorted(groups[key])
        size = sample_size(len(ids), amount) if method is SampleMethod.PERCENT_PER_TEAM else min(len(ids), amount)
        drawn.extend(rng.sample(ids, size))
    return sorted(drawn)


def sample_label(on: date, method: SampleMethod, amount: int, seed: str) -> str:
    """What is stored on every moderation of the sample: enough to draw it again."""
    return f"Sample {on.isoformat()} · {method.describe(amount)} · seed {seed.strip()}"


# ------------------------------------------------------------------ grading
@dataclass(frozen=True)
class QuestionRule:
    question_id: int
    allow_na: bool


def _grade_problem(value: int | None, allow_na: bool) -> str | None:
    if value is None:
        return "no grade"
    if value not in {int(g) for g in Grade}:
        return "not a grade"
    if value == Grade.NOT_APPLICABLE and not allow_na:
        return "not applicable is not allowed here"
    return None


def grading_problems(
    questions: Sequence[QuestionRule],
    grades: Mapping[int, int | None],
    overall: int | None,
    *,
    overall_rationale: str | None = None,
    feedback: str | None = None,
    question_numbers: Mapping[int, int] | None = None,
) -> list[str]:
    """What stops a set of grades (blind or agreed) from being saved; empty when fine.

    Every question needs a grade (not applicable only where the template allows
    it); the overall judgement needs a real grade. The blind step also needs the
    moderator's overall rationale, the agreed step the reflective feedback.
    """
    problems = []
    for position, rule in enumerate(questions, start=1):
        number = (question_numbers or {}).get(rule.question_id, position)
        problem = _grade_problem(grades.get(rule.question_id), rule.allow_na)
        if problem:
            problems.append(f"Question {number}: {problem}.")
    if overall is None:
        problems.append("Overall judgement: no grade.")
    elif overall not in {int(g) for g in Grade if g.is_graded}:
        problems.append("Overall judgement: choose Outstanding, Good, Requires improvement or Inadequate.")
    if overall_rationale is not None and not overall_rationale.strip():
        problems.append("Overall judgement: give your rationale.")
    if feedback is not None and len(feedback.strip()) < FEEDBACK_MIN_LENGTH:
        problems.append(
            f"Reflective feedback: write at least {FEEDBACK_MIN_LENGTH} characters on what was missed "
            "and what Good looks like here."
        )
    return problems


# ------------------------------------------------------------------ comparison
@dataclass(frozen=True)
class ComparisonLine:
    """One question side by side. ``difference`` is first - moderator (None if either is N/A)."""

    question_id: int
    position: int
    domain: str
    text: str
    first_grade: int | None
    first_rationale: str
    moderator_grade: int | None
    moderator_rationale: str
    agreed_grade: int | None = None

    @property
    def difference(self) -> int | None:
        a, b = self.first_grade, self.moderator_grade
        if a is None or b is None or a == Grade.NOT_APPLICABLE or b == Grade.NOT_APPLICABLE:
            return None
        return a - b

    @property
    def disagrees(self) -> bool:
        return self.first_grade != self.moderator_grade

    @property
    def size(self) -> int:
        """How many grades apart; a not-applicable mismatch counts as one."""
        if not self.disagrees:
            return 0
        return abs(self.difference) if self.difference is not None else 1


def disagreements_first(lines: Iterable[ComparisonLine]) -> list[ComparisonLine]:
    """Largest disagreements first, then the rest, each in question order."""
    return sorted(lines, key=lambda line: (-line.size, line.position))


def difference_text(line: ComparisonLine) -> str:
    if not line.disagrees:
        return "Agree"
    if line.difference is None:
        return "N/A differs"
    grades = "grade" if line.size == 1 else "grades"
    side = "first higher" if line.difference > 0 else "first lower"
    return f"{line.size} {grades} apart ({side})"
