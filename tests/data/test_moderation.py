"""Data layer of moderation, on SQLite and PostgreSQL: the queue, samples, blindness, agreed
grades replacing first grades in reporting, acknowledgement, statistics and the feedback log."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from datetime import timedelta

import pytest
from sqlmodel import col, select

from core.agreement import agreement_by, agreement_of
from core.authz import Scope
from core.moderation import SampleMethod
from db.moderation import common as mc
from db.moderation import grading as mg
from db.moderation import queue as mq
from db.moderation import stats as ms
from db.demo_story import DEMO_MANAGER_TEAM, GENEROUS_MANAGER_TEAM, MODERATED_INTERNAL
from db.models import Answer, Audit, Event, Moderation, ModerationAnswer, Question, Team, User
from db.queries.overview import overview
from db.users import load_signed_in
from tests.conftest import DEMO_TODAY, REFERENCE_DAY, THIS_MONDAY

FEEDBACK = "Lived experience was described, not analysed: Good here means saying what the day is like."


def scope_of(session, username: str) -> Scope:
    return load_signed_in(session, username).scope


def user_id(session, username: str) -> int:
    return session.exec(select(User.id).where(User.username == username)).one()


def manager_audit_in_queue(session) -> int:
    """The demo manager's most recent unmoderated internal audit."""
    queue = mq.moderation_queue(session, scope_of(session, "auditor"))
    return next(r.audit_id for r in queue if r.first_auditor == "Sam Patel")


def assign_to_auditor(session, audit_id: int) -> int:
    auditor = scope_of(session, "auditor")
    moderation_id = mq.assign_one(session, auditor, audit_id, auditor.user_id)
    session.commit()
    return moderation_id


def blind_grades(session, moderation_id: int, *, grade: int = 2):
    blind = mg.load_blind(session, scope_of(session, "auditor"), moderation_id)
    grades = {q.question_id: grade for q in blind.questions}
    rationales = {q.question_id: f"moderator rationale {q.position}" for q in blind.questions}
    return blind, grades, rationales


# ------------------------------------------------------------------ the queue
def test_queue_holds_unmoderated_submitted_internal_audits(demo_session):
    auditor = scope_of(demo_session, "auditor")
    queue = mq.moderation_queue(demo_session, auditor)
    moderated = set(demo_session.exec(select(Moderation.audit_id)))
    assert queue and all(r.kind == "internal" and r.audit_id not in moderated for r in queue)
    internal = demo_session.exec(select(Audit.id).where(Audit.kind == "internal", Audit.status == "submitted")).all()
    assert len(queue) == len(internal) - MODERATED_INTERNAL
    # The demo manager's two most recent internal audits wait in the queue, newest first.
    dates = [r.audit_date for r in queue]
    assert dates == sorted(dates, reverse=True)
    patel = [r for r in queue if r.first_auditor == "Sam Patel"]
    assert len(patel) >= 2 and patel[0].audit_date >= DEMO_TODAY - timedelta(days=14)
    both = mq.moderation_queue(demo_session, auditor, mq.QueueFilter(kind=None))
    assert len(both) > len(queue) and any(r.kind == "external" for r in both)


def test_queue_filters_and_manager_scope(demo_session):
    auditor = scope_of(demo_session, "auditor")
    team = demo_session.exec(select(Team).where(Team.name == GENEROUS_MANAGER_TEAM)).one()
    by_team = mq.moderation_queue(demo_session, auditor, mq.QueueFilter(team_ids=(team.id,)))
    assert by_team and {r.team for r in by_team} == {GENEROUS_MANAGER_TEAM}
    patel = user_id(demo_session, "manager")
    by_auditor = mq.moderation_queue(demo_session, auditor, mq.QueueFilter(auditor_ids=(patel,)))
    assert by_auditor and {r.first_auditor for r in by_auditor} == {"Sam Patel"}
    last_monday, last_sunday = THIS_MONDAY - timedelta(weeks=1), THIS_MONDAY - timedelta(days=1)  # 16-22 Nov 2026
    window = mq.moderation_queue(
        demo_session, auditor, mq.QueueFilter(date_from=last_monday, date_to=last_sunday))
    assert window and all(last_monday <= r.audit_date <= last_sunday for r in window)
    manager = scope_of(demo_session, "manager")
    assert {r.team for r in mq.moderation_queue(demo_session, manager)} == {DEMO_MANAGER_TEAM}
    with pytest.raises(PermissionError):
        mq.moderation_queue(demo_session, scope_of(demo_session, "sponsor"))


