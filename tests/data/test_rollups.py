"""Progress's rollup of answers by day equals a recount of the answers, after every kind of write
(db.rollups; SQLite and PostgreSQL).

The recount is written out here in SQL, from the rule in docs/figures.md ("Answers by domain"): answers of submitted
audits, by audit day, question and reported grade (the agreed grade where the audit was moderated,
otherwise the auditor's), ungraded answers left out. The hand counts come from the forms the tests
save (``complete_form``: 8 neglect questions, every one graded Requires improvement, 2).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import Session

from core.actions import BulkEdit
from core.audit_rules import AnswerInput
from core.authz import Role, Scope
from core.periods import parse_period
from db import actions as db_actions
from db import migrate
from db.audits.saving import amend, save_draft, submit
from db.engine import get_engine
from db.models import Audit, RemedialAction
from db.moderation import grading as mg
from db.queries.common import current_programme
from db.queries.progress import progress_report
from tests.conftest import DEMO_TODAY
from tests.data.test_audit_entry import a_case, complete_form, neglect, scope_of
from tests.data.test_moderation import FEEDBACK, _graded
from tests.writes import one_action

RECOUNT = text("""
    SELECT audit.audit_date, answer.question_id, coalesce(answer.moderated_grade, answer.grade), count(*)
    FROM audit JOIN answer ON answer.audit_id = audit.id
    WHERE audit.status = 'submitted' AND coalesce(answer.moderated_grade, answer.grade) IS NOT NULL
    GROUP BY audit.audit_date, answer.question_id, coalesce(answer.moderated_grade, answer.grade)
""")
ROLLUP = text("SELECT day, question_id, grade, answers FROM answer_day_count")
# The remedial actions of submitted audits by raised day, team, due day, done day and verified day, recounted
# from the rule in docs/figures.md ("Remedial actions"); the rollup writes 9999-12-31 for "not done yet".
ACTION_RECOUNT = text("""
    SELECT remedial_action.raised_on, audit.team_id, remedial_action.due_on, remedial_action.completed_on,
           remedial_action.verified_on, count(*)
    FROM remedial_action JOIN audit ON audit.id = remedial_action.audit_id
    WHERE audit.status = 'submitted'
    GROUP BY remedial_action.raised_on, audit.team_id, remedial_action.due_on, remedial_action.completed_on,
             remedial_action.verified_on
""")
# Submitted audits by day, theme, kind, reported overall grade (the agreed one where moderated) and team; and
# by day, kind and the day of the work audited (docs/figures.md, "Themes, teams and RAG", "How live").
AUDIT_RECOUNT = text("""
    SELECT audit_date, theme_id, kind, coalesce(moderated_overall_grade, overall_grade), team_id, count(*)
    FROM audit WHERE status = 'submitted'
    GROUP BY audit_date, theme_id, kind, coalesce(moderated_overall_grade, overall_grade), team_id
""")
AUDIT_ROLLUP = text("SELECT day, theme_id, kind, grade, team_id, audits FROM audit_day_count")
WORK_RECOUNT = text("""
    SELECT audit_date, kind, work_date, count(*) FROM audit WHERE status = 'submitted' AND work_date IS NOT NULL
    GROUP BY audit_date, kind, work_date
""")
WORK_ROLLUP = text("SELECT day, kind, work_date, audits FROM audit_work_day_count")
ACTION_ROLLUP = text("SELECT raised_on, team_id, due_on, completed_on, verified_on, actions FROM action_day_count")
# Each completed moderation's agreement, recounted from the rule in docs/figures.md ("Moderation
# agreement"): its audit's answers graded 1 to 4 by both, first grade against the moderated grade.
AGREEMENT_RECOUNT = text("""
    SELECT moderation.id, count(answer.id),
           coalesce(sum(CASE WHEN answer.grade = answer.moderated_grade THEN 1 ELSE 0 END), 0),
           coalesce(sum(CASE WHEN abs(answer.grade - answer.moderated_grade) <= 1 THEN 1 ELSE 0 END), 0),
           coalesce(sum(CASE WHEN answer.grade > answer.moderated_grade THEN 1 ELSE 0 END), 0),
           coalesce(sum(CASE WHEN answer.grade < answer.moderated_grade THEN 1 ELSE 0 END), 0)
    FROM moderation LEFT JOIN answer ON answer.audit_id = moderation.audit_id
         AND answer.grade BETWEEN 1 AND 4 AND answer.moderated_grade BETWEEN 1 AND 4
    WHERE moderation.status = 'completed'
    GROUP BY moderation.id
