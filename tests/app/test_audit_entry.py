"""AppTest of audit entry: the entry page (filling, a failed rule, drafts, resuming, submitting,
amending, the save conflict), My audits, the read-only audit page and acknowledging concerns."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from db.audits.choices import CaseChoice, find_cases, practitioner_choices, question_rules, team_choices, theme_choices
from db.audits.saving import submit
from core.audit_rules import AnswerInput, AuditInput
from core.workdays import default_due_date
from db.engine import get_engine, write_session
from db.models import Audit, Moderation, RemedialAction, User
from db.users import load_signed_in
from tests.app.conftest import page_test, texts
from tests.conftest import DEMO_TODAY
from tests.writes import one_action

ENTRY, MY_AUDITS, VIEW, OVERVIEW = "pages/audit_entry.py", "pages/my_audits.py", "pages/audit_view.py", "pages/overview.py"
NARRATIVE = (
    "Maya is seven. The record shows she often arrives at school hungry and in the same clothes, misses "
    "breakfast club, and told her teacher she looks after her baby brother when her mother sleeps in the day."
)


# ------------------------------------------------------------------ helpers
def db(app_db) -> Session:
    return Session(get_engine(app_db), expire_on_commit=False)


def scope(app_db, username: str):
    with db(app_db) as session:
        return load_signed_in(session, username).scope


def neglect(app_db):
    with db(app_db) as session:
        theme = next(t for t in theme_choices(session) if t.code == "neglect")
        return theme, question_rules(session, theme.template_version_id)


def a_case(app_db, username: str, kind: str, team: str) -> CaseChoice:
    with db(app_db) as session:
        return next(c for c in find_cases(session, scope(app_db, username), kind) if c.team == team)


def start(at, app_db, case: CaseChoice):
    """Choose the case and the Neglect theme, and date the work."""
    theme, questions = neglect(app_db)
    at.run()
    at.selectbox(key="audit_entry_form_case_id").set_value(case.id).run()
    at.selectbox(key="audit_entry_form_theme_id").set_value(theme.id).run()
    at.date_input(key="audit_entry_form_work_date").set_value(DEMO_TODAY - timedelta(days=4)).run()
    return questions


def grade_all(at, questions, grade: int, skip_rationale: str | None = None) -> None:
    for q in questions:
        at.segmented_control(key=f"audit_entry_form_question_grade_{q.key}").set_value(grade)
        if q.key != skip_rationale:
            at.text_area(key=f"audit_entry_form_question_rationale_{q.key}").input(f"{q.key}: the record shows little of this.")
    at.run()


def complete_red_audit(at, questions, skip_rationale: str | None = None) -> None:
    grade_all(at, questions, 1, skip_rationale)
    at.text_area(key="audit_entry_form_lived_experience").input(NARRATIVE)
    at.segmented_control(key="audit_entry_form_overall_grade").set_value(1)
    at.text_area(key="audit_entry_form_overall_rationale").input("Neglect is described, not analysed.")
    at.text_area(key="audit_entry_form_impact_for_child").input("None yet.")
    at.radio(key="audit_entry_form_safeguarding_concern").set_value(True).run()
    at.text_area(key="audit_entry_form_safeguarding_action").input("Rang the team manager; strategy discussion booked.")
    at.text_input(key="audit_entry_form_safeguarding_told").input("Sam Patel, team manager")
    at.button(key="audit_entry_action_add").click().run()
    at.text_input(key="audit_entry_form_action_description_1").input("Complete a GCP2 with the family.")
    at.button(key="audit_entry_action_add").click().run()
    at.text_input(key="audit_entry_form_action_description_2").input("See Maya alone and record her words.").run()


def stored(app_db, **where) -> list[Audit]:
    with db(app_db) as session:
        statement = select(Audit)
        for name, value in where.items():
            statement = statement.where(getattr(Audit, name) == value)
        return list(session.exec(statement.order_by(Audit.id)))


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


# ------------------------------------------------------------------ who may enter what
def test_an_auditor_chooses_any_teams_case_and_a_manager_only_their_teams(app_db):
    auditor = page_test(ENTRY, "auditor").run()
    assert not auditor.exception and auditor.title[0].value == "Enter an audit"
    assert "external audit" in texts(auditor)
    auditor_cases = auditor.selectbox(key="audit_entry_form_case_id").options
    assert {option.split(" · ")[1] for option in auditor_cases} >= {"Assessment North", "Child Protection",
                                                                     "Neglect and Long-term"}
    manager = page_test(ENTRY, "manager").run()
    assert "internal audit" in texts(manager)
    assert {option.split(" · ")[1] for option in manager.selectbox(key="audit_entry_form_case_id").options} == {"Assessment North"}
    assert manager.selectbox(key="audit_entry_form_new_case_team_id").options == ["Assessment North"]
    # Nothing to save before a case and a theme are chosen.
    assert "Choose the case and the theme" in texts(manager)
    assert not any(b.key == "audit_entry_save_submit" for b in manager.button)


def test_with_very_many_cases_the_database_finds_the_reference_typed(app_db, monkeypatch):
    monkeypatch.setattr("ui.audit_form.sections.CASE_LIST_LIMIT", 10)
    case = a_case(app_db, "auditor", "external", "Child Protection")
    at = page_test(ENTRY, "auditor").run()
    assert at.selectbox(key="audit_entry_form_case_id").options == []
    at.text_input(key="audit_entry_form_case_search").input(case.reference[-5:]).run()
    options = at.selectbox(key="audit_entry_form_case_id").options
    assert 1 <= len(options) <= 10 and any(o.startswith(case.reference) for o in options)
    at.selectbox(key="audit_entry_form_case_id").set_value(case.id).run()
    at.text_input(key="audit_entry_form_case_search").input("").run()
    assert at.selectbox(key="audit_entry_form_case_id").value == case.id  # the chosen case stays on offer


@pytest.mark.parametrize("username", ["sponsor", "support", "admin"])
def test_other_roles_cannot_enter_audits_or_see_my_audits(username):
    for path in (ENTRY, MY_AUDITS):
        at = page_test(path, username).run()
        assert any("do not have access" in e.value for e in at.error)
        assert not at.selectbox and not at.text_area


# ------------------------------------------------------------------ filling and submitting
def test_filling_shows_each_grades_rag_colour_and_defaults_actions(app_db):
    at = page_test(ENTRY, "auditor")
    case = a_case(app_db, "auditor", "external", "Neglect and Long-term")
    questions = start(at, app_db, case)
    assert [c.value for c in at.caption if c.value.startswith("Good looks like")][0].startswith(
        "Good looks like: A current GCP2")
    at.segmented_control(key=f"audit_entry_form_question_grade_{questions[0].key}").set_value(1).run()
    at.segmented_control(key=f"audit_entry_form_question_grade_{questions[1].key}").set_value(2).run()
    at.segmented_control(key="audit_entry_form_overall_grade").set_value(4).run()
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert ":red-badge[R · Inadequate]" in badges and ":orange-badge[A · Requires improvement]" in badges
    assert ":green-badge[G · Outstanding]" in badges and badges.count(":gray-badge[Not graded]") == 6

    at.button(key="audit_entry_action_add").click().run()
    assert at.selectbox(key="audit_entry_form_action_owner_id_1").value == case.practitioner_id
    assert at.date_input(key="audit_entry_form_action_due_on_1").value == default_due_date(DEMO_TODAY)
    # The due date follows the audit date while it is still the default.
    earlier = DEMO_TODAY - timedelta(days=1)
    at.date_input(key="audit_entry_form_audit_date").set_value(earlier).run()
    assert at.date_input(key="audit_entry_form_action_due_on_1").value == default_due_date(earlier)


def test_a_failed_rule_is_shown_at_its_field_keeps_every_input_and_is_fixed(app_db):
    before = len(stored(app_db))
    submitted_before = len(stored(app_db, status="submitted"))
    at = page_test(ENTRY, "auditor")
    questions = start(at, app_db, a_case(app_db, "auditor", "external", "Neglect and Long-term"))
    complete_red_audit(at, questions, skip_rationale="drift")

    at.button(key="audit_entry_save_submit").click().run()

    assert "1 thing to put right before this audit can be submitted" in errors(at)
    assert "Write the rationale for this grade: what in the record shows it." in errors(at)
    assert len(stored(app_db, status="submitted")) == submitted_before  # nothing submitted (autosave kept a draft)
    assert at.text_area(key="audit_entry_form_lived_experience").value == NARRATIVE
    assert at.text_input(key="audit_entry_form_action_description_2").value == "See Maya alone and record her words."
    assert at.segmented_control(key="audit_entry_form_overall_grade").value == 1

    at.text_area(key="audit_entry_form_question_rationale_drift").input("Drift: nine months at the same level.").run()
    assert "Write the rationale" not in errors(at)  # the message goes as soon as the rule is met
    at.button(key="audit_entry_save_submit").click().run()

    assert "Audit submitted:" in texts(at)
    audit = stored(app_db)[-1]
    assert len(stored(app_db)) == before + 1
    assert (audit.status, audit.kind, audit.overall_grade, audit.safeguarding_concern) == ("submitted", "external", 1, True)
    with db(app_db) as session:
        actions = session.exec(select(RemedialAction).where(RemedialAction.audit_id == audit.id)).all()
    assert sorted(a.description for a in actions) == ["Complete a GCP2 with the family.",
                                                      "See Maya alone and record her words."]
    # The confirmation offers amending: the form is then the submitted audit.
    assert at.query_params["audit"] == str(audit.id)
    at.button(key="audit_entry_confirmation_amend").click().run()
    assert any(b.key == "audit_entry_save_amend" for b in at.button)


def test_a_good_overall_with_an_inadequate_limiting_question_asks_for_the_override(app_db):
    at = page_test(ENTRY, "auditor")
    questions = start(at, app_db, a_case(app_db, "auditor", "external", "Child Protection"))
    grade_all(at, questions, 3)
    at.segmented_control(key="audit_entry_form_question_grade_risk").set_value(1)
    at.segmented_control(key="audit_entry_form_overall_grade").set_value(3).run()
    assert any("a limiting question) is Inadequate" in w.value for w in at.warning)
    assert at.text_area(key="audit_entry_form_limiting_override_reason").value == ""
    at.button(key="audit_entry_save_submit").click().run()
    assert "give the reason for overriding the limiting judgement" in errors(at)


def test_a_red_audit_without_actions_asks_why(app_db):
    at = page_test(ENTRY, "auditor")
    questions = start(at, app_db, a_case(app_db, "auditor", "external", "Child Protection"))
    grade_all(at, questions, 2)
    at.segmented_control(key="audit_entry_form_overall_grade").set_value(1).run()
    assert at.text_area(key="audit_entry_form_no_action_reason").label == "Reason for raising no remedial action"
    at.button(key="audit_entry_save_submit").click().run()
    assert "A Red (Inadequate) audit with no remedial action needs the reason" in errors(at)


def test_a_new_case_reference_that_is_a_name_is_refused_and_a_real_one_is_added(app_db):
    at = page_test(ENTRY, "auditor").run()
    with db(app_db) as session:
        team = next(t for t in team_choices(session, scope(app_db, "auditor"), "external")
                    if t.name == "Child Protection")
        practitioner = practitioner_choices(session, team.id)[0]
    at.text_input(key="audit_entry_form_new_case_reference").input("Jane Smith")
    at.selectbox(key="audit_entry_form_new_case_team_id").set_value(team.id).run()
    at.selectbox(key="audit_entry_form_new_case_practitioner_id").set_value(practitioner.id)
    at.button(key="audit_entry_new_case_add").click().run()
    assert "This looks like a name" in errors(at)
    at.text_input(key="audit_entry_form_new_case_reference").input("mos-445566")
    at.button(key="audit_entry_new_case_add").click().run()
    assert "Case MOS-445566 added to Child Protection." in texts(at)
    chosen = at.selectbox(key="audit_entry_form_case_id")
    assert chosen.value is not None and chosen.options[chosen.index].startswith("MOS-445566")
    assert f"allocated practitioner: {practitioner.name}" in texts(at)


# ------------------------------------------------------------------ drafts and resuming
def test_a_draft_is_saved_with_fields_missing_and_resumed_in_a_new_session(app_db):
    at = page_test(ENTRY, "auditor")
    case = a_case(app_db, "auditor", "external", "Neglect and Long-term")
    questions = start(at, app_db, case)
    at.segmented_control(key=f"audit_entry_form_question_grade_{questions[2].key}").set_value(2)
    at.text_area(key=f"audit_entry_form_question_rationale_{questions[2].key}").input("Some description of meals, no analysis.")
    at.text_area(key="audit_entry_form_lived_experience").input("Half-written narrative")
    at.button(key="audit_entry_save_draft").click().run()

    assert "Draft saved. Resume it any time from My audits." in texts(at)
    audit_id = int(at.query_params["audit"])
    assert stored(app_db, id=audit_id)[0].status == "draft"

    mine = page_test(MY_AUDITS, "auditor").run()
    assert "Drafts (1)" in texts(mine)
    assert f"[Resume](audit_entry?audit={audit_id})" in texts(mine)

    resumed = page_test(ENTRY, "auditor")
    resumed.query_params["audit"] = str(audit_id)
    resumed.run()
    assert not resumed.exception
    assert f"Draft {audit_id}" in texts(resumed)
    assert resumed.selectbox(key="audit_entry_form_case_id").value == case.id
    assert resumed.segmented_control(key=f"audit_entry_form_question_grade_{questions[2].key}").value == 2
    assert resumed.text_area(key=f"audit_entry_form_question_rationale_{questions[2].key}").value == "Some description of meals, no analysis."
    assert resumed.text_area(key="audit_entry_form_lived_experience").value == "Half-written narrative"
    assert resumed.segmented_control(key="audit_entry_form_overall_grade").value is None


def _place_on_the_page(at, widget_key: str) -> int:
    """Which of the page's top-level elements holds the widget ``widget_key``."""
    def holds(node) -> bool:
        return getattr(node, "key", None) == widget_key or any(holds(c) for c in getattr(node, "children", {}).values())

    return next(index for index, child in at.main.children.items() if holds(child))