# ------------------------------------------------------------------ sampling and assignment
def test_nobody_moderates_their_own_audit(demo_session):
    auditor = scope_of(demo_session, "auditor")
    own = demo_session.exec(select(Audit.id).where(Audit.auditor_id == auditor.user_id, Audit.kind == "external")).first()
    with pytest.raises(mc.ModerationError, match="own audit"):
        mq.assign_one(demo_session, auditor, own, auditor.user_id)
    # A sample drawn for the auditor from every kind of audit leaves their own out.
    result = mq.draw(demo_session, auditor, filters=mq.QueueFilter(kind=None), method=SampleMethod.PERCENT_PER_TEAM,
                    amount=20, seed="own", moderator_id=auditor.user_id, today=DEMO_TODAY, assign=False)
    authors = set(demo_session.exec(select(Audit.auditor_id).where(col(Audit.id).in_(result.audit_ids))))
    assert result.audit_ids and auditor.user_id not in authors
    assert result.own_audits_left_out > 0


def test_a_person_cannot_grade_an_audit_they_wrote_even_if_assigned(demo_session):
    """Belt and braces: a moderation row pointing at one's own audit is refused at grading."""
    auditor = scope_of(demo_session, "auditor")
    own = demo_session.exec(select(Audit).where(Audit.auditor_id == auditor.user_id)).first()
    moderation = Moderation(audit_id=own.id, moderator_id=auditor.user_id, status="assigned")
    demo_session.add(moderation)
    demo_session.commit()
    blind, grades, rationales = blind_grades(demo_session, moderation.id)
    with pytest.raises(mc.ModerationError, match="own audit"):
        mg.submit_blind(demo_session, auditor, moderation.id, grades=grades, rationales=rationales, overall=2,
                       overall_rationale="x")


def test_draw_is_reproducible_and_assigns_with_its_label(demo_session):
    auditor = scope_of(demo_session, "auditor")
    colleague = user_id(demo_session, "b.okafor")
    kwargs = dict(filters=mq.QueueFilter(), method=SampleMethod.PERCENT_PER_TEAM, amount=10, seed="week-12",
                  moderator_id=colleague, today=DEMO_TODAY)
    preview = mq.draw(demo_session, auditor, assign=False, **kwargs)
    again = mq.draw(demo_session, auditor, assign=False, **kwargs)
    assert preview.audit_ids == again.audit_ids
    teams = {r.team for r in mq.moderation_queue(demo_session, auditor)}
    assert len(preview.audit_ids) >= len(teams)  # at least one from every team
    assert demo_session.exec(select(Moderation).where(Moderation.moderator_id == colleague,
                                                      Moderation.status == "assigned")).first() is None
    drawn = mq.draw(demo_session, auditor, assign=True, **kwargs)
    demo_session.commit()
    assert drawn.audit_ids == preview.audit_ids and len(drawn.moderation_ids) == len(drawn.audit_ids)
    stored = demo_session.exec(select(Moderation).where(col(Moderation.id).in_(drawn.moderation_ids))).all()
    assert {s.sample_label for s in stored} == {f"Sample {DEMO_TODAY.isoformat()} · 10% per team · seed week-12"}
    assert {s.moderator_id for s in stored} == {colleague} and {s.assigned_by_id for s in stored} == {auditor.user_id}
    events = demo_session.exec(select(Event.action).where(col(Event.action).like("moderation.%"))).all()
    assert events.count("moderation.assigned") == len(drawn.audit_ids) and "moderation.sample_drawn" in events
    # Drawn audits have left the queue; the same draw again draws none of them.
    queue_ids = {r.audit_id for r in mq.moderation_queue(demo_session, auditor)}
    assert not queue_ids & set(drawn.audit_ids)
    assert [r.first_auditor for r in mq.assignments(demo_session, auditor, moderator_id=colleague)]