""")
AGREEMENT_STORED = text("""
    SELECT id, agreement_answers, agreement_exact, agreement_within_one, agreement_higher, agreement_lower
    FROM moderation WHERE status = 'completed'
""")
# Each completed moderation's question grades by pair, recounted from the rule in docs/figures.md
# ("Moderation agreement"): the first auditor's grade of each question against the moderation's agreed
# grade (blind false) or the moderator's blind grade (blind true), 1 to 4 on both sides.
_PAIRS_OF = """
    SELECT moderation.id, {blind}, answer.grade, moderation_answer.{second}, count(*)
    FROM moderation JOIN moderation_answer ON moderation_answer.moderation_id = moderation.id
    JOIN answer ON answer.audit_id = moderation.audit_id AND answer.question_id = moderation_answer.question_id
    WHERE moderation.status = 'completed' AND answer.grade BETWEEN 1 AND 4
      AND moderation_answer.{second} BETWEEN 1 AND 4
    GROUP BY moderation.id, answer.grade, moderation_answer.{second}
"""
PAIRS_RECOUNT = text(_PAIRS_OF.format(blind=0, second="agreed_grade") + " UNION ALL "
                     + _PAIRS_OF.format(blind=1, second="moderator_grade"))
PAIRS_STORED = text("SELECT moderation_id, blind, first_grade, second_grade, answers FROM moderation_grade_pair")


def _pairs(session: Session, statement) -> dict:
    """(moderation, blind, first grade, second grade) -> questions."""
    session.rollback()
    return {(m, int(blind), first, second): n for m, blind, first, second, n in session.execute(statement)}


def _agreements(session: Session, statement) -> dict:
    session.rollback()
    return {row[0]: tuple(row[1:]) for row in session.execute(statement)}


def _counts(session: Session, statement) -> dict:
    session.rollback()  # a new transaction: what the writes under test committed
    return {(str(day)[:10], question, grade): n for day, question, grade, n in session.execute(statement)}


def _rows(session: Session, statement) -> dict:
    """A rollup or its recount: key -> count, days as text."""
    session.rollback()
    return {tuple(str(v)[:10] if hasattr(v, "isoformat") else v for v in row[:-1]): row[-1]
            for row in session.execute(statement)}


def _actions(session: Session, statement) -> dict:
    """(raised, team, due, done, verified) -> actions, "not yet" written None on both sides."""
    return {tuple(None if value == "9999-12-31" else value for value in key): n
            for key, n in _rows(session, statement).items()}


def _audits_equal_their_recounts(session: Session) -> None:
    assert _rows(session, AUDIT_ROLLUP) == _rows(session, AUDIT_RECOUNT)
    assert _rows(session, WORK_ROLLUP) == _rows(session, WORK_RECOUNT)


def _day(session: Session, day) -> Counter:
    """(question, grade) -> answers of one day, from the rollup."""
    return Counter({(q, g): n for (d, q, g), n in _counts(session, ROLLUP).items() if d == str(day)})


def test_the_demo_rollup_is_the_recount_of_its_answers(demo_session):
    rollup = _counts(demo_session, ROLLUP)
    assert rollup == _counts(demo_session, RECOUNT)
    graded = demo_session.execute(text(
        "SELECT count(*) FROM answer JOIN audit ON audit.id = answer.audit_id "
        "WHERE audit.status = 'submitted' AND answer.grade IS NOT NULL")).scalar_one()
    assert sum(rollup.values()) == graded > 1000
    _audits_equal_their_recounts(demo_session)
    submitted = demo_session.execute(text("SELECT count(*) FROM audit WHERE status = 'submitted'")).scalar_one()
    assert sum(_rows(demo_session, AUDIT_ROLLUP).values()) == submitted > 400


def test_each_write_leaves_every_day_equal_to_its_recount(demo_url, demo_session):
    engine = get_engine(demo_url)
    auditor = scope_of(demo_session, "auditor")
    _, questions = neglect(demo_session)
    today, yesterday = DEMO_TODAY, DEMO_TODAY - timedelta(days=1)
    on_today, on_yesterday = _day(demo_session, today), _day(demo_session, yesterday)

    # Submitted today: each of the 8 questions gains one answer graded 2 on today.
    form = complete_form(demo_session, a_case(demo_session, auditor))
    saved = one_action(submit, form, scope=auditor, today=DEMO_TODAY, engine=engine)
    assert saved.ok
    assert _day(demo_session, today) - on_today == Counter({(q.id, 2): 1 for q in questions})
    assert _counts(demo_session, ROLLUP) == _counts(demo_session, RECOUNT)
    _audits_equal_their_recounts(demo_session)

    # A draft counts nowhere.
    other = a_case(demo_session, auditor, kind="external")
    draft = one_action(save_draft, replace(complete_form(demo_session, other), actions=[]), scope=auditor,
                       today=DEMO_TODAY, engine=engine)
    assert draft.ok and draft.status == "draft"
    assert _day(demo_session, today) - on_today == Counter({(q.id, 2): 1 for q in questions})

    # Amended to yesterday, its first question regraded 3: today is as it was; yesterday gains 7 x 2 and 1 x 3.
    first = questions[0].id
    moved = replace(form, audit_date=yesterday,
                    answers=form.answers | {first: AnswerInput(3, "Evidence is clear in the record.")})
    amended = one_action(amend, moved, scope=auditor, audit_id=saved.audit_id, expected_version=saved.version,
                         today=DEMO_TODAY, engine=engine)
    assert amended.ok, amended.message
    assert _day(demo_session, today) == on_today
    gained = Counter({(q.id, 2): 1 for q in questions[1:]}) + Counter({(first, 3): 1})
    assert _day(demo_session, yesterday) - on_yesterday == gained
    assert _counts(demo_session, ROLLUP) == _counts(demo_session, RECOUNT)
    _audits_equal_their_recounts(demo_session)


def test_completing_a_moderation_counts_the_agreed_grades(demo_session):
    audit_id, moderation_id = _graded(demo_session, moderator_grade=1)
    day = demo_session.execute(text("SELECT audit_date FROM audit WHERE id = :id"), {"id": audit_id}).scalar_one()
    firsts = Counter((q, g) for q, g in demo_session.execute(text(
        "SELECT question_id, grade FROM answer WHERE audit_id = :id AND grade IS NOT NULL"), {"id": audit_id}))
    before = _day(demo_session, day)
    questions = [line.question_id for line in mg.load_comparison(demo_session, scope_of(demo_session, "auditor"),
                                                                 moderation_id).lines]

    mg.complete(demo_session, scope_of(demo_session, "auditor"), moderation_id,
                agreed={q: 1 for q in questions}, agreed_overall=1, feedback=FEEDBACK)
    demo_session.commit()

    # The audit's first grades leave its day and its agreed grades (all 1, Inadequate) arrive.
    after = _day(demo_session, day)
    assert after == before - firsts + Counter({(q, 1): 1 for q in questions})
    assert _counts(demo_session, ROLLUP) == _counts(demo_session, RECOUNT)
    # Its agreed overall grade (1) is now the one it is counted under.
    audit = demo_session.execute(text("SELECT audit_date, theme_id, kind, team_id FROM audit WHERE id = :id"),
                                 {"id": audit_id}).one()
    assert _rows(demo_session, AUDIT_ROLLUP)[(str(audit[0])[:10], audit[1], audit[2], 1, audit[3])] >= 1
    _audits_equal_their_recounts(demo_session)


def test_each_completed_moderation_stores_the_recount_of_its_answers(demo_session):
    """The demo's moderations (a bulk load: ``rebuild``) and one completed through the app."""
    stored = _agreements(demo_session, AGREEMENT_STORED)
    assert len(stored) >= 10 and sum(counts[0] for counts in stored.values()) > 50
    assert stored == _agreements(demo_session, AGREEMENT_RECOUNT)

    audit_id, moderation_id = _graded(demo_session, moderator_grade=1)
    firsts = [g for (g,) in demo_session.execute(text(
        "SELECT grade FROM answer WHERE audit_id = :id AND grade BETWEEN 1 AND 4"), {"id": audit_id})]
    questions = [line.question_id for line in mg.load_comparison(demo_session, scope_of(demo_session, "auditor"),
                                                                 moderation_id).lines]
    mg.complete(demo_session, scope_of(demo_session, "auditor"), moderation_id,
                agreed={q: 1 for q in questions}, agreed_overall=1, feedback=FEEDBACK)
    demo_session.commit()

    # Every agreed grade is 1 (Inadequate): a first grade of 1 is the same, 2 within one, any first
    # grade above 1 higher, none lower.
    assert _agreements(demo_session, AGREEMENT_STORED)[moderation_id] == (
        len(firsts), firsts.count(1), firsts.count(1) + firsts.count(2), len(firsts) - firsts.count(1), 0)
    assert _agreements(demo_session, AGREEMENT_STORED) == _agreements(demo_session, AGREEMENT_RECOUNT)


