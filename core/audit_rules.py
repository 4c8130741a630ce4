"""The audit form's data-quality rules, in pure Python.

``AuditInput`` is what the entry form holds (plain values, nothing from the
database); ``submission_problems`` turns it into a list of ``FieldProblem`` s,
each naming the form field it belongs to and saying, in plain words, what to
fix. A draft may have anything missing (``draft_problems`` asks only for what
the database cannot do without: the case and the theme). The same module says
who enters which kind of audit, who may acknowledge a safeguarding concern, and
how two versions of one audit differ (for the save-conflict view).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from core.authz import Role
from core.grades import Grade, Rag, rag_of
from core.templates import LIVED_EXPERIENCE_DOMAIN

# A narrative "of real substance": enough words, enough different words, not a placeholder.
MIN_NARRATIVE_WORDS = 25
MIN_NARRATIVE_DISTINCT_WORDS = 15
# An override or no-action reason is a sentence, not a tick.
MIN_REASON_WORDS = 4

EXTERNAL, INTERNAL = "external", "internal"

# What people type to get past a required field. Compared after lower-casing and
# stripping punctuation at the ends.
PLACEHOLDERS = frozenset(
    {
        "", "n/a", "na", "n.a", "none", "nil", "nothing", "no", "yes", "ok", "tbc", "tbd", "todo", "to do",
        "to follow", "see above", "as above", "see below", "as per above", "see notes", "see record",
        "see case notes", "test", "testing", "x", "xx", "xxx", "-", "--", "?", "...", "lorem ipsum", "placeholder",
        "no comment", "no comments", "not known", "unknown", "same", "ditto", "fine", "good", "as discussed",
    }
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


# ------------------------------------------------------------------ the form's shape
@dataclass(frozen=True)
class QuestionRule:
    """One question of a template version, as the rules need it."""

    id: int
    key: str
    domain: str
    text: str
    guidance: str = ""
    limiting: bool = False
    allow_na: bool = False
    position: int = 0

    @property
    def is_lived_experience(self) -> bool:
        return self.domain == LIVED_EXPERIENCE_DOMAIN


@dataclass
class AnswerInput:
    grade: int | None = None  # core.grades.Grade score; None = not graded yet
    rationale: str = ""


@dataclass
class ActionInput:
    """One remedial-action row of the form. ``action_id`` is set for a stored action."""

    description: str = ""
    owner_id: int | None = None
    due_on: date | None = None
    action_id: int | None = None
    status: str = "open"

    @property
    def is_blank(self) -> bool:
        return not self.description.strip()

    @property
    def editable(self) -> bool:
        """Actions already done or verified belong to their own lifecycle now."""
        return self.status == "open"


@dataclass
class AuditInput:
    case_id: int | None = None
    theme_id: int | None = None
    kind: str = EXTERNAL
    work_date: date | None = None
    audit_date: date | None = None
    answers: dict[int, AnswerInput] = field(default_factory=dict)  # by question id
    lived_experience: str = ""
    overall_grade: int | None = None
    overall_rationale: str = ""
    impact_for_child: str = ""
    limiting_override_reason: str = ""
    safeguarding_concern: bool = False
    safeguarding_action: str = ""
    safeguarding_told: str = ""
    no_action_reason: str = ""
    learning_points: str = ""
    actions: list[ActionInput] = field(default_factory=list)

    def answer(self, question_id: int) -> AnswerInput:
        return self.answers.get(question_id) or AnswerInput()

    @property
    def raised_actions(self) -> list[ActionInput]:
        """The action rows that say something (an empty row is not an action)."""
        return [a for a in self.actions if not a.is_blank]


@dataclass(frozen=True)
class FieldProblem:
    """A rule the form breaks: ``field`` names the form field the message belongs next to."""

    field: str
    message: str


def answer_field(question_id: int, part: str) -> str:
    """The field name of a question's ``grade`` or ``rationale``."""
    return f"q{question_id}.{part}"


def action_field(index: int, part: str) -> str:
    """The field name of an action row's ``description``, ``owner`` or ``due_on``."""
    return f"action{index}.{part}"