def test_only_auditors_and_admins_organise_and_only_auditors_moderate(demo_session):
    audit_id = manager_audit_in_queue(demo_session)
    manager = scope_of(demo_session, "manager")
    auditor = scope_of(demo_session, "auditor")
    with pytest.raises(PermissionError):
        mq.assign_one(demo_session, manager, audit_id, auditor.user_id)
    with pytest.raises(mc.ModerationError, match="auditor role"):
        mq.assign_one(demo_session, auditor, audit_id, manager.user_id)
    admin = scope_of(demo_session, "admin")
    assert mq.assign_one(demo_session, admin, audit_id, auditor.user_id)
    with pytest.raises(mc.ModerationError, match="already"):
        mq.assign_one(demo_session, admin, audit_id, user_id(demo_session, "b.okafor"))


# ------------------------------------------------------------------ blind grading
def test_blind_case_carries_no_first_grade_or_rationale(demo_session):
    audit_id = manager_audit_in_queue(demo_session)
    audit = demo_session.get(Audit, audit_id)
    marker = "FIRST-AUDITOR-SECRET"
    audit.overall_rationale = marker + " overall"
    audit.lived_experience = marker + " lived"
    audit.learning_points = marker + " learning"
    for answer in demo_session.exec(select(Answer).where(Answer.audit_id == audit_id)):
        answer.rationale = marker + f" q{answer.question_id}"
    demo_session.commit()
    moderation_id = assign_to_auditor(demo_session, audit_id)
    blind = mg.load_blind(demo_session, scope_of(demo_session, "auditor"), moderation_id)
    assert marker not in repr(blind)
    names = {f.name for f in dataclasses.fields(blind.details)} | {f.name for f in dataclasses.fields(blind.questions[0])}
    assert not {n for n in names if "grade" in n or "rationale" in n}
    assert blind.details.case_reference.startswith("LCS") and blind.details.audit_date == audit.audit_date
    # The comparison stays shut until the blind grades are in, for everyone.
    for username in ("auditor", "admin"):
        with pytest.raises(mc.ModerationError, match="only after"):
            mg.load_comparison(demo_session, scope_of(demo_session, username), moderation_id)
    # Another auditor cannot grade it.
    with pytest.raises(mc.ModerationError, match="assigned moderator"):
        mg.load_blind(demo_session, scope_of(demo_session, "b.okafor"), moderation_id)


def test_blind_grades_are_validated_then_saved_once(demo_session):
    moderation_id = assign_to_auditor(demo_session, manager_audit_in_queue(demo_session))
    auditor = scope_of(demo_session, "auditor")
    blind, grades, rationales = blind_grades(demo_session, moderation_id)
    first = blind.questions[0].question_id
    with pytest.raises(mc.ModerationError) as error:
        mg.submit_blind(demo_session, auditor, moderation_id, grades={**grades, first: None}, rationales=rationales,
                       overall=None, overall_rationale="")
    assert error.value.problems == ["Question 1: no grade.", "Overall judgement: no grade.",
                                    "Overall judgement: give your rationale."]
    demo_session.rollback()
    mg.submit_blind(demo_session, auditor, moderation_id, grades=grades, rationales=rationales, overall=2,
                   overall_rationale="Analysis is thin.")
    demo_session.commit()
    moderation = demo_session.get(Moderation, moderation_id)
    demo_session.refresh(moderation)
    assert moderation.status == "graded" and moderation.moderator_overall_grade == 2 and moderation.graded_at
    saved = demo_session.exec(select(ModerationAnswer).where(ModerationAnswer.moderation_id == moderation_id)).all()
    assert {a.question_id: a.moderator_grade for a in saved} == grades
    assert {a.agreed_grade for a in saved} == {None}
    with pytest.raises(mc.ModerationError):
        mg.submit_blind(demo_session, auditor, moderation_id, grades=grades, rationales=rationales, overall=2,
                       overall_rationale="again")


# ------------------------------------------------------------------ comparison, agreed grades, reporting
def _graded(demo_session, *, moderator_grade: int = 1) -> tuple[int, int]:
    audit_id = manager_audit_in_queue(demo_session)
    moderation_id = assign_to_auditor(demo_session, audit_id)
    _, grades, rationales = blind_grades(demo_session, moderation_id, grade=moderator_grade)
    mg.submit_blind(demo_session, scope_of(demo_session, "auditor"), moderation_id, grades=grades,
                   rationales=rationales, overall=moderator_grade, overall_rationale="Not evidenced.")
    demo_session.commit()
    return audit_id, moderation_id