def test_each_completed_moderation_stores_its_grade_pairs(demo_session):
    """The demo's moderations (a bulk load: ``rebuild``) and one completed through the app: the grade pairs
    the Moderation agreement page counts equal a recount of the grades."""
    stored = _pairs(demo_session, PAIRS_STORED)
    assert sum(n for (_, blind, _, _), n in stored.items() if not blind) > 50
    assert stored == _pairs(demo_session, PAIRS_RECOUNT)

    audit_id, moderation_id = _graded(demo_session, moderator_grade=1)
    firsts = Counter(g for (g,) in demo_session.execute(text(
        "SELECT grade FROM answer WHERE audit_id = :id AND grade BETWEEN 1 AND 4"), {"id": audit_id}))
    questions = [line.question_id for line in mg.load_comparison(demo_session, scope_of(demo_session, "auditor"),
                                                                 moderation_id).lines]
    assert not {key for key in _pairs(demo_session, PAIRS_STORED) if key[0] == moderation_id}  # graded, not completed
    mg.complete(demo_session, scope_of(demo_session, "auditor"), moderation_id,
                agreed={q: 1 for q in questions}, agreed_overall=1, feedback=FEEDBACK)
    demo_session.commit()

    # The moderator graded every question 1 blind, and every agreed grade is 1: each first grade g
    # of 1 to 4 makes a pair (g, 1) on both sides, as many as the questions the first auditor graded g.
    mine = {key[1:]: n for key, n in _pairs(demo_session, PAIRS_STORED).items() if key[0] == moderation_id}
    assert mine == {(blind, grade, 1): n for blind in (0, 1) for grade, n in firsts.items()}
    assert _pairs(demo_session, PAIRS_STORED) == _pairs(demo_session, PAIRS_RECOUNT)