def test_the_form_parts_keep_their_place_when_notes_above_them_change(app_db):
    """A part of the form is a fragment known by where it is drawn. Notes above the form come and go
    (here the draft's number, once the audit becomes a draft): the parts must not move, or a part
    rerun queued before the move is drawn where it used to be, over another part (in the browser the
    form showed a question twice)."""
    at = page_test(ENTRY, "auditor")
    questions = start(at, app_db, a_case(app_db, "auditor", "external", "Neglect and Long-term"))
    grade = f"audit_entry_form_question_grade_{questions[0].key}"
    lived, overall = "audit_entry_form_lived_experience", "audit_entry_form_overall_grade"
    before = [_place_on_the_page(at, key) for key in (grade, lived, overall)]
    assert "Draft " not in texts(at)
    at.button(key="audit_entry_save_draft").click().run()
    assert f"Draft {int(at.query_params['audit'])} · resume it any time" in texts(at)  # a note appeared above
    assert [_place_on_the_page(at, key) for key in (grade, lived, overall)] == before


def test_going_to_another_page_and_back_loses_nothing(app_db):
    at = page_test("app.py", "auditor").run()
    at.switch_page(ENTRY).run()
    questions = start(at, app_db, a_case(app_db, "auditor", "external", "Child Protection"))
    at.segmented_control(key=f"audit_entry_form_question_grade_{questions[0].key}").set_value(3)
    at.text_area(key=f"audit_entry_form_question_rationale_{questions[0].key}").input("A current GCP2 drives the plan.").run()
    at.switch_page(MY_AUDITS).run()
    assert at.title[0].value == "My audits"
    at.switch_page(ENTRY).run()
    assert at.segmented_control(key=f"audit_entry_form_question_grade_{questions[0].key}").value == 3
    assert at.text_area(key=f"audit_entry_form_question_rationale_{questions[0].key}").value == "A current GCP2 drives the plan."

    # A saved draft is what the page shows again when one comes back through the menu.
    at.button(key="audit_entry_save_draft").click().run()
    audit_id = at.query_params["audit"]
    at.switch_page(MY_AUDITS).run()
    at.switch_page(ENTRY).run()
    assert at.query_params.get("audit") == audit_id
    assert at.text_area(key=f"audit_entry_form_question_rationale_{questions[0].key}").value == "A current GCP2 drives the plan."
    # Until one starts another audit.
    at.button(key="audit_entry_start_another").click().run()
    assert at.selectbox(key="audit_entry_form_case_id").value is None and not at.query_params.get("audit")