def test_comparison_shows_both_sides_disagreements_first(demo_session):
    audit_id, moderation_id = _graded(demo_session, moderator_grade=1)
    comparison = mg.load_comparison(demo_session, scope_of(demo_session, "auditor"), moderation_id)
    firsts = {a.question_id: a.grade for a in demo_session.exec(select(Answer).where(Answer.audit_id == audit_id))}
    assert {line.question_id: line.first_grade for line in comparison.lines} == firsts
    assert all(line.moderator_grade == 1 and line.moderator_rationale.startswith("moderator rationale")
               for line in comparison.lines)
    sizes = [line.size for line in comparison.lines]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] >= 1
    assert comparison.first_overall == demo_session.get(Audit, audit_id).overall_grade
    assert comparison.moderator_overall == 1 and comparison.agreed_overall is None
    # While graded, the manager (first auditor) cannot see it yet.
    with pytest.raises(mc.ModerationError):
        mg.load_comparison(demo_session, scope_of(demo_session, "manager"), moderation_id)


def test_agreed_grades_replace_the_first_in_reporting(demo_session):
    manager = scope_of(demo_session, "manager")
    audit_id, moderation_id = _graded(demo_session, moderator_grade=1)
    audit = demo_session.get(Audit, audit_id)
    first_overall, version = audit.overall_grade, audit.version
    assert first_overall >= 2
    before = overview(demo_session, manager, DEMO_TODAY).rag
    questions = [line.question_id for line in mg.load_comparison(demo_session, scope_of(demo_session, "auditor"),
                                                                 moderation_id).lines]
    with pytest.raises(mc.ModerationError, match="Reflective feedback"):
        mg.complete(demo_session, scope_of(demo_session, "auditor"), moderation_id,
                   agreed={q: 1 for q in questions}, agreed_overall=1, feedback="short")
    demo_session.rollback()
    with pytest.raises(mc.ModerationError, match="Only the moderator"):
        mg.complete(demo_session, scope_of(demo_session, "admin"), moderation_id,
                   agreed={q: 1 for q in questions}, agreed_overall=1, feedback=FEEDBACK)
    mg.complete(demo_session, scope_of(demo_session, "auditor"), moderation_id,
               agreed={q: 1 for q in questions}, agreed_overall=1, feedback=FEEDBACK)
    demo_session.commit()
    demo_session.expire_all()
    audit = demo_session.get(Audit, audit_id)
    assert audit.overall_grade == first_overall and audit.moderated_overall_grade == 1
    assert audit.version == version + 1  # the optimistic lock moved: a stale edit of this audit is refused
    answers = demo_session.exec(select(Answer).where(Answer.audit_id == audit_id)).all()
    assert {a.moderated_grade for a in answers} == {1}
    after = overview(demo_session, manager, DEMO_TODAY).rag
    letter = {2: "A", 3: "G", 4: "G"}[first_overall]
    assert after["R"] == before["R"] + 1 and after[letter] == before[letter] - 1
    moderation = demo_session.get(Moderation, moderation_id)
    assert moderation.status == "completed" and moderation.feedback == FEEDBACK and moderation.completed_at
    actions = demo_session.exec(select(Event.action).where(Event.object_id.in_([str(moderation_id), str(audit_id)]),
                                                           Event.username == "auditor")).all()
    assert {"moderation.assigned", "moderation.graded", "moderation.completed", "audit.moderated_grades"} <= set(actions)
    with pytest.raises(mc.ModerationError, match="not waiting"):
        mg.complete(demo_session, scope_of(demo_session, "auditor"), moderation_id,
                   agreed={q: 2 for q in questions}, agreed_overall=2, feedback=FEEDBACK)