def test_the_migration_fills_the_rollup_with_the_recount(sqlite_demo_url):
    """Upgrading a database that already holds audits (migration 0007) counts them all."""
    migrate.downgrade(sqlite_demo_url, "0006")
    migrate.upgrade(sqlite_demo_url)
    with Session(get_engine(sqlite_demo_url)) as session:
        rollup = _counts(session, ROLLUP)
        assert rollup and rollup == _counts(session, RECOUNT)


def test_the_migration_stores_every_completed_moderations_agreement(sqlite_demo_url):
    """Upgrading a database that already holds completed moderations (migration 0009) counts them all,
    and neither way loses a row of the moderations' own grades (a copied and dropped moderation table
    would take them with it, ON DELETE CASCADE)."""
    kept = text("SELECT count(*) FROM moderation_answer")
    with Session(get_engine(sqlite_demo_url)) as session:
        grades = session.execute(kept).scalar_one()
    assert grades > 100
    migrate.downgrade(sqlite_demo_url, "0008")
    with Session(get_engine(sqlite_demo_url)) as session:
        assert session.execute(kept).scalar_one() == grades
    migrate.upgrade(sqlite_demo_url)
    with Session(get_engine(sqlite_demo_url)) as session:
        assert session.execute(kept).scalar_one() == grades
        stored = _agreements(session, AGREEMENT_STORED)
        assert sum(counts[0] for counts in stored.values()) > 50
        assert stored == _agreements(session, AGREEMENT_RECOUNT)