def test_someone_elses_audit_opens_read_only_and_a_moderated_one_cannot_be_amended(app_db):
    with db(app_db) as session:
        manager_id = session.exec(select(User.id).where(User.username == "manager")).one()
        others = session.exec(select(Audit).where(Audit.status == "submitted", Audit.auditor_id != manager_id)).first()
        own = session.exec(select(Audit).where(Audit.auditor_id == manager_id).order_by(Audit.id.desc())).first()
    with write_session(get_engine(app_db)) as session:
        session.add(Moderation(audit_id=own.id, moderator_id=1, status="completed"))
    at = page_test(ENTRY, "manager")
    at.query_params["audit"] = str(others.id)
    at.run()
    assert "does not exist, or you cannot see it" in errors(at) or \
        "Only the auditor who entered this audit can change it" in texts(at)
    assert not at.text_area

    at = page_test(ENTRY, "manager")
    at.query_params["audit"] = str(own.id)
    at.run()
    assert "has been moderated, so it can no longer be amended" in texts(at)
    assert f"[Open the audit read-only](audit_view?audit={own.id})" in texts(at)
    assert not at.text_area


def test_an_auditor_opening_another_auditors_audit_gets_the_read_only_link(app_db):
    with db(app_db) as session:
        others = session.exec(select(Audit).where(Audit.status == "submitted", Audit.auditor_id != 1,
                                                  Audit.kind == "external")).first()
    at = page_test(ENTRY, "auditor")
    at.query_params["audit"] = str(others.id)
    at.run()
    assert "Only the auditor who entered this audit can change it" in texts(at)
    assert f"[Open the audit read-only](audit_view?audit={others.id})" in texts(at)
    assert not at.text_area