def test_the_first_auditor_or_their_manager_acknowledges_once(demo_session):
    audit_id, moderation_id = _graded(demo_session, moderator_grade=2)
    auditor = scope_of(demo_session, "auditor")
    questions = [q for q in demo_session.exec(select(ModerationAnswer.question_id).where(
        ModerationAnswer.moderation_id == moderation_id))]
    mg.complete(demo_session, auditor, moderation_id, agreed={q: 2 for q in questions}, agreed_overall=2,
               feedback=FEEDBACK)
    demo_session.commit()
    # Another team's manager cannot see it, the moderator may not acknowledge it.
    other_manager = scope_of(demo_session, "r.hughes")
    with pytest.raises(mc.ModerationError):
        mg.acknowledge(demo_session, other_manager, moderation_id)
    with pytest.raises(mc.ModerationError, match="first auditor"):
        mg.acknowledge(demo_session, auditor, moderation_id)
    manager = scope_of(demo_session, "manager")
    mine = {row.moderation_id: row for row in ms.feedback_log(demo_session, manager, mine_only=True)}
    assert mine[moderation_id].acknowledged_on is None
    mg.acknowledge(demo_session, manager, moderation_id)
    demo_session.commit()
    moderation = demo_session.get(Moderation, moderation_id)
    demo_session.refresh(moderation)
    assert moderation.acknowledged_by_id == manager.user_id and moderation.acknowledged_at is not None
    with pytest.raises(mc.ModerationError):
        mg.acknowledge(demo_session, manager, moderation_id)
    assert ms.feedback_log(demo_session, manager, mine_only=True)[0].acknowledged_by == "Sam Patel"
    logged = demo_session.exec(select(Event).where(Event.action == "moderation.acknowledged",
                                                   Event.object_id == str(moderation_id))).all()
    assert [e.username for e in logged] == ["manager"]


# ------------------------------------------------------------------ statistics
def _stored_pairs(session, second):
    """(first auditor, week of completion, first grade, second grade) of every graded answer of a completed
    moderation, read straight from the tables: the first grade on the answer, the other on the moderation."""
    rows = session.exec(
        select(User.display_name, Moderation.completed_at, Answer.grade, second)
        .select_from(ModerationAnswer)
        .join(Moderation, Moderation.id == ModerationAnswer.moderation_id)
        .join(Audit, Audit.id == Moderation.audit_id)
        .join(User, User.id == Audit.auditor_id)
        .join(Answer, (Answer.audit_id == Audit.id) & (Answer.question_id == ModerationAnswer.question_id))
        .where(Moderation.status == "completed")
    ).all()
    return [(name, done, a, b) for name, done, a, b in rows if a in (1, 2, 3, 4) and b in (1, 2, 3, 4)]


