"""Unit tests of the audit form's rules (core.audit_rules) and the working days they rely on."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from core.audit_rules import (
    MIN_NARRATIVE_WORDS,
    ActionInput,
    AnswerInput,
    AuditInput,
    FieldProblem,
    QuestionRule,
    differences,
    draft_problems,
    entry_kinds,
    is_placeholder,
    lived_experience_grade,
    may_acknowledge,
    narrative_problem,
    needs_limiting_override,
    needs_no_action_reason,
    problems_by_field,
    submission_problems,
)
from core.authz import Role
from core.grades import Grade
from core.templates import LIVED_EXPERIENCE_DOMAIN
from core.workdays import default_due_date

TODAY = date(2026, 11, 26)  # a Thursday
QUESTIONS = [
    QuestionRule(1, "gcp2_used", "Assessment quality", "Was a GCP2 used?", "A current GCP2.", position=1),
    QuestionRule(2, "daily_life", LIVED_EXPERIENCE_DOMAIN, "Is daily life described?", "Food, school.", limiting=True,
                 position=2),
    QuestionRule(3, "risk", "Risk analysis", "Is risk analysed?", "Harm and protective factors.", limiting=True,
                 position=3),
    QuestionRule(4, "gcp2_repeated", "Impact for the child", "Was the GCP2 repeated?", "Change measured.",
                 allow_na=True, position=4),
]
NARRATIVE = (
    "Maya is seven and lives with her mother and two brothers. The record shows she often arrives at school "
    "hungry and in the same clothes, misses breakfast club, and told her teacher she looks after her baby brother "
    "when her mother sleeps in the day."
)


def valid(**changes) -> AuditInput:
    """A complete Requires-improvement audit that breaks no rule."""
    form = AuditInput(
        case_id=10, theme_id=3, work_date=date(2026, 11, 20), audit_date=TODAY,
        answers={q.id: AnswerInput(int(Grade.REQUIRES_IMPROVEMENT), "Partly evidenced in the record.") for q in QUESTIONS},
        lived_experience=NARRATIVE, overall_grade=int(Grade.REQUIRES_IMPROVEMENT),
        overall_rationale="Analysis is thin but present.", impact_for_child="School attendance is up a little.",
    )
    return replace(form, **changes)


def fields(form: AuditInput) -> set[str]:
    return {p.field for p in submission_problems(form, QUESTIONS, TODAY)}


def test_a_complete_audit_breaks_no_rule():
    assert submission_problems(valid(), QUESTIONS, TODAY) == []


def test_an_empty_form_lists_every_required_field_in_form_order():
    problems = submission_problems(AuditInput(), QUESTIONS, TODAY)
    order = [p.field for p in problems]
    assert order[:4] == ["case", "theme", "work_date", "audit_date"]
    assert order[4:8] == ["q1.grade", "q2.grade", "q3.grade", "q4.grade"]
    assert {"lived_experience", "overall_grade", "overall_rationale", "impact_for_child"} <= set(order)
    assert all(p.message.endswith(".") for p in problems)


def test_a_draft_needs_only_the_case_and_the_theme():
    assert draft_problems(AuditInput(case_id=1, theme_id=2)) == []
    assert [p.field for p in draft_problems(AuditInput())] == ["case", "theme"]


# ------------------------------------------------------------------ per-question rationale and N/A
@pytest.mark.parametrize("rationale", ["", "   ", "n/a", "N/A.", "tbc", "See above", "-", "..."])
def test_every_graded_question_needs_a_rationale(rationale):
    form = valid()
    form.answers[1] = AnswerInput(int(Grade.GOOD), rationale)
    problems = submission_problems(form, QUESTIONS, TODAY)
    assert problems == [FieldProblem("q1.rationale", "Write the rationale for this grade: what in the record shows it.")]


def test_not_applicable_needs_no_rationale_where_the_template_allows_it():
    form = valid()
    form.answers[4] = AnswerInput(int(Grade.NOT_APPLICABLE), "")
    assert fields(form) == set()


def test_not_applicable_is_refused_where_the_template_does_not_allow_it():
    form = valid()
    form.answers[3] = AnswerInput(int(Grade.NOT_APPLICABLE), "")
    assert fields(form) == {"q3.grade"}


# ------------------------------------------------------------------ lived experience
def test_a_good_lived_experience_needs_a_narrative_of_real_substance():
    form = valid(lived_experience="The child is doing fine at home and at school.")
    form.answers[2] = AnswerInput(int(Grade.GOOD), "Daily life described.")
    problems = problems_by_field(submission_problems(form, QUESTIONS, TODAY))
    assert list(problems) == ["lived_experience"]
    assert f"at least {MIN_NARRATIVE_WORDS} words" in problems["lived_experience"][0]
    assert "(this has 10)" in problems["lived_experience"][0]
    form.lived_experience = NARRATIVE
    assert fields(form) == set()


def test_an_outstanding_lived_experience_cannot_rest_on_a_placeholder_or_repetition():
    form = valid()
    form.answers[2] = AnswerInput(int(Grade.OUTSTANDING), "Vivid, specific observations.")
    form.lived_experience = "see above"
    assert "placeholder" in problems_by_field(submission_problems(form, QUESTIONS, TODAY))["lived_experience"][0]
    form.lived_experience = "the child is well " * 10  # 40 words, 4 different ones
    assert "repeats itself" in problems_by_field(submission_problems(form, QUESTIONS, TODAY))["lived_experience"][0]


def test_a_weak_lived_experience_grade_still_needs_some_narrative_but_not_25_words():
    form = valid(lived_experience="")
    form.answers[2] = AnswerInput(int(Grade.INADEQUATE), "Nothing on daily life.")
    assert fields(form) == {"lived_experience"}
    form.lived_experience = "The record does not say what a day is like for her."
    assert fields(form) == set()


def test_lived_experience_grade_is_the_best_lived_experience_answer_ignoring_na():
    form = valid()
    assert lived_experience_grade(form, QUESTIONS) == Grade.REQUIRES_IMPROVEMENT
    form.answers[2] = AnswerInput(int(Grade.NOT_APPLICABLE), "")
    assert lived_experience_grade(form, QUESTIONS) is None


# ------------------------------------------------------------------ the limiting judgement
@pytest.mark.parametrize("overall", [Grade.GOOD, Grade.OUTSTANDING])
@pytest.mark.parametrize("limiting_question", [2, 3])
def test_a_good_overall_with_an_inadequate_limiting_question_needs_an_override_reason(overall, limiting_question):
    form = valid(overall_grade=int(overall))
    form.answers[limiting_question] = AnswerInput(int(Grade.INADEQUATE), "Not evidenced.")
    assert needs_limiting_override(form, QUESTIONS)
    problems = problems_by_field(submission_problems(form, QUESTIONS, TODAY))
    assert list(problems) == ["limiting_override_reason"]
    assert QUESTIONS[limiting_question - 1].text in problems["limiting_override_reason"][0]
    form.limiting_override_reason = "ok"
    assert fields(form) == {"limiting_override_reason"}
    form.limiting_override_reason = "The risk was managed by a strong multi-agency plan the record evidences."
    assert fields(form) == set()


def test_no_override_is_needed_for_a_non_limiting_inadequate_or_a_lower_overall():
    form = valid(overall_grade=int(Grade.GOOD))
    form.answers[1] = AnswerInput(int(Grade.INADEQUATE), "No GCP2.")  # not a limiting question
    assert not needs_limiting_override(form, QUESTIONS) and fields(form) == set()
    form = valid(overall_grade=int(Grade.REQUIRES_IMPROVEMENT))
    form.answers[3] = AnswerInput(int(Grade.INADEQUATE), "No risk analysis.")
    assert not needs_limiting_override(form, QUESTIONS) and fields(form) == set()


# ------------------------------------------------------------------ dates
def test_dates_cannot_be_in_the_future():
    problems = problems_by_field(submission_problems(
        valid(work_date=date(2026, 11, 27), audit_date=date(2026, 11, 28)), QUESTIONS, TODAY))
    assert problems["work_date"] == ["The date of the work audited cannot be in the future."]
    assert problems["audit_date"] == ["The audit date cannot be in the future."]


def test_the_audit_cannot_be_before_the_work():
    form = valid(work_date=date(2026, 11, 25), audit_date=date(2026, 11, 24))
    assert problems_by_field(submission_problems(form, QUESTIONS, TODAY)) == {
        "audit_date": ["The audit cannot be dated before the work it audits: check both dates."]}
    assert fields(valid(work_date=TODAY, audit_date=TODAY)) == set()  # the same day is fine


# ------------------------------------------------------------------ Red audits and actions
def test_a_red_audit_without_actions_needs_a_reason():
    form = valid(overall_grade=int(Grade.INADEQUATE))
    assert needs_no_action_reason(form)
    assert fields(form) == {"no_action_reason"}
    form.no_action_reason = "Case closed; the child has moved to another authority."
    assert fields(form) == set()


def test_a_red_audit_with_an_action_needs_no_reason_but_a_blank_row_is_no_action():
    form = valid(overall_grade=int(Grade.INADEQUATE), actions=[ActionInput("   ", 5, TODAY)])
    assert needs_no_action_reason(form)
    form.actions = [ActionInput("See the child alone.", 5, default_due_date(TODAY))]
    assert not needs_no_action_reason(form) and fields(form) == set()


def test_each_action_needs_an_owner_and_a_due_date_not_before_the_audit():
    form = valid(actions=[
        ActionInput("Update the chronology.", None, None),
        ActionInput("See the child alone.", 7, date(2026, 11, 25)),
        ActionInput("", None, None),  # an empty row is ignored
    ])
    assert fields(form) == {"action0.owner", "action0.due_on", "action1.due_on"}


def test_a_done_action_is_not_rechecked_against_a_later_audit_date():
    form = valid(actions=[ActionInput("Chronology updated.", 7, date(2026, 11, 20), action_id=4, status="done")])
    assert fields(form) == set()


# ------------------------------------------------------------------ safeguarding
def test_a_safeguarding_concern_needs_what_was_done_and_who_was_told():
    form = valid(safeguarding_concern=True)
    assert fields(form) == {"safeguarding_action", "safeguarding_told"}
    form.safeguarding_action = "Rang the duty manager; strategy discussion booked."
    form.safeguarding_told = "Team manager, Sam Patel"
    assert fields(form) == set()
    assert fields(valid(safeguarding_concern=False, safeguarding_action="")) == set()


# ------------------------------------------------------------------ overall
def test_the_overall_grade_is_never_not_applicable_and_needs_rationale_and_impact():
    form = valid(overall_grade=int(Grade.NOT_APPLICABLE), overall_rationale="", impact_for_child="tbc")
    assert fields(form) == {"overall_grade", "overall_rationale", "impact_for_child"}


# ------------------------------------------------------------------ text checks and roles
@pytest.mark.parametrize("text, placeholder", [
    ("", True), ("N/A", True), ("  tbc. ", True), ("See above", True), ("???", True), ("--", True),
    ("No contingency plan is recorded.", False), ("Seen alone", False),
])
def test_placeholders(text, placeholder):
    assert is_placeholder(text) is placeholder


def test_narrative_problem_counts_words_not_characters():
    assert narrative_problem(NARRATIVE) is None
    assert "(this has 3)" in narrative_problem("Supercalifragilistic antidisestablishmentarianism floccinaucinihilipilification")


def test_auditors_enter_external_audits_and_managers_internal_ones():
    assert entry_kinds({Role.AUDITOR}) == ("external",)
    assert entry_kinds({Role.MANAGER}) == ("internal",)
    assert entry_kinds({Role.AUDITOR, Role.MANAGER}) == ("external", "internal")
    assert entry_kinds({Role.SUPPORT, Role.ADMIN, Role.SPONSOR}) == ()


def test_managers_and_auditors_acknowledge_concerns():
    assert may_acknowledge({Role.MANAGER}) and may_acknowledge({Role.AUDITOR})
    assert not may_acknowledge({Role.SUPPORT}) and not may_acknowledge({Role.SPONSOR, Role.ADMIN})


def test_differences_label_each_changed_field_as_on_the_form():
    mine = valid(actions=[ActionInput("See the child alone.", 7, date(2026, 12, 3))])
    theirs = valid(overall_grade=int(Grade.GOOD))
    theirs.answers[3] = AnswerInput(int(Grade.INADEQUATE), "No risk analysis.")
    rows = {d.label: (d.mine, d.theirs) for d in differences(mine, theirs, QUESTIONS, {7: "Ann Bell"})}
    assert rows == {
        "3. Is risk analysed? - grade": ("Requires improvement", "Inadequate"),
        "3. Is risk analysed? - rationale": ("Partly evidenced in the record.", "No risk analysis."),
        "Overall grade": ("Requires improvement", "Good"),
        "Remedial actions": ("See the child alone. (Ann Bell, due 2026-12-03)", "-"),
    }
    assert differences(mine, mine, QUESTIONS) == []


# ------------------------------------------------------------------ working days (the default due date)
def test_due_date_across_a_weekend():
    assert default_due_date(date(2026, 11, 26)) == date(2026, 12, 3)  # Thu -> the next Thu


def test_due_date_skips_christmas_and_boxing_day():
    # Mon 21 Dec 2026: 22, 23, 24 Dec, then 25 (Fri) and 28 (Mon, Boxing Day substitute) are holidays.
    assert default_due_date(date(2026, 12, 21)) == date(2026, 12, 30)


def test_due_date_skips_easter():
    # Good Friday 3 April 2026 and Easter Monday 6 April 2026.
    assert default_due_date(date(2026, 4, 1)) == date(2026, 4, 10)


def test_due_date_skips_the_late_may_bank_holiday():
    # Fri 22 May 2026; Monday 25 May is the spring bank holiday: 26, 27, 28, 29 May and Mon 1 June.
    assert default_due_date(date(2026, 5, 22)) == date(2026, 6, 1)