def test_the_author_amends_a_submitted_audit(app_db):
    form_scope = scope(app_db, "auditor")
    theme, questions = neglect(app_db)
    case = a_case(app_db, "auditor", "external", "Child Protection")
    result = one_action(submit, AuditInput(
        case_id=case.id, theme_id=theme.id, work_date=DEMO_TODAY - timedelta(days=3), audit_date=DEMO_TODAY,
        answers={q.id: AnswerInput(2, "Partly evidenced.") for q in questions}, lived_experience="Not described.",
        overall_grade=2, overall_rationale="Some analysis.", impact_for_child="A little."), scope=form_scope,
        today=DEMO_TODAY, engine=get_engine(app_db))
    at = page_test(ENTRY, "auditor")
    at.query_params["audit"] = str(result.audit_id)
    at.run()
    assert "Amending a submitted audit" in texts(at)
    assert not any(s.key == "audit_entry_form_case_id" for s in at.selectbox)  # case and theme are fixed once submitted
    at.text_area(key="audit_entry_form_overall_rationale").input("Some analysis; the plan is not SMART.")
    at.button(key="audit_entry_save_amend").click().run()
    assert "Amendment saved." in texts(at)
    assert stored(app_db, id=result.audit_id)[0].overall_rationale == "Some analysis; the plan is not SMART."


