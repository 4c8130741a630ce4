"""The agreement statistics' data on a hand-built fixture, on SQLite and PostgreSQL: the counts
the page reads (summed in SQL), the same figures pair by pair and as the Progress page counts
them, and the comparisons of a manager's feedback loaded in a fixed number of statements."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event
from sqlmodel import Session

from core.agreement import agreement_figures, agreement_of
from core.authz import Role, Scope
from db.engine import get_engine, write_session
from db.models import Answer, Audit, Case, Moderation, ModerationAnswer, Programme, Question, Team, TemplateVersion, \
    Theme
from db.moderation.grading import load_comparison, load_comparisons
from db.moderation.stats import StatsFilter, agreement_counts, agreement_pairs
from core.periods import Period
from db.queries.progress import period_figures
from db.rollups import rebuild
from db.users import create_user

PROGRAMME_START = date(2026, 9, 7)  # a Monday: 14 and 16 Sep are week 2, 22 Sep week 3
# moderation: (team, first auditor, completed on, first grades, moderator's blind grades, agreed grades,
#              first overall, blind overall, agreed overall); 0 is not applicable.
MODERATIONS = {
    "m1": ("Alpha", "Sam Patel", date(2026, 9, 14), (3, 2, 0), (2, 2, 0), (2, 2, 0), 3, 2, 2),
    "m2": ("Alpha", "Sam Patel", date(2026, 9, 16), (4, 3, 1), (3, 3, 4), (3, 3, 1), 4, 3, 3),
    "m3": ("Beta", "Kim Lee", date(2026, 9, 22), (1, 2, 3), (1, 3, 3), (2, 3, 3), 3, 2, 3),
}
FEEDBACK = {"m1": "Say what the day is like.", "m2": "Risk was listed, not analysed.", "m3": "Good plan."}


def _build(url: str, extra_alpha: int = 0) -> dict:
    """The fixture; ``extra_alpha`` more completed moderations of Sam Patel's team (grades 2, 2, 2)."""
    ids: dict = {}
    with write_session(get_engine(url)) as s:
        s.add(Programme(name="Test programme", start_date=PROGRAMME_START, weeks=12))
        teams = {"Alpha": Team(name="Alpha", service_area="North"), "Beta": Team(name="Beta", service_area="South")}
        theme = Theme(code="neglect", name="Neglect")
        s.add_all([*teams.values(), theme])
        s.flush()
        version = TemplateVersion(theme_id=theme.id, version=1)
        s.add(version)
        s.flush()
        questions = [Question(template_version_id=version.id, position=i + 1, key=f"q{i + 1}", domain="D",
                              text=f"Question {i + 1}", allow_na=True) for i in range(3)]
        s.add_all(questions)
        s.flush()
        people = {}
        for username, name, roles, managed in (("auditor", "Alex Morgan", {Role.AUDITOR}, set()),
                                               ("sam", "Sam Patel", {Role.MANAGER}, {teams["Alpha"].id}),
                                               ("kim", "Kim Lee", {Role.MANAGER}, {teams["Beta"].id})):
            people[name] = create_user(s, actor="test", username=username, display_name=name, password="x" * 12,
                                       roles=roles, managed_team_ids=managed, check_strength=False, bcrypt_rounds=4)
        rows = dict(MODERATIONS)
        for k in range(extra_alpha):
            rows[f"x{k}"] = ("Alpha", "Sam Patel", date(2026, 9, 18), (2, 2, 2), (2, 2, 2), (2, 2, 2), 2, 2, 2)
        for key, (team, first_auditor, on, first, blind, agreed, first_overall, blind_overall, agreed_overall) in \
                rows.items():
            case = Case(reference=f"LCS{key.upper()}", team_id=teams[team].id)
            s.add(case)
            s.flush()
            audit = Audit(case_id=case.id, theme_id=theme.id, template_version_id=version.id, kind="internal",
                          auditor_id=people[first_auditor].id, team_id=teams[team].id, audit_date=on, status="submitted",
                          overall_grade=first_overall, moderated_overall_grade=agreed_overall)
            s.add(audit)
            s.flush()
            completed = datetime(on.year, on.month, on.day, 11, 0, tzinfo=timezone.utc)
            moderation = Moderation(audit_id=audit.id, moderator_id=people["Alex Morgan"].id, status="completed",
                                    moderator_overall_grade=blind_overall, agreed_overall_grade=agreed_overall,
                                    feedback=FEEDBACK.get(key, "Fine."), graded_at=completed, completed_at=completed)
            s.add(moderation)
            s.flush()
            for question, a, b, c in zip(questions, first, blind, agreed, strict=True):
                s.add(Answer(audit_id=audit.id, question_id=question.id, grade=a, rationale=f"first {key}",
                             moderated_grade=c))
                s.add(ModerationAnswer(moderation_id=moderation.id, question_id=question.id, moderator_grade=b,
                                       moderator_rationale=f"moderator {key} q{question.position}", agreed_grade=c))
            ids[key] = moderation.id
        ids["alpha"], ids["sam"] = teams["Alpha"].id, people["Sam Patel"].id
        rebuild(s)  # rows written directly, as a bulk load: Progress's rollups counted (db.rollups)
    return ids