@pytest.mark.reference_day  # the demo as seeded on 2026-11-26: the figures the README states
def test_the_demo_moderation_tells_a_realistic_story_and_its_figures_are_pinned(demo_session):
    """The figures README and docs/figures-views.md state for the demo, computed here independently
    (plain SQL and scikit-learn) and compared with what the Moderation agreement page computes."""
    from sklearn.metrics import cohen_kappa_score

    pairs = _stored_pairs(demo_session, ModerationAnswer.agreed_grade)
    firsts, agreed = [p[2] for p in pairs], [p[3] for p in pairs]
    n = len(pairs)
    exact = sum(a == b for a, b in zip(firsts, agreed)) / n
    within_one = sum(abs(a - b) <= 1 for a, b in zip(firsts, agreed)) / n
    direction = sum(a - b for a, b in zip(firsts, agreed)) / n
    kappa = cohen_kappa_score(firsts, agreed, weights="quadratic")
    # Realistic: published case-file audit studies report quadratic kappa of about 0.3 to 0.7.
    assert 0.3 <= kappa <= 0.7
    assert sum(abs(a - b) >= 2 for a, b in zip(firsts, agreed)) >= 5  # some answers two grades apart
    # Agreed grades that differ from both the first and the moderator's blind grade.
    both = demo_session.exec(
        select(ModerationAnswer.agreed_grade, ModerationAnswer.moderator_grade, Answer.grade)
        .join(Moderation, Moderation.id == ModerationAnswer.moderation_id)
        .join(Answer, (Answer.audit_id == Moderation.audit_id) & (Answer.question_id == ModerationAnswer.question_id))
    ).all()
    assert sum(1 for agreed_grade, blind, first in both if agreed_grade not in (blind, first)) >= 5
    # One clearly generous and one clearly harsh manager (5 or more moderated audits each).
    by_name: dict[str, list[int]] = {}
    for name, _, a, b in pairs:
        by_name.setdefault(name, []).append(a - b)
    lean = {name: sum(d) / len(d) for name, d in by_name.items()}
    assert lean["Mark Doyle"] >= 0.5 and lean["Lucy Barnes"] <= -0.4
    # Agreement improves over the second half: the last two weeks of moderation against the first two.
    weeks = sorted({(done.date() - timedelta(days=done.weekday())) for _, done, _, _ in pairs})
    def exact_in(mondays):
        chosen = [(a, b) for _, done, a, b in pairs if done.date() - timedelta(days=done.weekday()) in mondays]
        return sum(a == b for a, b in chosen) / len(chosen)
    assert exact_in(weeks[-2:]) >= exact_in(weeks[:2]) + 0.15

    # The page computes the same figures.
    auditor = scope_of(demo_session, "auditor")
    stats = agreement_of([p.rated for p in ms.agreement_pairs(demo_session, auditor)])
    assert stats.moderations == MODERATED_INTERNAL == 33 and stats.n == n
    assert stats.kappa.value == pytest.approx(kappa)
    assert (stats.exact_share, stats.within_one_share, stats.direction) == pytest.approx((exact, within_one, direction))
    by_auditor = agreement_by(ms.agreement_pairs(demo_session, auditor), key=lambda p: p.first_auditor)
    assert by_auditor["Mark Doyle"].direction == pytest.approx(lean["Mark Doyle"])
    assert by_auditor["Mark Doyle"].reading == "Generous" and by_auditor["Lucy Barnes"].reading == "Harsh"
    assert {name for name, s in by_auditor.items() if s.reading in ("Generous", "Harsh")} == {
        "Lucy Barnes", "Mark Doyle"}
    overall = agreement_of([p.rated for p in ms.agreement_pairs(demo_session, auditor, ms.StatsFilter(level="overall"))])
    assert overall.n == 33

    if DEMO_TODAY == REFERENCE_DAY:  # the day the demo's figures were counted (tests/conftest.py)
        # Exactly as the page shows them, and as README.md and docs/figures-views.md state them.
        assert (n, f"{exact:.0%}", f"{within_one:.0%}", f"{kappa:.2f}", f"{direction:+.2f}") == (
            253, "45%", "92%", "0.58", "+0.17")
        assert (stats.exact_text, stats.within_one_text, stats.kappa_text, stats.direction_text) == (
            "45%", "92%", "0.58", "+0.17")
        doyle, barnes = by_auditor["Mark Doyle"], by_auditor["Lucy Barnes"]
        assert (doyle.moderations, doyle.exact_text, doyle.within_one_text, doyle.kappa_text, doyle.direction_text) \
            == (6, "22%", "78%", "0.38", "+0.84")
        assert (barnes.moderations, barnes.exact_text, barnes.within_one_text, barnes.kappa_text,
                barnes.direction_text) == (6, "40%", "95%", "0.63", "-0.50")
        assert (overall.exact_text, overall.within_one_text, overall.kappa_text, overall.direction_text) == (
            "39%", "94%", "0.46", "+0.09")
        assert (f"{exact_in(weeks[:2]):.0%}", f"{exact_in(weeks[-2:]):.0%}") == ("38%", "63%")
        assert sum(abs(a - b) >= 2 for a, b in zip(firsts, agreed)) == 21
        assert sum(1 for agreed_grade, blind, first in both if agreed_grade not in (blind, first)) == 28
        # ... and the README and docs/figures-views.md state the same figures.
        root = Path(__file__).resolve().parents[2]
        readme = " ".join((root / "README.md").read_text(encoding="utf-8").split())
        assert ("exact agreement 45%, within one grade 92%, kappa 0.58, direction +0.17; Mark Doyle (Child in Need "
                "West) is Generous at +0.84 and Lucy Barnes (Children Looked After) Harsh at -0.50") in readme
        assert "from 38% in the first two weeks of moderation to 63% in the last two" in readme
        docs = (root / "docs" / "figures-views.md").read_text(encoding="utf-8")
        for line in ("| exact agreement | 45% |", "| within one grade | 92% |", "| quadratic-weighted kappa | 0.58 |",
                     "| direction (first minus agreed) | +0.17 |",
                     "| Mark Doyle | Child in Need West | 6 | 22% | 78% | 0.38 | +0.84 | Generous |",
                     "| Lucy Barnes | Children Looked After | 6 | 40% | 95% | 0.63 | -0.50 | Harsh |"):
            assert line in docs, line