# ------------------------------------------------------------------ the save conflict
def test_two_tabs_saving_the_same_draft_the_second_sees_both_and_keeps_its_input(app_db):
    first = page_test(ENTRY, "auditor")
    questions = start(first, app_db, a_case(app_db, "auditor", "external", "Neglect and Long-term"))
    first.text_area(key="audit_entry_form_overall_rationale").input("Started.")
    first.button(key="audit_entry_save_draft").click().run()
    audit_id = first.query_params["audit"]

    second = page_test(ENTRY, "auditor")
    second.query_params["audit"] = audit_id
    second.run()
    first.text_area(key="audit_entry_form_overall_rationale").input("Tab one: the risk analysis is missing.")
    first.button(key="audit_entry_save_draft").click().run()
    assert "Draft saved." in texts(first)

    second.text_area(key="audit_entry_form_overall_rationale").input("Tab two: no contingency plan.")
    second.button(key="audit_entry_save_draft").click().run()

    warning = "\n".join(w.value for w in second.warning)
    assert "Not saved: this audit was saved by auditor" in warning and "Nothing you typed is lost" in warning
    both = second.dataframe[0].value
    row = both[both["Field"] == "Overall rationale"].iloc[0]
    assert (row["Saved version"], row["Yours (not saved)"]) == ("Tab one: the risk analysis is missing.",
                                                                "Tab two: no contingency plan.")
    assert second.text_area(key="audit_entry_form_overall_rationale").value == "Tab two: no contingency plan."
    assert stored(app_db, id=int(audit_id))[0].overall_rationale == "Tab one: the risk analysis is missing."

    second.button(key="audit_entry_conflict_keep_mine").click().run()
    assert "Draft saved." in texts(second)
    assert stored(app_db, id=int(audit_id))[0].overall_rationale == "Tab two: no contingency plan."

    # The first tab is now behind: it takes the saved version instead.
    first.text_area(key="audit_entry_form_impact_for_child").input("Tab one again.")
    first.button(key="audit_entry_save_draft").click().run()
    assert any("Not saved" in w.value for w in first.warning)
    first.button(key="audit_entry_conflict_take_theirs").click().run()
    assert first.text_area(key="audit_entry_form_overall_rationale").value == "Tab two: no contingency plan."
    assert first.text_area(key="audit_entry_form_impact_for_child").value == ""
    assert not any("Not saved" in w.value for w in first.warning)
    assert len(questions) == 8


