"""Data layer of audit entry (SQLite and PostgreSQL): cases, drafts, submission, amendment,
atomic saves, conflicts, the event trail, My audits and safeguarding acknowledgement."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

import db.audits.saving as saving
from db.audits.choices import (
    AuditEntryError,
    CaseChoice,
    create_case,
    find_cases,
    practitioner_choices,
    question_rules,
    team_choices,
    theme_choices,
)
from db.audits.detail import audit_detail
from db.audits.my_audits import MyAuditFilters, count_my_audits, my_audits
from db.audits.safeguarding import acknowledge_concern, unacknowledged_concerns
from db.audits.saving import amend, load_for_edit, save_draft, submit
from core.audit_rules import ActionInput, AnswerInput, AuditInput
from core.grades import Grade
from core.templates import parse_template
from core.workdays import default_due_date
from db.engine import get_engine, is_sqlite, write_session
from db.models import Answer, Audit, Case, Event, Moderation, RemedialAction, Team, User
from db.templates import load_template
from db.users import load_signed_in
from tests.conftest import DEMO_TODAY
from tests.writes import one_action

NARRATIVE = (
    "Maya is seven and lives with her mother and two brothers. The record shows she often arrives at school "
    "hungry and in the same clothes, misses breakfast club, and told her teacher she looks after her baby brother "
    "when her mother sleeps in the day."
)


def fresh(session: Session) -> Session:
    """The session, in a new transaction: it sees what the writes under test committed."""
    session.rollback()
    return session


def scope_of(session: Session, username: str):
    return load_signed_in(session, username).scope


def neglect(session: Session):
    theme = next(t for t in theme_choices(session) if t.code == "neglect")
    return theme, question_rules(session, theme.template_version_id)


def a_case(session: Session, scope, kind: str = "external", team: str | None = None) -> CaseChoice:
    cases = find_cases(session, scope, kind)
    if team:
        cases = [c for c in cases if c.team == team]
    return cases[0]


def complete_form(session: Session, case: CaseChoice, *, overall: Grade = Grade.INADEQUATE,
                  kind: str = "external") -> AuditInput:
    theme, questions = neglect(session)
    grades = {q.id: Grade.REQUIRES_IMPROVEMENT for q in questions}
    return AuditInput(
        case_id=case.id, theme_id=theme.id, kind=kind, work_date=DEMO_TODAY - timedelta(days=6),
        audit_date=DEMO_TODAY,
        answers={q.id: AnswerInput(int(grades[q.id]), f"Evidence for {q.key} is partial in the record.") for q in questions},
        lived_experience=NARRATIVE, overall_grade=int(overall), overall_rationale="Risk is not analysed.",
        impact_for_child="Little has changed for the child yet.", safeguarding_concern=True,
        safeguarding_action="Rang the duty manager; strategy discussion booked.", safeguarding_told="Team manager",
        actions=[
            ActionInput("Complete a GCP2 with the family.", case.practitioner_id, default_due_date(DEMO_TODAY)),
            ActionInput("See Maya alone and record her words.", case.practitioner_id, default_due_date(DEMO_TODAY)),
        ],
    )


def count(session: Session, model, *where) -> int:
    session.rollback()  # a new transaction sees what the writes committed
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def events(session: Session, audit_id: int) -> list[Event]:
    session.rollback()  # a new transaction sees what the writes committed
    return list(session.exec(select(Event).where(Event.object_type == "audit", Event.object_id == str(audit_id))
                             .order_by(Event.id)))


def test_submitting_stores_audit_answers_and_actions_with_the_trail(demo_url, demo_session):
    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    case = a_case(demo_session, scope, team="Neglect and Long-term")
    before = count(demo_session, Audit, Audit.kind == "external", Audit.status == "submitted")

    result = one_action(submit, complete_form(demo_session, case), scope=scope, today=DEMO_TODAY, engine=engine)

    assert result.ok and result.status == "submitted" and result.version == 1
    assert count(demo_session, Audit, Audit.kind == "external", Audit.status == "submitted") == before + 1
    audit = fresh(demo_session).get(Audit, result.audit_id)
    assert (audit.auditor_id, audit.team_id, audit.practitioner_id) == (scope.user_id, case.team_id, case.practitioner_id)
    assert audit.overall_grade == Grade.INADEQUATE and audit.safeguarding_concern and audit.programme_id is not None
    assert count(demo_session, Answer, Answer.audit_id == audit.id) == 8
    actions = demo_session.exec(select(RemedialAction).where(RemedialAction.audit_id == audit.id)).all()
    assert [(a.owner_id, a.raised_on, a.due_on, a.status) for a in actions] == [
        (case.practitioner_id, DEMO_TODAY, default_due_date(DEMO_TODAY), "open")] * 2
    trail = events(demo_session, audit.id)
    assert [e.action for e in trail] == ["audit.create", "audit.submit"]
    assert trail[0].username == "auditor" and trail[0].after["overall_grade"] == 1
    assert trail[1].after == {"status": "submitted"}


def test_a_draft_saves_with_fields_missing_and_resumes(demo_url, demo_session):
    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    case = a_case(demo_session, scope)
    theme, questions = neglect(demo_session)
    first = questions[0]
    draft = AuditInput(case_id=case.id, theme_id=theme.id, answers={first.id: AnswerInput(3, "")},
                       actions=[ActionInput("Update the chronology.", None, None)])

    saved = one_action(save_draft, draft, scope=scope, today=DEMO_TODAY, engine=engine)
    assert saved.ok and saved.status == "draft"

    loaded = load_for_edit(fresh(demo_session), scope, saved.audit_id)
    assert loaded.status == "draft" and loaded.editable and loaded.version == saved.version
    assert loaded.form.answers == {first.id: AnswerInput(3, "")}
    assert loaded.form.overall_grade is None and loaded.form.work_date is None
    # A draft's action with no due date gets the default: 5 working days after the audit (here: today).
    assert [(a.description, a.due_on) for a in loaded.form.actions] == [
        ("Update the chronology.", default_due_date(DEMO_TODAY))]
    assert [q.key for q in loaded.questions] == [q.key for q in questions]
    assert [e.action for e in events(demo_session, saved.audit_id)] == ["audit.create"]


def test_a_draft_needs_a_case_and_a_theme(demo_url, demo_session):
    scope = scope_of(demo_session, "auditor")
    result = one_action(save_draft, AuditInput(), scope=scope, today=DEMO_TODAY, engine=get_engine(demo_url))
    assert result.outcome == "invalid"
    assert {p.field for p in result.problems} == {"case", "theme"}


def test_submitting_an_incomplete_audit_stores_nothing_and_lists_every_problem(demo_url, demo_session):
    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    case = a_case(demo_session, scope)
    form = complete_form(demo_session, case)
    _, questions = neglect(demo_session)
    form.answers[questions[0].id] = AnswerInput(3, "")
    form.actions = []
    before = count(demo_session, Audit)

    result = one_action(submit, form, scope=scope, today=DEMO_TODAY, engine=engine)

    assert result.outcome == "invalid" and "before this audit can be submitted" in result.message
    assert {p.field for p in result.problems} == {f"q{questions[0].id}.rationale", "no_action_reason"}
    assert count(demo_session, Audit) == before


def test_a_failing_action_leaves_no_audit_behind(demo_url, demo_session, monkeypatch):
    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    case = a_case(demo_session, scope)
    form = complete_form(demo_session, case)
    form.actions[1] = replace(form.actions[1], owner_id=10**9)  # no such practitioner: the database refuses it
    audits_before, answers_before, actions_before = count(demo_session, Audit), count(demo_session, Answer), count(
        demo_session, RemedialAction)
    events_before = count(demo_session, Event)

    with pytest.raises(IntegrityError):
        one_action(submit, form, scope=scope, today=DEMO_TODAY, engine=engine)

    assert count(demo_session, Audit) == audits_before
    assert count(demo_session, Answer) == answers_before
    assert count(demo_session, RemedialAction) == actions_before
    assert count(demo_session, Event) == events_before


def test_the_second_save_of_the_same_version_is_told_and_gets_both_versions(demo_url, demo_session):
    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    case = a_case(demo_session, scope)
    form = complete_form(demo_session, case)
    created = one_action(save_draft, form, scope=scope, today=DEMO_TODAY, engine=engine)

    tab_one = replace(form, overall_rationale="Tab one: risk analysis missing.")
    tab_two = replace(form, overall_rationale="Tab two: no contingency plan.")
    first = one_action(save_draft, tab_one, scope=scope, audit_id=created.audit_id, expected_version=created.version,
                              today=DEMO_TODAY, engine=engine)
    second = one_action(save_draft, tab_two, scope=scope, audit_id=created.audit_id, expected_version=created.version,
                               today=DEMO_TODAY, engine=engine)

    assert first.ok and first.version == created.version + 1
    assert second.outcome == "conflict" and second.their_version == first.version
    assert second.theirs.overall_rationale == "Tab one: risk analysis missing."
    assert second.saved_by == "auditor"
    assert tab_two.overall_rationale == "Tab two: no contingency plan."  # the loser's input is untouched
    assert fresh(demo_session).get(Audit, created.audit_id).overall_rationale == "Tab one: risk analysis missing."
    # Keeping one's own version after seeing both: save again on top of the winner's version.
    kept = one_action(save_draft, tab_two, scope=scope, audit_id=created.audit_id, expected_version=second.their_version,
                             today=DEMO_TODAY, engine=engine)
    assert kept.ok
    assert fresh(demo_session).get(Audit, created.audit_id).overall_rationale == "Tab two: no contingency plan."


def test_a_save_racing_another_between_read_and_write_is_a_conflict_too(demo_url, demo_session, monkeypatch):
    """On PostgreSQL two saves can both pass the version check; the UPDATE's version
    condition (SQLAlchemy's version_id_col) still stops the second. SQLite cannot race:
    BEGIN IMMEDIATE queues the second writer before it reads."""
    if is_sqlite(demo_url):
        pytest.skip("SQLite writers are serialised by BEGIN IMMEDIATE before they read")
    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    form = complete_form(demo_session, a_case(demo_session, scope))
    draft = one_action(save_draft, form, scope=scope, today=DEMO_TODAY, engine=engine)
    apply_fields = saving._apply_fields

    def someone_else_saves_first(audit, form):
        other_engine = create_engine(demo_url)
        with other_engine.begin() as other:  # another connection commits in between
            other.execute(text("UPDATE audit SET version = version + 1, overall_rationale = 'Theirs.' WHERE id = :id"),
                          {"id": audit.id})
        other_engine.dispose()
        apply_fields(audit, form)

    monkeypatch.setattr(saving, "_apply_fields", someone_else_saves_first)
    result = one_action(save_draft, replace(form, overall_rationale="Mine."), scope=scope, audit_id=draft.audit_id,
                               expected_version=draft.version, today=DEMO_TODAY, engine=engine)

    assert result.outcome == "conflict" and result.their_version == draft.version + 1
    assert result.theirs.overall_rationale == "Theirs."
    assert fresh(demo_session).get(Audit, draft.audit_id).overall_rationale == "Theirs."


def test_the_author_amends_until_moderation_and_the_trail_shows_what_changed(demo_url, demo_session):
    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    form = complete_form(demo_session, a_case(demo_session, scope))
    submitted = one_action(submit, form, scope=scope, today=DEMO_TODAY, engine=engine)
    amended_form = replace(form, overall_rationale="Risk is not analysed; no contingency plan.")
    amended_form.actions = form.actions[:1]

    amended = one_action(amend, amended_form, scope=scope, audit_id=submitted.audit_id, expected_version=submitted.version,
                           today=DEMO_TODAY, engine=engine)

    assert amended.ok and amended.status == "submitted" and amended.message == "Amendment saved."
    last = events(demo_session, submitted.audit_id)[-1]
    assert last.action == "audit.amend"
    assert set(last.after) == {"overall_rationale", "actions"}
    assert last.before["overall_rationale"] == "Risk is not analysed."
    assert count(demo_session, RemedialAction, RemedialAction.audit_id == submitted.audit_id) == 1
    # Back to draft is not a thing.
    assert one_action(save_draft, amended_form, scope=scope, audit_id=submitted.audit_id, expected_version=amended.version,
                             today=DEMO_TODAY, engine=engine).outcome == "refused"

    with write_session(engine) as session:
        other = session.exec(select(User).where(User.username == "b.okafor")).one()
        session.add(Moderation(audit_id=submitted.audit_id, moderator_id=other.id, status="graded"))
    refused = one_action(amend, amended_form, scope=scope, audit_id=submitted.audit_id, expected_version=amended.version,
                           today=DEMO_TODAY, engine=engine)
    assert refused.outcome == "refused" and "moderated" in refused.message
    assert load_for_edit(fresh(demo_session), scope, submitted.audit_id).editable is False


def test_an_amendment_keeps_actions_that_were_already_done(demo_url, demo_session):
    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    form = complete_form(demo_session, a_case(demo_session, scope))
    submitted = one_action(submit, form, scope=scope, today=DEMO_TODAY, engine=engine)
    with write_session(engine) as session:
        done = session.exec(select(RemedialAction).where(RemedialAction.audit_id == submitted.audit_id)
                            .order_by(RemedialAction.id)).first()
        done.status, done.completion_note = "done", "GCP2 completed."
    loaded = load_for_edit(fresh(demo_session), scope, submitted.audit_id)
    assert [a.editable for a in loaded.form.actions] == [False, True]
    # The author rewrites the done action and removes the open one: only the removal happens.
    loaded.form.actions = [replace(loaded.form.actions[0], description="Something else entirely.")]

    result = one_action(amend, loaded.form, scope=scope, audit_id=submitted.audit_id, expected_version=loaded.version,
                          today=DEMO_TODAY, engine=engine)

    assert result.ok
    left = fresh(demo_session).exec(select(RemedialAction).where(RemedialAction.audit_id == submitted.audit_id)).all()
    assert [(a.status, a.description, a.completion_note) for a in left] == [
        ("done", "Complete a GCP2 with the family.", "GCP2 completed.")]


def test_others_see_a_submitted_audit_read_only_and_never_someone_elses_draft(demo_url, demo_session):
    engine = get_engine(demo_url)
    auditor = scope_of(demo_session, "auditor")
    form = complete_form(demo_session, a_case(demo_session, auditor, team="Assessment North"))
    draft = one_action(save_draft, form, scope=auditor, today=DEMO_TODAY, engine=engine)
    manager, support, sponsor = (scope_of(demo_session, u) for u in ("manager", "support", "sponsor"))

    assert load_for_edit(fresh(demo_session), manager, draft.audit_id) is None
    assert audit_detail(fresh(demo_session), support, draft.audit_id) is None

    submitted = one_action(submit, form, scope=auditor, audit_id=draft.audit_id, expected_version=draft.version,
                              today=DEMO_TODAY, engine=engine)
    assert submitted.ok
    seen = load_for_edit(fresh(demo_session), manager, draft.audit_id)
    assert seen is not None and not seen.editable and "read-only" in seen.refusal
    detail = audit_detail(fresh(demo_session), support, draft.audit_id)
    assert detail.status == "submitted" and len(detail.actions) == 2 and len(detail.answers) == 8
    assert audit_detail(fresh(demo_session), sponsor, draft.audit_id) is None
    result = one_action(amend, form, scope=manager, audit_id=draft.audit_id, expected_version=submitted.version,
                          today=DEMO_TODAY, engine=engine)
    assert result.outcome == "refused"


def test_a_manager_enters_internal_audits_of_their_own_teams_only(demo_url, demo_session):
    engine = get_engine(demo_url)
    manager = scope_of(demo_session, "manager")
    north = demo_session.exec(select(Team).where(Team.name == "Assessment North")).one()
    south = demo_session.exec(select(Team).where(Team.name == "Assessment South")).one()
    cases = find_cases(fresh(demo_session), manager, "internal")
    assert cases and {c.team_id for c in cases} == {north.id}
    assert [t.name for t in team_choices(demo_session, manager, "internal")] == ["Assessment North"]
    with pytest.raises(AuditEntryError, match="teams you manage"):
        one_action(create_case, manager, reference="MOS123456", team_id=south.id, practitioner_id=None, kind="internal",
                           engine=engine)

    form = complete_form(demo_session, cases[0], kind="internal")
    result = one_action(submit, form, scope=manager, today=DEMO_TODAY, engine=engine)
    assert result.ok
    assert fresh(demo_session).get(Audit, result.audit_id).kind == "internal"

    other = demo_session.exec(select(Case).where(Case.team_id == south.id)).first()
    refused = one_action(submit, replace(form, case_id=other.id), scope=manager, today=DEMO_TODAY, engine=engine)
    assert refused.outcome == "invalid" and refused.problems[0].field == "case"


@pytest.mark.parametrize("reference, reason", [
    ("Jane Smith", "name"), ("JaneSmith", "name"), ("01/02/2015", "date of birth"), ("12 High Street", "address"),
    ("SW1A 1AA", "address"),
])
def test_a_case_reference_that_identifies_a_child_is_refused(demo_url, demo_session, reference, reason):
    scope = scope_of(demo_session, "auditor")
    team = demo_session.exec(select(Team)).first()
    with pytest.raises(ValueError, match=reason):
        one_action(create_case, scope, reference=reference, team_id=team.id, practitioner_id=None, kind="external",
                           engine=get_engine(demo_url))
    assert count(demo_session, Case, Case.reference == reference.upper()) == 0


def test_a_new_case_is_added_with_team_and_practitioner_once(demo_url, demo_session):
    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    team = demo_session.exec(select(Team).where(Team.name == "Child Protection")).one()
    practitioner = practitioner_choices(demo_session, team.id)[0]

    case = one_action(create_case, scope, reference=" mos-778812 ", team_id=team.id, practitioner_id=practitioner.id,
                              kind="external", engine=engine)

    assert (case.reference, case.team, case.practitioner) == ("MOS-778812", "Child Protection", practitioner.name)
    assert [c.reference for c in find_cases(fresh(demo_session), scope, "external", "mos-778")] == ["MOS-778812"]
    assert count(demo_session, Event, Event.action == "case.create", Event.object_id == str(case.id)) == 1
    with pytest.raises(AuditEntryError, match="already a case"):
        one_action(create_case, scope, reference="MOS-778812", team_id=team.id, practitioner_id=None, kind="external",
                           engine=engine)
    other_team = demo_session.exec(select(Team).where(Team.name == "Front Door (MASH)")).one()
    with pytest.raises(AuditEntryError, match="in the case's team"):
        one_action(create_case, scope, reference="MOS-778813", team_id=other_team.id, practitioner_id=practitioner.id,
                           kind="external", engine=engine)


def test_a_safeguarding_concern_stays_on_top_until_someone_else_acknowledges_it(demo_url, demo_session):
    engine = get_engine(demo_url)
    auditor, manager, sponsor = (scope_of(demo_session, u) for u in ("auditor", "manager", "sponsor"))
    case = a_case(demo_session, auditor, team="Assessment North")
    result = one_action(submit, complete_form(demo_session, case), scope=auditor, today=DEMO_TODAY, engine=engine)

    concerns = unacknowledged_concerns(fresh(demo_session), manager)
    assert concerns[0].audit_id == result.audit_id and concerns[0].case_reference == case.reference
    assert concerns[0].who_was_told == "Team manager" and concerns[0].raised_by == "Alex Morgan"
    assert result.audit_id in [c.audit_id for c in unacknowledged_concerns(fresh(demo_session), auditor)]
    assert unacknowledged_concerns(fresh(demo_session), sponsor) == []

    assert "someone else" in one_action(acknowledge_concern, auditor, result.audit_id, engine=engine)
    assert one_action(acknowledge_concern, manager, result.audit_id, engine=engine) is None

    assert result.audit_id not in [c.audit_id for c in unacknowledged_concerns(fresh(demo_session), manager)]
    audit = fresh(demo_session).get(Audit, result.audit_id)
    assert audit.safeguarding_ack_by_id == manager.user_id and audit.safeguarding_ack_at is not None
    assert audit.version == result.version  # acknowledging does not make the author's next save a conflict
    assert events(demo_session, result.audit_id)[-1].action == "audit.safeguarding_ack"
    assert "already been acknowledged" in one_action(acknowledge_concern, manager, result.audit_id, engine=engine)


def test_a_concern_in_another_team_is_not_the_managers(demo_url, demo_session):
    engine = get_engine(demo_url)
    auditor, manager = scope_of(demo_session, "auditor"), scope_of(demo_session, "manager")
    case = a_case(demo_session, auditor, team="Neglect and Long-term")
    result = one_action(submit, complete_form(demo_session, case), scope=auditor, today=DEMO_TODAY, engine=engine)
    assert result.audit_id not in [c.audit_id for c in unacknowledged_concerns(fresh(demo_session), manager)]
    assert one_action(acknowledge_concern, manager, result.audit_id, engine=engine) is not None


def test_an_audit_keeps_the_questions_of_its_template_version(demo_url, demo_session):
    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    draft = one_action(save_draft, complete_form(demo_session, a_case(demo_session, scope)), scope=scope,
                              today=DEMO_TODAY, engine=engine)
    questions = "\n".join(
        f'[[questions]]\nkey = "q{i}"\ndomain = "Assessment quality"\ntext = "New question {i}?"\nguidance = "G."\n'
        for i in range(6))
    with write_session(engine) as session:
        load_template(session, parse_template(f'theme = "neglect"\nname = "Neglect"\nversion = 2\n{questions}'),
                      actor="admin")

    old = load_for_edit(fresh(demo_session), scope, draft.audit_id)
    assert len(old.questions) == 8 and "Graded Care Profile" in old.questions[0].text
    new_version = next(t for t in theme_choices(fresh(demo_session)) if t.code == "neglect")
    assert new_version.version == 2
    assert [q.text for q in question_rules(fresh(demo_session), new_version.template_version_id)][0] == "New question 0?"
    # Saving the old draft again keeps its version's questions and answers.
    saved = one_action(save_draft, old.form, scope=scope, audit_id=draft.audit_id, expected_version=old.version,
                              today=DEMO_TODAY, engine=engine)
    assert saved.ok
    assert fresh(demo_session).get(Audit, draft.audit_id).template_version_id == old.template_version_id
    assert count(demo_session, Answer, Answer.audit_id == draft.audit_id) == 8


def test_my_audits_lists_drafts_first_with_filters(demo_url, demo_session):
    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    case = a_case(demo_session, scope)
    draft = one_action(save_draft, complete_form(demo_session, case), scope=scope, today=DEMO_TODAY, engine=engine)

    rows = my_audits(fresh(demo_session), scope, limit=10_000)
    assert rows[0].audit_id == draft.audit_id and rows[0].status == "draft"
    assert all(r.status == "submitted" for r in rows[1:]) and len(rows) > 50
    # Pages of 50: the count says how many there are in all, and pages follow on without overlap.
    assert count_my_audits(fresh(demo_session), scope, MyAuditFilters()) == \
        {"draft": 1, "submitted": len(rows) - 1}
    first, second = (my_audits(fresh(demo_session), scope, limit=50, offset=o) for o in (0, 50))
    assert [r.audit_id for r in first + second] == [r.audit_id for r in rows[:100]]
    assert {r.kind for r in rows} == {"external"}
    assert [r.audit_id for r in my_audits(fresh(demo_session), scope, MyAuditFilters(status="draft"))] == [draft.audit_id]
    theme, _ = neglect(demo_session)
    assert {r.theme for r in my_audits(fresh(demo_session), scope, MyAuditFilters(theme_id=theme.id))} == {"Neglect"}
    assert [r.case_reference for r in my_audits(fresh(demo_session), scope, MyAuditFilters(reference=case.reference.lower()))][0] == \
        case.reference
    week = my_audits(fresh(demo_session), scope, MyAuditFilters(date_from=DEMO_TODAY - timedelta(days=3), date_to=DEMO_TODAY))
    assert week and all(DEMO_TODAY - timedelta(days=3) <= r.audit_date <= DEMO_TODAY for r in week if r.audit_date)
    # Someone else's audits never appear in my list.
    other = scope_of(demo_session, "manager")
    assert draft.audit_id not in [r.audit_id for r in my_audits(fresh(demo_session), other)]


def test_a_drafts_actions_do_not_count_until_it_is_submitted(demo_url, demo_session):
    from db.queries.overview import overview

    engine = get_engine(demo_url)
    scope = scope_of(demo_session, "auditor")
    before = overview(fresh(demo_session), scope, DEMO_TODAY).actions["open"]
    form = complete_form(demo_session, a_case(demo_session, scope))
    draft = one_action(save_draft, form, scope=scope, today=DEMO_TODAY, engine=engine)
    assert overview(fresh(demo_session), scope, DEMO_TODAY).actions["open"] == before
    assert one_action(submit, form, scope=scope, audit_id=draft.audit_id, expected_version=draft.version,
                         today=DEMO_TODAY, engine=engine).ok
    assert overview(fresh(demo_session), scope, DEMO_TODAY).actions["open"] == before + 2