def _auditor() -> Scope:
    return Scope(1, "auditor", frozenset({Role.AUDITOR}))


def _sam(ids) -> Scope:
    return Scope(ids["sam"], "sam", frozenset({Role.MANAGER}), frozenset({ids["alpha"]}))


@pytest.fixture
def fx(db_url):
    ids = _build(db_url)
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        yield session, ids


# ------------------------------------------------------------------ the figures, three ways
def test_counts_in_sql_give_the_hand_counted_figures_and_the_pairs_agree(fx):
    session, ids = fx
    # Question grades against the agreed grade, not applicable left out (8 pairs):
    # m1 (3,2) (2,2); m2 (4,3) (3,3) (1,1); m3 (1,2) (2,3) (3,3).
    figures = agreement_figures(agreement_counts(session, _auditor(), StatsFilter()), PROGRAMME_START)
    stats = figures.stats
    assert (stats.n, stats.moderations, stats.exact, stats.within_one) == (8, 3, 4, 8)
    assert stats.direction == 0.0  # +1 +0 +1 +0 +0 -1 -1 +0
    assert stats.matrix == [[1, 1, 0, 0], [0, 1, 1, 0], [0, 1, 2, 0], [0, 0, 1, 0]]
    # Quadratic kappa by hand: rows (2, 2, 3, 1), columns (1, 3, 4, 0), n 8, weights (i - j)^2 / 9.
    # Observed disagreement: four pairs one grade apart, 4/9 = 32/72. Expected by chance: the sum of
    # (i - j)^2 * row_i * column_j is 38 + 10 + 21 + 25 = 94, over 9 * 8: 94/72. Kappa 1 - 32/94 = 0.6596.
    assert stats.kappa.value == pytest.approx(62 / 94)
    assert stats.kappa_text == "0.66"
    assert [(b.label, b.stats.n, b.stats.exact, b.stats.moderations) for b in figures.over_time] == [
        ("Week 2", 5, 3, 2), ("Week 3", 3, 1, 1)]
    ranked = {name: (s.n, s.exact, s.moderations, s.direction_text) for name, s in figures.graders.too_few}
    assert ranked == {"Kim Lee": (3, 1, 1, "-0.67"), "Sam Patel": (5, 3, 2, "+0.40")}
    assert figures.graders.ranked == []  # fewer than 5 moderated audits each
    assert figures.teams == {"Sam Patel": ["Alpha"], "Kim Lee": ["Beta"]}
    # The same figures pair by pair (the path the page took before).
    assert agreement_of([p.rated for p in agreement_pairs(session, _auditor(), StatsFilter())]) == stats
    # A manager: their team's two moderations only.
    sam = agreement_figures(agreement_counts(session, _sam(ids), StatsFilter())).stats
    assert (sam.n, sam.moderations, sam.exact) == (5, 2, 3)


