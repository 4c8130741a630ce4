"""AppTest: blind grading uses audit entry's one-click grade buttons (with the RAG badge beside
them), and the moderator's rationale for each question reaches the feedback the audited manager reads."""
from __future__ import annotations

from sqlmodel import Session

from db.moderation import grading as mg
from db.engine import get_engine
from db.users import load_signed_in
from tests.app.test_moderation import AGREEMENT, FEEDBACK, assigned_manager_audit, open_page


def test_blind_grades_are_one_click_buttons_whose_rag_badge_shows_at_once(app_db):
    _, moderation_id = assigned_manager_audit(app_db)
    at = open_page("auditor", moderation_id)
    buttons = [b for b in at.segmented_control if (b.key or "").startswith(f"moderation_blind_grade_{moderation_id}_")]
    assert len(buttons) >= 5
    first = buttons[0]
    assert first.label == "Your grade for question 1"
    assert first.options[:4] == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    assert not any("R · Inadequate" in md.value for md in at.markdown)
    first.set_value(1).run()  # Inadequate: the badge beside it says so, in words, before anything is submitted
    assert any(md.value == ":red-badge[R · Inadequate]" for md in at.markdown)
    assert at.segmented_control(key=f"moderation_blind_overall_{moderation_id}").label == "Your overall grade"


def test_the_managers_feedback_shows_the_moderators_rationale_for_each_question(app_db):
    _, moderation_id = assigned_manager_audit(app_db, marked=False)
    with Session(get_engine(app_db)) as s:
        auditor = load_signed_in(s, "auditor").scope
        blind = mg.load_blind(s, auditor, moderation_id)
        grades = {q.question_id: 2 for q in blind.questions}
        first_question = blind.questions[0]
        rationales = {first_question.question_id: "The chronology stops in March; nothing on the father."}
        mg.submit_blind(s, auditor, moderation_id, grades=grades, rationales=rationales, overall=2,
                       overall_rationale="Good in parts.")
        mg.complete(s, auditor, moderation_id, agreed=grades, agreed_overall=2, feedback=FEEDBACK)
        s.commit()
    at = open_page("manager", path=AGREEMENT, tab="Feedback on my audits")
    # Each completed moderation of the manager's audits has its outcome table; the one completed here is
    # found by its rationale (its place in the list depends on the demo's dates against the real clock).
    outcomes = [f.value for f in at.dataframe if "Moderator's rationale" in f.value.columns]
    ours = [o for o in outcomes if "The chronology stops in March; nothing on the father." in set(o["Moderator's rationale"])]
    assert len(ours) == 1
    by_question = dict(zip(ours[0]["#"], ours[0]["Moderator's rationale"]))
    assert by_question[first_question.position] == "The chronology stops in March; nothing on the father."