# ------------------------------------------------------------------ My audits
def test_my_audits_lists_drafts_and_submitted_with_filters(app_db):
    at = page_test(MY_AUDITS, "auditor").run()
    assert not at.exception and at.title[0].value == "My audits"
    assert "Drafts (0)" in texts(at)
    submitted_count = int(next(s.value for s in at.subheader if s.value.startswith("Submitted")).split("(")[1][:-1])
    with db(app_db) as session:
        mine = session.exec(select(Audit).where(Audit.auditor_id == 1)).all()
    assert submitted_count == len(mine) > 50
    frame = at.dataframe[0].value
    assert set(frame["Kind"]) == {"External"} and frame["Overall"].str.match(r"^[RAG] · ").all()
    # The list is paged on the server: 50 rows a page, with what is not shown counted.
    assert len(frame) == 50 and f"Audits 1 to 50 of {submitted_count}" in texts(at)
    at.number_input(key="my_audits_submitted_page").set_value(2).run()
    second = at.dataframe[0].value
    assert f"Audits 51 to {min(100, submitted_count)} of {submitted_count}" in texts(at)
    assert len(second) == min(50, submitted_count - 50)
    at.number_input(key="my_audits_submitted_page").set_value(1).run()

    theme, _ = neglect(app_db)
    at.selectbox(key="my_audits_filter_theme").set_value(theme.id).run()
    assert set(at.dataframe[0].value["Theme"]) == {"Neglect"}
    reference = at.dataframe[0].value["Case"].iloc[0]
    at.text_input(key="my_audits_filter_reference").input(reference).run()
    assert list(at.dataframe[0].value["Case"]) == [reference]
    at.selectbox(key="my_audits_filter_status").set_value("draft").run()
    assert "No drafts match" in texts(at) and not at.dataframe


def test_my_audits_draws_the_ten_most_recent_drafts_and_counts_the_rest(app_db):
    from sqlmodel import update

    from db.events import record

    with db(app_db) as session:
        ids = session.exec(select(Audit.id).where(Audit.auditor_id == 1).order_by(Audit.id).limit(12)).all()

    def back_to_draft(session):
        session.exec(update(Audit).where(Audit.id.in_(ids)).values(status="draft"))
        record(session, "auditor", "audit.save", "audit", ids[0])

    at = page_test(MY_AUDITS, "auditor").run()
    assert "Drafts (0)" in texts(at)
    one_action(back_to_draft, engine=get_engine(app_db))
    at.run()  # the lists are cached until the next write (ui.cache): this one shows at once
    # 12 drafts: all counted, the 10 most recently saved drawn as cards to resume, the rest found by filters.
    assert "Drafts (12)" in texts(at)
    assert "The 10 most recently saved are shown; narrow the filters to find the others." in texts(at)
    # (outside the router a page link is drawn as a Markdown link: "[Resume](audit_entry?audit=<id>)")
    resume = [m for m in at.markdown if m.value.startswith("[Resume](audit_entry?audit=")]
    assert len(resume) == 10


def test_my_audits_opens_view_and_amend_links_for_a_chosen_audit(app_db):
    at = page_test(MY_AUDITS, "auditor").run()
    with db(app_db) as session:
        audit = session.exec(select(Audit).where(Audit.auditor_id == 1, Audit.status == "submitted")
                             .order_by(Audit.updated_at.desc(), Audit.id.desc())).first()  # top of page 1
    at.selectbox(key="my_audits_submitted_open").set_value(audit.id).run()
    shown = texts(at)
    assert f"[View it](audit_view?audit={audit.id})" in shown
    assert f"[Amend it](audit_entry?audit={audit.id})" in shown