def test_overall_and_blind_counts(fx):
    session, _ = fx
    overall = agreement_figures(agreement_counts(session, _auditor(), StatsFilter(level="overall"))).stats
    # First overall against agreed: (3,2) (4,3) (3,3).
    assert (overall.n, overall.moderations, overall.exact, overall.within_one) == (3, 3, 1, 3)
    assert overall.direction_text == "+0.67"
    blind = agreement_figures(agreement_counts(session, _auditor(), StatsFilter(against="blind"))).stats
    # Against the blind grades: m1 (3,2) (2,2); m2 (4,3) (3,3) (1,4); m3 (1,1) (2,3) (3,3).
    # Exact 4 of 8, within one 7 (not (1,4)), direction (1 + 0 + 1 + 0 - 3 + 0 - 1 + 0) / 8 = -0.25.
    assert (blind.n, blind.exact, blind.within_one, blind.direction_text) == (8, 4, 7, "-0.25")
    assert blind.matrix == [[1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 2, 0], [0, 0, 1, 0]]


def test_the_progress_figures_and_the_agreement_page_count_the_same_pairs(fx):
    """Progress counts agreement in its own SQL (Answer.moderated_grade); the agreement page in
    db.moderation.stats (ModerationAnswer.agreed_grade). Both, on the same rows, by hand."""
    session, ids = fx
    figures = period_figures(session, _auditor(), Period("sep", "September", date(2026, 9, 7), date(2026, 9, 30)),
                             as_of=date(2026, 9, 30))
    agreement, by_team = figures.agreement, figures.agreement_by_team
    # audits, answers, exact, within one, first higher, first lower, overall judgements, overall exact
    assert (agreement.audits, agreement.answers, agreement.exact, agreement.within_one, agreement.first_higher,
            agreement.first_lower) == (3, 8, 4, 8, 2, 2)
    stats = agreement_figures(agreement_counts(session, _auditor(), StatsFilter())).stats
    assert (stats.moderations, stats.n, stats.exact, stats.within_one) == (3, 8, 4, 8)
    higher = sum(stats.matrix[i][j] for i in range(4) for j in range(4) if i > j)
    lower = sum(stats.matrix[i][j] for i in range(4) for j in range(4) if i < j)
    assert (higher, lower) == (2, 2)
    assert [(t.team, t.agreement.answers, t.agreement.exact) for t in by_team] == [("Alpha", 5, 3), ("Beta", 3, 1)]


# ------------------------------------------------------------------ the manager's feedback, no N+1
def _statements(session, action) -> tuple[int, object]:
    engine = session.get_bind()
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):  # not the transaction's BEGIN on first use
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), result


def _lines(comparison) -> list[tuple]:
    return [(line.position, line.first_grade, line.moderator_grade, line.agreed_grade) for line in comparison.lines]


def test_a_managers_comparisons_load_in_a_fixed_number_of_statements(db_url):
    ids = _build(db_url, extra_alpha=12)
    sam = _sam(ids)
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        two = [ids["m1"], ids["m2"]]
        many = two + [ids[f"x{k}"] for k in range(12)]
        few_count, _ = _statements(session, lambda: load_comparisons(session, sam, two))
        many_count, comparisons = _statements(session, lambda: load_comparisons(session, sam, many))
        assert few_count == many_count == 4
        assert list(comparisons) == many
        m1, m2 = comparisons[ids["m1"]], comparisons[ids["m2"]]
        # Disagreements first (largest, then question order), then agreement.
        assert _lines(m1) == [(1, 3, 2, 2), (2, 2, 2, 2), (3, 0, 0, 0)]
        assert _lines(m2) == [(3, 1, 4, 1), (1, 4, 3, 3), (2, 3, 3, 3)]
        assert (m1.first_overall, m1.moderator_overall, m1.agreed_overall, m1.changed_by_moderation) == (3, 2, 2, 1)
        assert (m2.first_overall, m2.agreed_overall, m2.changed_by_moderation) == (4, 3, 1)
        assert (m1.feedback, m1.moderator, m1.details.case_reference, m1.details.team) == (
            FEEDBACK["m1"], "Alex Morgan", "LCSM1", "Alpha")
        assert [line.moderator_rationale for line in m2.lines] == ["moderator m2 q3", "moderator m2 q1",
                                                                 "moderator m2 q2"]
        # One by one, the rows are the same.
        for moderation_id in many:
            assert load_comparison(session, sam, moderation_id) == comparisons[moderation_id]
        # Another team's moderation is refused, alone or among the manager's own.
        with pytest.raises(ValueError, match="not one you may see"):
            load_comparisons(session, sam, two + [ids["m3"]])