def test_the_demo_moderation_leaves_every_reported_grade_as_it_was(demo_session):
    """The realistic moderation changes first and blind grades only: the agreed grade, which every report
    uses, is the audit's true grade as before, so the heatmaps, Overview and Progress do not move.
    Hand-counted on the demo before the change: 112 Red audits (88 external, 24 internal), and the
    reported grades of all answers add up to 7,787."""
    from sqlalchemy import func

    reported = func.coalesce(Audit.moderated_overall_grade, Audit.overall_grade)
    reds = dict(demo_session.exec(
        select(Audit.kind, func.count()).where(Audit.status == "submitted", reported == 1).group_by(Audit.kind)).all())
    total = demo_session.exec(select(func.sum(func.coalesce(Answer.moderated_grade, Answer.grade)))).one()
    if DEMO_TODAY == REFERENCE_DAY:
        assert reds == {"external": 88, "internal": 24} and total == 7787
    moderated = demo_session.exec(select(Audit).where(col(Audit.moderated_overall_grade).is_not(None))).all()
    assert len(moderated) == 33
    agreed = dict(demo_session.exec(select(Moderation.audit_id, Moderation.agreed_overall_grade)).all())
    assert all(a.moderated_overall_grade == agreed[a.id] for a in moderated)

def test_statistics_filters_and_manager_scope(demo_session):
    auditor = scope_of(demo_session, "auditor")
    manager = scope_of(demo_session, "manager")
    mine = ms.agreement_pairs(demo_session, manager)
    assert mine and {p.team for p in mine} == {DEMO_MANAGER_TEAM}
    patel = user_id(demo_session, "manager")
    assert {p.moderation_id for p in mine} == {p.moderation_id for p in ms.agreement_pairs(
        demo_session, auditor, ms.StatsFilter(auditor_ids=(patel,)))}
    key, label = ms.question_options(demo_session, auditor)[0]
    one_question = ms.agreement_pairs(demo_session, auditor, ms.StatsFilter(question_keys=(key,)))
    assert one_question and {p.question for p in one_question} == {label.split(": ", 1)[1]}
    # The demo's programme starts 11 weeks before the Monday of today's week; from its week 11 on.
    week_11 = DEMO_TODAY - timedelta(days=DEMO_TODAY.weekday()) - timedelta(weeks=1)
    late = ms.agreement_pairs(demo_session, auditor, ms.StatsFilter(date_from=week_11))
    assert late and all(p.completed_on >= week_11 for p in late) and len(late) < len(
        ms.agreement_pairs(demo_session, auditor))
    with pytest.raises(PermissionError):
        ms.agreement_pairs(demo_session, scope_of(demo_session, "sponsor"))


def test_blind_and_agreed_comparisons_differ_once_agreement_moves(demo_session):
    audit_id, moderation_id = _graded(demo_session, moderator_grade=1)
    questions = [q for q in demo_session.exec(select(ModerationAnswer.question_id).where(
        ModerationAnswer.moderation_id == moderation_id))]
    # The discussion settled on the first auditor's grades: agreed = first, blind = 1.
    firsts = dict(demo_session.exec(select(Answer.question_id, Answer.grade).where(Answer.audit_id == audit_id)).all())
    mg.complete(demo_session, scope_of(demo_session, "auditor"), moderation_id,
               agreed={q: firsts[q] for q in questions}, agreed_overall=demo_session.get(Audit, audit_id).overall_grade,
               feedback=FEEDBACK)
    demo_session.commit()
    auditor = scope_of(demo_session, "auditor")
    agreed = [p for p in ms.agreement_pairs(demo_session, auditor) if p.moderation_id == moderation_id]
    blind = [p for p in ms.agreement_pairs(demo_session, auditor, ms.StatsFilter(against="blind"))
             if p.moderation_id == moderation_id]
    assert all(p.first == p.moderated for p in agreed)
    assert all(p.moderated == 1 for p in blind) and any(p.first != 1 for p in blind)