# ------------------------------------------------------------------ the read-only view
def test_the_audit_page_shows_grades_actions_and_moderation_read_only(app_db):
    with db(app_db) as session:
        red = session.exec(select(Audit).join(RemedialAction, RemedialAction.audit_id == Audit.id)
                           .where(Audit.kind == "external")).first()
        moderated = session.exec(select(Audit).where(Audit.moderated_overall_grade.is_not(None))).first()
        action = session.exec(select(RemedialAction).where(RemedialAction.audit_id == red.id)).first()
    at = page_test(VIEW, "support")
    at.query_params["audit"] = str(red.id)
    at.run()
    assert not at.exception and not at.text_area and not at.segmented_control
    shown = texts(at)
    assert action.description in shown
    assert "Questions" in [h.value for h in at.header]
    assert any("-badge[" in m.value for m in at.markdown)

    at = page_test(VIEW, "auditor")
    at.query_params["audit"] = str(moderated.id)
    at.run()
    assert "Moderated: the agreed overall grade is" in texts(at)


def test_the_audit_page_refuses_other_teams_to_a_manager_and_needs_an_audit(app_db):
    manager = scope(app_db, "manager")
    with db(app_db) as session:
        outside = session.exec(select(Audit).where(Audit.team_id.not_in(sorted(manager.managed_team_ids)))).first()
    at = page_test(VIEW, "manager")
    at.query_params["audit"] = str(outside.id)
    at.run()
    assert "does not exist, or you cannot see it" in errors(at)
    assert not at.table and not at.dataframe
    at = page_test(VIEW, "manager").run()
    assert "Open an audit from My audits" in texts(at)


# ------------------------------------------------------------------ safeguarding
def test_the_manager_acknowledges_a_concern_on_the_overview_and_it_leaves_every_page(app_db):
    case = a_case(app_db, "auditor", "external", "Assessment North")
    theme, questions = neglect(app_db)
    result = one_action(submit, AuditInput(
        case_id=case.id, theme_id=theme.id, work_date=DEMO_TODAY - timedelta(days=3), audit_date=DEMO_TODAY,
        answers={q.id: AnswerInput(1, "Not evidenced.") for q in questions}, lived_experience="Not described.",
        overall_grade=1, overall_rationale="Unsafe.", impact_for_child="Nothing yet.", no_action_reason="Case closed today by the court.",
        safeguarding_concern=True, safeguarding_action="Rang the duty manager.", safeguarding_told="Sam Patel"),
        scope=scope(app_db, "auditor"), today=DEMO_TODAY, engine=get_engine(app_db))
    assert result.ok

    author = page_test(ENTRY, "auditor").run()
    assert case.reference in texts(author)
    assert not any(b.key == f"audit_entry_concern_acknowledge_{result.audit_id}" for b in author.button)  # not one's own concern

    at = page_test(OVERVIEW, "manager").run()
    assert case.reference in texts(at) and "Rang the duty manager." in texts(at)
    at.button(key=f"overview_concern_acknowledge_{result.audit_id}").click().run()
    assert "Concern acknowledged" in texts(at)
    assert case.reference not in texts(at)
    assert stored(app_db, id=result.audit_id)[0].safeguarding_ack_at is not None
    mine = page_test(MY_AUDITS, "auditor").run()
    assert not any(case.reference in m.value for m in mine.markdown)  # no longer in the concerns at the top


def test_a_sponsor_overview_never_shows_a_concern(app_db):
    at = page_test(OVERVIEW, "sponsor").run()
    assert "safeguarding concern" not in texts(at)
    assert not [b for b in at.button if (b.key or "").startswith("overview_concern_acknowledge_")]


def test_the_cached_case_list_is_per_user_scope(app_db):
    """The auditor's cached list of every team's cases never reaches a manager."""
    assert len(page_test(ENTRY, "auditor").run().selectbox(key="audit_entry_form_case_id").options) > 100
    manager = page_test(ENTRY, "manager").run()
    assert {o.split(" · ")[1] for o in manager.selectbox(key="audit_entry_form_case_id").options} == {"Assessment North"}