def test_the_migration_stores_every_completed_moderations_grade_pairs(sqlite_demo_url):
    """Upgrading a database that already holds completed moderations (migration 0010) counts them all."""
    migrate.downgrade(sqlite_demo_url, "0009")
    migrate.upgrade(sqlite_demo_url)
    with Session(get_engine(sqlite_demo_url)) as session:
        stored = _pairs(session, PAIRS_STORED)
        assert sum(stored.values()) > 100
        assert stored == _pairs(session, PAIRS_RECOUNT)



def test_progress_domains_are_the_recount_for_a_programme_wide_and_a_team_audience(demo_session):
    """The sponsor's figures come from the rollup, a manager's from the answers of their teams: both
    equal the recount, domain by domain (Red 1, Amber 2, Green 3 or 4, not applicable 0)."""
    programme = current_programme(demo_session)
    period = parse_period("m2", programme.start_date, programme.weeks, DEMO_TODAY)
    manager = scope_of(demo_session, "manager")
    for scope, teams in ((Scope(0, "sponsor", frozenset({Role.SPONSOR})), None), (manager, manager.team_ids)):
        recount: dict[str, list[int]] = {}
        for domain, grade, n in demo_session.execute(text(
            "SELECT question.domain, coalesce(answer.moderated_grade, answer.grade), count(*) "
            "FROM answer JOIN audit ON audit.id = answer.audit_id JOIN question ON question.id = answer.question_id "
            "WHERE audit.status = 'submitted' AND audit.audit_date BETWEEN :first AND :last "
            "AND coalesce(answer.moderated_grade, answer.grade) IS NOT NULL "
            + ("" if teams is None else f"AND audit.team_id IN ({','.join(map(str, sorted(teams)))}) ")
            + "GROUP BY question.domain, coalesce(answer.moderated_grade, answer.grade)"),
            {"first": period.start, "last": period.end},
        ):
            red, amber, green, grade_sum, not_applicable = recount.setdefault(domain, [0, 0, 0, 0, 0])
            recount[domain] = [red + n * (grade == 1), amber + n * (grade == 2), green + n * (grade >= 3),
                               grade_sum + n * grade, not_applicable + n * (grade == 0)]
        report = progress_report(demo_session, scope, period, DEMO_TODAY)
        figures = {d.domain: [d.rag.red, d.rag.amber, d.rag.green, d.grade_sum, d.not_applicable]
                   for d in report.current.domains}
        assert figures == recount and len(figures) >= 5, scope.username


# ------------------------------------------------------------------ the action rollup
def test_the_demo_action_rollup_is_the_recount_of_its_actions(demo_session):
    rollup = _actions(demo_session, ACTION_ROLLUP)
    assert rollup == _actions(demo_session, ACTION_RECOUNT)
    counted = demo_session.execute(text(
        "SELECT count(*) FROM remedial_action JOIN audit ON audit.id = remedial_action.audit_id "
        "WHERE audit.status = 'submitted'")).scalar_one()
    assert sum(rollup.values()) == counted > 300
    assert any(key[3] is None for key in rollup) and any(key[4] is not None for key in rollup)


