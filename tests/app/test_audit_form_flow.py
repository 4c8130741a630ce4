"""AppTest of what issue 17 added to audit entry: autosave through Save draft's path, the
"restored from" note and the unfinished-drafts list, the confirmation after Submit, and who
sees a safeguarding concern."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from db.audits.saving import save_draft, submit
from core.audit_rules import AnswerInput, AuditInput
from db.engine import get_engine
from db.models import Answer, Audit
from tests.app.conftest import page_test, texts
from tests.app.test_audit_entry import (
    ENTRY,
    OVERVIEW,
    a_case,
    complete_red_audit,
    db,
    neglect,
    scope,
    start,
    stored,
)
from tests.conftest import DEMO_TODAY
from tests.writes import one_action


def drafts_of_auditor(app_db) -> list[Audit]:
    with db(app_db) as session:
        auditor = scope(app_db, "auditor").user_id
        return list(session.exec(select(Audit).where(Audit.auditor_id == auditor, Audit.status == "draft")))


def test_autosave_waits_in_one_section_then_writes_the_draft_when_the_auditor_moves_on(app_db, monkeypatch):
    monkeypatch.setenv("AUDIT_AUTOSAVE_SECONDS", "600")  # only moving on to another section writes here
    before = {a.id for a in drafts_of_auditor(app_db)}
    at = page_test(ENTRY, "auditor")
    case = a_case(app_db, "auditor", "external", "Neglect and Long-term")
    questions = start(at, app_db, case)  # case, theme and work date: all in the first section
    assert {a.id for a in drafts_of_auditor(app_db)} == before  # still in the case section: nothing written

    first = questions[0]
    at.segmented_control(key=f"audit_entry_form_question_grade_{first.key}").set_value(2).run()  # moved on to the questions
    new = [a for a in drafts_of_auditor(app_db) if a.id not in before]
    assert len(new) == 1 and new[0].case_id == case.id
    assert at.query_params["audit"] == str(new[0].id)  # a reload reopens this draft
    assert "Draft saved automatically at" in texts(at)

    # The rationale of the same question waits (same section) until the next section changes.
    at.text_area(key=f"audit_entry_form_question_rationale_{first.key}").input("Meals are described, not analysed.").run()
    other_domain = next(q for q in questions if q.domain != first.domain)
    at.segmented_control(key=f"audit_entry_form_question_grade_{other_domain.key}").set_value(1).run()
    with db(app_db) as session:
        answers = {a.question_id: (a.grade, a.rationale)
                   for a in session.exec(select(Answer).where(Answer.audit_id == new[0].id))}
    assert answers[first.id] == (2, "Meals are described, not analysed.")
    assert answers[other_domain.id][0] == 1


def test_a_change_that_has_waited_long_enough_is_written_in_the_same_section(app_db, monkeypatch):
    monkeypatch.setenv("AUDIT_AUTOSAVE_SECONDS", "0")
    before = {a.id for a in drafts_of_auditor(app_db)}
    at = page_test(ENTRY, "auditor")
    start(at, app_db, a_case(app_db, "auditor", "external", "Neglect and Long-term"))
    assert len({a.id for a in drafts_of_auditor(app_db)} - before) == 1


def test_an_autosaved_action_keeps_its_identity_through_later_saves(app_db, monkeypatch):
    """An action written by autosave is the same action (same id, in the tracker's trail) when
    the draft is saved again, not deleted and raised anew."""
    from db.models import RemedialAction

    monkeypatch.setenv("AUDIT_AUTOSAVE_SECONDS", "0")  # every change is written at once
    at = page_test(ENTRY, "auditor")
    start(at, app_db, a_case(app_db, "auditor", "external", "Neglect and Long-term"))
    at.button(key="audit_entry_action_add").click().run()
    at.text_input(key="audit_entry_form_action_description_1").input("Complete a GCP2 with the family.").run()
    audit_id = int(at.query_params["audit"])

    def actions() -> list[tuple[int, str]]:
        with db(app_db) as session:
            return [(a.id, a.description) for a in
                    session.exec(select(RemedialAction).where(RemedialAction.audit_id == audit_id))]

    first = actions()
    assert [d for _, d in first] == ["Complete a GCP2 with the family."]
    at.text_area(key="audit_entry_form_learning_points").input("Use the GCP2 early.").run()
    at.text_input(key="audit_entry_form_action_description_1").input("Complete a GCP2 with the family this week.").run()
    at.button(key="audit_entry_save_draft").click().run()
    assert actions() == [(first[0][0], "Complete a GCP2 with the family this week.")]


def test_a_draft_reopened_in_a_new_session_says_when_it_was_saved_and_a_new_form_lists_it(app_db):
    theme, questions = neglect(app_db)
    case = a_case(app_db, "auditor", "external", "Neglect and Long-term")
    result = one_action(save_draft,
        AuditInput(case_id=case.id, theme_id=theme.id, answers={questions[0].id: AnswerInput(3, "Seen alone.")}),
        scope=scope(app_db, "auditor"), today=DEMO_TODAY, engine=get_engine(app_db))
    saved_at = stored(app_db, id=result.audit_id)[0].updated_at

    fresh = page_test(ENTRY, "auditor").run()
    links = " ".join(texts(fresh).split())
    assert "Your unfinished draft" in links and case.reference in links

    reopened = page_test(ENTRY, "auditor")
    reopened.query_params["audit"] = str(result.audit_id)
    reopened.run()
    note = next(i.value for i in reopened.info if i.value.startswith("Draft restored from"))
    from core.autosave import UK
    from datetime import timezone

    local = saved_at.replace(tzinfo=timezone.utc).astimezone(UK) if saved_at.tzinfo is None else saved_at.astimezone(UK)
    assert note.startswith(f"Draft restored from {local:%H:%M} on {local:%d/%m/%Y} (UK time)")
    assert re.search(r"\d{2}:\d{2} on \d{2}/\d{2}/\d{4}", note)
    assert reopened.segmented_control(key=f"audit_entry_form_question_grade_{questions[0].key}").value == 3


@pytest.mark.reference_day  # due dates written out for a Thursday with no bank holiday in the next week
def test_after_submit_a_confirmation_shows_the_rag_in_words_the_actions_due_and_next_steps(app_db):
    at = page_test(ENTRY, "auditor")
    questions = start(at, app_db, a_case(app_db, "auditor", "external", "Neglect and Long-term"))
    complete_red_audit(at, questions)
    at.button(key="audit_entry_save_submit").click().run()

    shown = texts(at)
    assert "Audit submitted:" in shown and "Overall RAG: Red (Inadequate)" in shown
    assert "Amending a submitted audit" not in shown
    due = at.dataframe[0].value
    # Two actions, due 5 working days after the audit date (today, 26/11/2026 a Thursday -> Thu 03/12/2026).
    assert list(due["Action"]) == ["Complete a GCP2 with the family.", "See Maya alone and record her words."]
    assert set(due["Due"]) == {f"{DEMO_TODAY + timedelta(days=7):%d/%m/%Y}"}
    assert [b.label for b in at.button if b.key in ("audit_entry_confirmation_another", "audit_entry_confirmation_amend")] == [
        "Audit another Neglect case", "Amend it"]
    assert "My audits" in shown

    at.button(key="audit_entry_confirmation_another").click().run()
    theme, _ = neglect(app_db)
    assert at.selectbox(key="audit_entry_form_theme_id").value == theme.id  # the same case list
    assert at.selectbox(key="audit_entry_form_case_id").value is None
    assert "Audit submitted:" not in texts(at)


def _concern(app_db) -> tuple[int, str]:
    case = a_case(app_db, "auditor", "external", "Assessment North")
    theme, questions = neglect(app_db)
    result = one_action(submit, AuditInput(
        case_id=case.id, theme_id=theme.id, work_date=DEMO_TODAY - timedelta(days=3), audit_date=DEMO_TODAY,
        answers={q.id: AnswerInput(1, "Not evidenced.") for q in questions}, lived_experience="Not described.",
        overall_grade=1, overall_rationale="Unsafe.", impact_for_child="Nothing yet.", no_action_reason="Case closed today by the court.",
        safeguarding_concern=True, safeguarding_action="Rang the duty manager.", safeguarding_told="Sam Patel"),
        scope=scope(app_db, "auditor"), today=DEMO_TODAY, engine=get_engine(app_db))
    assert result.ok
    return result.audit_id, case.reference


def test_business_support_is_told_who_acknowledges_a_concern_and_is_not_shown_one_it_cannot_act_on(app_db):
    audit_id, reference = _concern(app_db)
    at = page_test(OVERVIEW, "support").run()
    shown = texts(at)
    assert "awaiting acknowledgement by the team's manager or an auditor" in shown
    assert reference not in shown and "Rang the duty manager." not in shown
    assert not [b for b in at.button if (b.key or "").startswith("overview_concern_acknowledge_")]
    manager = page_test(OVERVIEW, "manager").run()  # the team's manager still sees it in full, to act
    assert reference in texts(manager) and any(b.key == f"overview_concern_acknowledge_{audit_id}" for b in manager.button)


def test_autosave_never_overwrites_a_draft_saved_elsewhere_meanwhile(app_db, monkeypatch):
    monkeypatch.setenv("AUDIT_AUTOSAVE_SECONDS", "600")
    theme, questions = neglect(app_db)
    case = a_case(app_db, "auditor", "external", "Neglect and Long-term")
    auditor = scope(app_db, "auditor")
    first = one_action(save_draft, AuditInput(case_id=case.id, theme_id=theme.id), scope=auditor, today=DEMO_TODAY,
                              engine=get_engine(app_db))
    at = page_test(ENTRY, "auditor")
    at.query_params["audit"] = str(first.audit_id)
    at.run()
    # Another tab saves the draft first.
    other = one_action(save_draft,
        AuditInput(case_id=case.id, theme_id=theme.id, answers={questions[0].id: AnswerInput(4, "Other tab.")}),
        scope=auditor, audit_id=first.audit_id, expected_version=first.version, today=DEMO_TODAY,
        engine=get_engine(app_db))
    assert other.ok
    at.segmented_control(key=f"audit_entry_form_question_grade_{questions[0].key}").set_value(1)
    other_domain = next(q for q in questions if q.domain != questions[0].domain)
    at.segmented_control(key=f"audit_entry_form_question_grade_{other_domain.key}").set_value(2).run()  # moved on: autosave tries
    assert any("someone else saved this draft" in w.value for w in at.warning)
    with db(app_db) as session:
        answer = session.exec(select(Answer).where(Answer.audit_id == first.audit_id,
                                                   Answer.question_id == questions[0].id)).one()
    assert (answer.grade, answer.rationale) == (4, "Other tab.")  # theirs stands
    assert at.segmented_control(key=f"audit_entry_form_question_grade_{questions[0].key}").value == 1  # and mine is still on screen