def problems_by_field(problems: list[FieldProblem]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        grouped.setdefault(problem.field, []).append(problem.message)
    return grouped


# ------------------------------------------------------------------ text checks
def words(text: str | None) -> list[str]:
    return _WORD.findall(text or "")


def is_placeholder(text: str | None) -> bool:
    """True for an empty answer or a stock filler such as 'n/a', 'tbc' or 'see above'."""
    cleaned = re.sub(r"\s+", " ", (text or "").strip().lower()).strip(" .,;:!'\"")
    return cleaned in PLACEHOLDERS or not any(ch.isalnum() for ch in cleaned)


def narrative_problem(text: str | None) -> str | None:
    """Why a lived-experience narrative is not yet of real substance, or None."""
    found = words(text)
    if is_placeholder(text):
        return (
            "Describe what life is like for this child, as evidenced in the record: a placeholder "
            "such as 'n/a' or 'see above' is not a narrative."
        )
    if len(found) < MIN_NARRATIVE_WORDS:
        return (
            f"A Good or Outstanding for lived experience needs a narrative of real substance: at least "
            f"{MIN_NARRATIVE_WORDS} words on what daily life is like for this child (this has {len(found)})."
        )
    if len({w.lower() for w in found}) < MIN_NARRATIVE_DISTINCT_WORDS:
        return "The narrative repeats itself: say what the record shows about this child's daily life."
    return None


def reason_problem(text: str | None, what: str) -> str | None:
    """Why an explicit reason (override, no action) is not yet a reason, or None."""
    if is_placeholder(text) or len(words(text)) < MIN_REASON_WORDS:
        return f"{what} Write at least a sentence ({MIN_REASON_WORDS} words or more)."
    return None


# ------------------------------------------------------------------ derived facts
def lived_experience_grade(form: AuditInput, questions: list[QuestionRule]) -> int | None:
    """The best grade given on a lived-experience question (None when none is graded)."""
    grades = [
        form.answer(q.id).grade
        for q in questions
        if q.is_lived_experience and form.answer(q.id).grade not in (None, Grade.NOT_APPLICABLE)
    ]
    return max(grades) if grades else None


def limiting_inadequate(form: AuditInput, questions: list[QuestionRule]) -> list[QuestionRule]:
    """Limiting questions (lived experience, risk) graded Inadequate."""
    return [q for q in questions if q.limiting and form.answer(q.id).grade == Grade.INADEQUATE]


def needs_limiting_override(form: AuditInput, questions: list[QuestionRule]) -> bool:
    """An overall Good or Outstanding despite an Inadequate on a limiting question."""
    return (form.overall_grade or 0) >= Grade.GOOD and bool(limiting_inadequate(form, questions))


def needs_no_action_reason(form: AuditInput) -> bool:
    """A Red (Inadequate) audit that raises no remedial action."""
    return rag_of(form.overall_grade) is Rag.RED and not form.raised_actions


def date_problems(form: AuditInput, today: date) -> list[FieldProblem]:
    """Dates that are wrong (not merely missing): in the future, or the audit before the work."""
    problems = []
    if form.work_date and form.work_date > today:
        problems.append(FieldProblem("work_date", "The date of the work audited cannot be in the future."))
    if form.audit_date and form.audit_date > today:
        problems.append(FieldProblem("audit_date", "The audit date cannot be in the future."))
    if form.work_date and form.audit_date and form.audit_date < form.work_date:
        problems.append(
            FieldProblem("audit_date", "The audit cannot be dated before the work it audits: check both dates.")
        )
    return problems


# ------------------------------------------------------------------ the rules
def draft_problems(form: AuditInput) -> list[FieldProblem]:
    """What even a draft needs: which case and which theme (the questions depend on it)."""
    problems = []
    if form.case_id is None:
        problems.append(FieldProblem("case", "Choose the case (or add a new case reference) first."))
    if form.theme_id is None:
        problems.append(FieldProblem("theme", "Choose the theme of the audit first."))
    return problems


def submission_problems(form: AuditInput, questions: list[QuestionRule], today: date) -> list[FieldProblem]:
    """Every rule a submitted audit must meet, in the order of the form."""
    problems = draft_problems(form)
    if form.work_date is None:
        problems.append(FieldProblem("work_date", "Enter the date of the work audited (e.g. assessment completed on)."))
    if form.audit_date is None:
        problems.append(FieldProblem("audit_date", "Enter the audit date."))
    problems += date_problems(form, today)

    for q in sorted(questions, key=lambda q: q.position):
        answer = form.answer(q.id)
        if answer.grade is None:
            problems.append(FieldProblem(answer_field(q.id, "grade"), "Choose a grade for this question."))
        elif answer.grade == Grade.NOT_APPLICABLE and not q.allow_na:
            problems.append(
                FieldProblem(answer_field(q.id, "grade"), "Not applicable is not allowed for this question: grade it.")
            )
        elif answer.grade != Grade.NOT_APPLICABLE and is_placeholder(answer.rationale):
            problems.append(
                FieldProblem(answer_field(q.id, "rationale"), "Write the rationale for this grade: what in the record shows it.")
            )

    le_grade = lived_experience_grade(form, questions)
    if le_grade is not None and le_grade >= Grade.GOOD:
        if problem := narrative_problem(form.lived_experience):
            problems.append(FieldProblem("lived_experience", problem))
    elif is_placeholder(form.lived_experience):
        problems.append(
            FieldProblem(
                "lived_experience",
                "Describe what life is like for this child as evidenced in the record, or what the record fails to show.",
            )
        )

    if form.overall_grade is None:
        problems.append(FieldProblem("overall_grade", "Choose the overall grade."))
    elif form.overall_grade not in (Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE):
        problems.append(FieldProblem("overall_grade", "The overall grade is Outstanding, Good, Requires improvement or Inadequate."))
    if is_placeholder(form.overall_rationale):
        problems.append(FieldProblem("overall_rationale", "Write the rationale for the overall grade."))
    if is_placeholder(form.impact_for_child):
        problems.append(FieldProblem("impact_for_child", "Say what difference the work has made for the child."))
    if needs_limiting_override(form, questions):
        limiting = ", ".join(f"'{q.text}'" for q in limiting_inadequate(form, questions))
        message = (
            f"The overall grade is Good or better although a limiting question is Inadequate ({limiting}): "
            "give the reason for overriding the limiting judgement, or lower the overall grade."
        )
        if problem := reason_problem(form.limiting_override_reason, message):
            problems.append(FieldProblem("limiting_override_reason", problem))

    if form.safeguarding_concern:
        if is_placeholder(form.safeguarding_action):
            problems.append(FieldProblem("safeguarding_action", "Say what was done about the safeguarding concern."))
        if is_placeholder(form.safeguarding_told):
            problems.append(FieldProblem("safeguarding_told", "Say who was told about the safeguarding concern."))

    for index, action in enumerate(form.actions):
        if action.is_blank:
            continue
        if is_placeholder(action.description):
            problems.append(FieldProblem(action_field(index, "description"), "Describe the action specifically."))
        if action.owner_id is None:
            problems.append(FieldProblem(action_field(index, "owner"), "Choose who owns this action."))
        if action.due_on is None:
            problems.append(FieldProblem(action_field(index, "due_on"), "Enter the date the action is due."))
        elif action.editable and form.audit_date and action.due_on < form.audit_date:
            problems.append(FieldProblem(action_field(index, "due_on"), "The action cannot be due before the audit date."))
    if needs_no_action_reason(form):
        message = "A Red (Inadequate) audit with no remedial action needs the reason no action is raised."
        if problem := reason_problem(form.no_action_reason, message):
            problems.append(FieldProblem("no_action_reason", problem))
    return problems


# ------------------------------------------------------------------ who may do what
def entry_kinds(roles: frozenset[Role] | set[Role]) -> tuple[str, ...]:
    """The kinds of audit a user enters: auditors external ones, managers internal ones."""
    kinds = []
    if Role.AUDITOR in roles:
        kinds.append(EXTERNAL)
    if Role.MANAGER in roles:
        kinds.append(INTERNAL)
    return tuple(kinds)


def may_acknowledge(roles: frozenset[Role] | set[Role]) -> bool:
    """Safeguarding concerns are acknowledged by a responsible manager or an auditor."""
    return bool(set(roles) & {Role.MANAGER, Role.AUDITOR})


# ------------------------------------------------------------------ comparing two versions
@dataclass(frozen=True)
class Difference:
    label: str
    mine: str
    theirs: str


def _grade_text(grade: int | None) -> str:
    return "-" if grade is None else Grade(grade).label


def _date_text(day: date | None) -> str:
    return "-" if day is None else day.isoformat()


def _actions_text(actions: list[ActionInput], owners: dict[int, str]) -> str:
    rows = [
        f"{a.description.strip()} ({owners.get(a.owner_id, '-') if a.owner_id else 'no owner'}, due {_date_text(a.due_on)})"
        for a in actions
        if not a.is_blank
    ]
    return "; ".join(rows) or "-"


def differences(
    mine: AuditInput, theirs: AuditInput, questions: list[QuestionRule], owners: dict[int, str] | None = None
) -> list[Difference]:
    """Every field where two versions of one audit differ, labelled as on the form."""
    owners = owners or {}
    rows: list[tuple[str, str, str]] = [
        ("Date of the work", _date_text(mine.work_date), _date_text(theirs.work_date)),
        ("Audit date", _date_text(mine.audit_date), _date_text(theirs.audit_date)),
    ]
    for q in sorted(questions, key=lambda q: q.position):
        a, b = mine.answer(q.id), theirs.answer(q.id)
        rows.append((f"{q.position}. {q.text} - grade", _grade_text(a.grade), _grade_text(b.grade)))
        rows.append((f"{q.position}. {q.text} - rationale", a.rationale.strip(), b.rationale.strip()))
    rows += [
        ("Lived experience", mine.lived_experience.strip(), theirs.lived_experience.strip()),
        ("Overall grade", _grade_text(mine.overall_grade), _grade_text(theirs.overall_grade)),
        ("Overall rationale", mine.overall_rationale.strip(), theirs.overall_rationale.strip()),
        ("Difference made for the child", mine.impact_for_child.strip(), theirs.impact_for_child.strip()),
        ("Reason for overriding a limiting judgement", mine.limiting_override_reason.strip(),
         theirs.limiting_override_reason.strip()),
        ("Safeguarding concern", "Yes" if mine.safeguarding_concern else "No",
         "Yes" if theirs.safeguarding_concern else "No"),
        ("What was done", mine.safeguarding_action.strip(), theirs.safeguarding_action.strip()),
        ("Who was told", mine.safeguarding_told.strip(), theirs.safeguarding_told.strip()),
        ("Remedial actions", _actions_text(mine.actions, owners), _actions_text(theirs.actions, owners)),
        ("Reason for no remedial action", mine.no_action_reason.strip(), theirs.no_action_reason.strip()),
        ("Learning points", mine.learning_points.strip(), theirs.learning_points.strip()),
    ]
    return [Difference(label, a, b) for label, a, b in rows if a != b]