def test_each_action_write_leaves_the_action_rollup_equal_to_its_recount(demo_url, demo_session):
    engine = get_engine(demo_url)
    auditor, support = scope_of(demo_session, "auditor"), scope_of(demo_session, "support")
    before = Counter(_actions(demo_session, ACTION_ROLLUP))

    def moved() -> Counter:
        now = Counter(_actions(demo_session, ACTION_ROLLUP))
        assert dict(now) == _actions(demo_session, ACTION_RECOUNT)
        return now

    # A draft's two actions count nowhere; submitting it counts both, open, due 5 working days on.
    case = a_case(demo_session, auditor)
    form = complete_form(demo_session, case)
    draft = one_action(save_draft, form, scope=auditor, today=DEMO_TODAY, engine=engine)
    assert draft.ok and moved() == before
    saved = one_action(submit, form, scope=auditor, audit_id=draft.audit_id, today=DEMO_TODAY, engine=engine)
    assert saved.ok
    team = demo_session.get(Audit, saved.audit_id).team_id
    due = str(form.actions[0].due_on)
    today, yesterday = str(DEMO_TODAY), str(DEMO_TODAY - timedelta(days=1))
    assert moved() - before == Counter({(today, team, due, None, None): 2})

    # Amended to yesterday with the second action removed: one action, raised yesterday.
    stored = demo_session.execute(text("SELECT id FROM remedial_action WHERE audit_id = :a ORDER BY id"),
                                  {"a": saved.audit_id}).scalars().all()
    kept = replace(form.actions[0], action_id=stored[0])
    amended = one_action(amend, replace(form, audit_date=DEMO_TODAY - timedelta(days=1), actions=[kept]),
                         scope=auditor, audit_id=saved.audit_id, expected_version=saved.version, today=DEMO_TODAY,
                         engine=engine)
    assert amended.ok, amended.message
    assert moved() - before == Counter({(yesterday, team, due, None, None): 1})

    # Done today, then verified: its done and verified days move with it.
    action = demo_session.get(RemedialAction, stored[0])
    done = one_action(db_actions.mark_done, support, action.id, version=action.version,
                      note="GCP2 completed with the family.", completed_on=DEMO_TODAY, today=DEMO_TODAY, engine=engine)
    assert moved() - before == Counter({(yesterday, team, due, today, None): 1})
    one_action(db_actions.verify, auditor, action.id, version=done.version, today=DEMO_TODAY, engine=engine)
    assert moved() - before == Counter({(yesterday, team, due, today, today): 1})

    # Another action, done, is reopened: it is not done any more.
    other = demo_session.get(RemedialAction, demo_session.execute(text(
        "SELECT remedial_action.id FROM remedial_action JOIN audit ON audit.id = remedial_action.audit_id "
        "WHERE remedial_action.status = 'done' AND audit.status = 'submitted' ORDER BY remedial_action.id")
    ).scalars().first())
    key = (str(other.raised_on), demo_session.get(Audit, other.audit_id).team_id, str(other.due_on),
           str(other.completed_on), None)
    was = moved()
    one_action(db_actions.reopen, auditor, other.id, version=other.version, reason="The plan is not on the record.",
               today=DEMO_TODAY, engine=engine)
    assert was - moved() == Counter({key: 1})

    # A new due date, one action at a time and in the bulk editor.
    open_one = demo_session.execute(text(
        "SELECT remedial_action.id FROM remedial_action JOIN audit ON audit.id = remedial_action.audit_id "
        "WHERE remedial_action.status = 'open' AND audit.status = 'submitted' ORDER BY remedial_action.id")
    ).scalars().all()
    first, second = (demo_session.get(RemedialAction, i) for i in open_one[:2])
    one_action(db_actions.change_due_date, support, first.id, version=first.version,
               due_on=DEMO_TODAY + timedelta(days=14), reason="Court hearing moved", today=DEMO_TODAY, engine=engine)
    moved()
    result = one_action(db_actions.bulk_update, support, [
        BulkEdit(second.id, second.version, "done", note="Strategy discussion held and minuted.",
                 completed_on=DEMO_TODAY)], DEMO_TODAY, engine=engine)
    assert result.updated == [second.id]
    moved()


def test_the_migration_fills_the_audit_rollups_with_their_recounts(sqlite_demo_url):
    """Upgrading a database that already holds audits (migration 0014) counts them all."""
    migrate.downgrade(sqlite_demo_url, "0013")
    migrate.upgrade(sqlite_demo_url)
    with Session(get_engine(sqlite_demo_url)) as session:
        assert _rows(session, AUDIT_ROLLUP) and _rows(session, WORK_ROLLUP)
        _audits_equal_their_recounts(session)


def test_the_migration_fills_the_action_rollup_with_the_recount(sqlite_demo_url):
    """Upgrading a database that already holds actions (migration 0013) counts them all."""
    migrate.downgrade(sqlite_demo_url, "0012")
    migrate.upgrade(sqlite_demo_url)
    with Session(get_engine(sqlite_demo_url)) as session:
        rollup = _actions(session, ACTION_ROLLUP)
        assert rollup and rollup == _actions(session, ACTION_RECOUNT)