# ------------------------------------------------------------------ the feedback log
def test_feedback_log_search_by_auditor_team_and_text(demo_session):
    auditor = scope_of(demo_session, "auditor")
    log = ms.feedback_log(demo_session, auditor)
    assert len(log) == 33 and all(r.feedback for r in log)
    dates = [r.completed_on for r in log]
    assert dates == sorted(dates, reverse=True)
    doyle = ms.feedback_log(demo_session, auditor, search="doyle")
    assert doyle and {r.first_auditor for r in doyle} == {"Mark Doyle"}
    west = ms.feedback_log(demo_session, auditor, search="child in need west")
    assert {r.team for r in west} == {GENEROUS_MANAGER_TEAM}
    text = ms.feedback_log(demo_session, auditor, search="contingency")
    assert text and all("contingency" in r.feedback for r in text)
    assert ms.feedback_log(demo_session, auditor, search="%") == []  # LIKE wildcards are escaped
    team = demo_session.exec(select(Team.id).where(Team.name == DEMO_MANAGER_TEAM)).one()
    assert {r.team for r in ms.feedback_log(demo_session, auditor, team_ids=(team,))} == {DEMO_MANAGER_TEAM}
    # Questions changed counts agreed grades that differ from the first ones.
    for row in log[:5]:
        moderation = demo_session.get(Moderation, row.moderation_id)
        changed = sum(1 for a, q in demo_session.exec(
            select(Answer.grade, ModerationAnswer.agreed_grade)
            .join(ModerationAnswer, (ModerationAnswer.question_id == Answer.question_id)
                  & (ModerationAnswer.moderation_id == moderation.id))
            .where(Answer.audit_id == moderation.audit_id)) if a != q)
        assert row.questions_changed == changed
    manager_log = ms.feedback_log(demo_session, scope_of(demo_session, "manager"))
    assert manager_log and {r.team for r in manager_log} == {DEMO_MANAGER_TEAM}


def test_the_feedback_log_gives_its_newest_records_and_counts_them_all(demo_session):
    """The page shows the newest records and counts the rest (issue 16); the count follows the same
    search, filters and scope as the list."""
    auditor, manager = scope_of(demo_session, "auditor"), scope_of(demo_session, "manager")
    log = ms.feedback_log(demo_session, auditor)
    newest = ms.feedback_log(demo_session, auditor, limit=10)
    assert [r.moderation_id for r in newest] == [r.moderation_id for r in log[:10]]
    assert [r.questions_changed for r in newest] == [r.questions_changed for r in log[:10]]
    assert ms.feedback_count(demo_session, auditor) == 33  # every completed moderation of the demo
    assert ms.feedback_count(demo_session, auditor, search="doyle") == len(ms.feedback_log(
        demo_session, auditor, search="doyle")) >= 1
    team = demo_session.exec(select(Team.id).where(Team.name == DEMO_MANAGER_TEAM)).one()
    assert ms.feedback_count(demo_session, auditor, team_ids=(team,)) == len(ms.feedback_log(
        demo_session, manager)) >= 1  # the manager's log: their team's records, counted alike
    assert ms.feedback_count(demo_session, manager) == len(ms.feedback_log(demo_session, manager))
    assert ms.feedback_count(demo_session, auditor, search="%") == 0


def test_question_options_cover_the_moderated_themes(demo_session):
    options = ms.question_options(demo_session, scope_of(demo_session, "auditor"))
    keys = [k for k, _ in options]
    assert len(keys) == len(set(keys))
    theme_ids = {int(k.split(":")[0]) for k in keys}
    moderated_themes = set(demo_session.exec(
        select(Audit.theme_id).join(Moderation, Moderation.audit_id == Audit.id)))
    assert theme_ids == moderated_themes
    assert demo_session.exec(select(Question.key).where(Question.key == keys[0].split(":")[1])).first()


def test_a_managers_question_options_are_those_of_their_teams_completed_moderations(demo_session):
    # Recounted here from the rows themselves: the questions (theme and key) of the template versions
    # of the completed moderations of audits in the manager's team, and of no other moderation.
    team_id = demo_session.exec(select(Team.id).where(Team.name == DEMO_MANAGER_TEAM)).one()
    expected = set(demo_session.exec(
        select(Audit.theme_id, Question.key).select_from(Moderation)
        .join(Audit, Audit.id == Moderation.audit_id)
        .join(Question, Question.template_version_id == Audit.template_version_id)
        .where(Moderation.status == "completed", Audit.team_id == team_id)))
    options = ms.question_options(demo_session, scope_of(demo_session, "manager"))
    assert {(int(k.split(":")[0]), k.split(":")[1]) for k, _ in options} == expected
    assert 0 < len(options) < len(ms.question_options(demo_session, scope_of(demo_session, "auditor")))
