"""Unit tests for the agreement statistics and the moderation rules, with hand-worked examples.

Every kappa is also checked against scikit-learn's ``cohen_kappa_score(weights="quadratic")``: the
hand-worked cases and 25 random samples, in the two cross-check tests at the end of the kappa section
(marked ``slow`` in tests/conftest.py: importing scikit-learn takes about 2 s, so the fast tier proves
each kappa by its hand-worked value and the full run and CI cross-check it).
"""
from __future__ import annotations

import random
import warnings
from datetime import date

import pytest

from core.agreement import (
    kappa_note,
    rank_graders,
    KAPPA_NO_PAIRS,
    KAPPA_NO_VARIATION,
    KAPPA_ONE_PAIR,
    RatedPair,
    agreement,
    agreement_by,
    agreement_of,
    agreement_over_time,
    comparison_matrix,
    graded_pairs,
    share_text,
    weighted_kappa,
)
from core.moderation import (
    Candidate,
    ComparisonLine,
    QuestionRule,
    SampleMethod,
    difference_text,
    disagreements_first,
    draw_sample,
    grading_problems,
    sample_label,
    sample_problem,
    sample_size,
)


def sklearn_kappa(pairs):
    # Imported on use, not at collection (scikit-learn takes seconds to import).
    from sklearn.metrics import cohen_kappa_score

    first, second = zip(*pairs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cohen_kappa_score(first, second, weights="quadratic", labels=[1, 2, 3, 4])


# ------------------------------------------------------------------ hand-worked statistics
def test_perfect_agreement():
    pairs = [(1, 1), (2, 2), (3, 3), (4, 4), (3, 3)]
    stats = agreement(pairs)
    assert (stats.n, stats.exact, stats.within_one) == (5, 5, 5)
    assert stats.exact_text == "100%" and stats.within_one_text == "100%"
    assert stats.kappa.value == pytest.approx(1.0)
    assert stats.direction == 0
    assert stats.matrix == [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]]


def test_total_disagreement_is_kappa_minus_one():
    # O: (1,4)=1, (4,1)=1; marginals 1 and 1 on grades 1 and 4 for both graders, so
    # E = 0.5 in each corner cell. Weights: corners (1,4)/(4,1) are 1, the diagonal 0.
    # sum(wO) = 2; sum(wE) = 0.5 + 0.5 = 1; kappa = 1 - 2/1 = -1.
    pairs = [(1, 4), (4, 1)]
    stats = agreement(pairs)
    assert stats.kappa.value == pytest.approx(-1.0)
    assert stats.exact == 0 and stats.within_one == 0
    assert stats.direction == 0  # +3 and -3 cancel


def test_hand_worked_kappa_with_one_generous_grade():
    # Pairs: (3,3), (2,2), (3,2), (4,4). n = 4.
    # Rows (first): g2=1, g3=2, g4=1. Columns (moderated): g2=2, g3=1, g4=1.
    # Observed weighted disagreement: only (3,2), w = 1/9 -> 1/9.
    # Expected E_ij = row_i*col_j/4; sum of w*E:
    #   row2: col3 1*1/4*1/9 + col4 1*1/4*4/9            = 1/36 + 4/36
    #   row3: col2 2*2/4*1/9 + col4 2*1/4*1/9            = 4/36 + 2/36
    #   row4: col2 1*2/4*4/9 + col3 1*1/4*1/9            = 8/36 + 1/36   -> total 20/36
    # kappa = 1 - (4/36) / (20/36) = 0.8
    pairs = [(3, 3), (2, 2), (3, 2), (4, 4)]
    stats = agreement(pairs)
    assert stats.kappa.value == pytest.approx(0.8)
    assert stats.exact == 3 and stats.within_one == 4
    assert stats.direction == pytest.approx(0.25)
    assert stats.small  # 4 pairs, 4 moderations: below 5
    assert stats.exact_text == "3 of 4"


def test_all_one_grade_on_both_sides_has_no_kappa_but_full_agreement():
    pairs = [(3, 3)] * 6
    stats = agreement(pairs)
    assert stats.kappa.value is None and stats.kappa.reason == KAPPA_NO_VARIATION
    assert stats.exact_text == "100%"
    assert stats.kappa_text == "-"


def test_one_grader_constant_the_other_not_gives_kappa_zero():
    # Rows all grade 3: the observed matrix equals the expected one, so kappa is 0.
    pairs = [(3, 2), (3, 3), (3, 4), (3, 3)]
    assert weighted_kappa(pairs).value == pytest.approx(0.0)


def test_n_equals_one_and_no_pairs():
    assert weighted_kappa([(2, 3)]) .value is None
    assert weighted_kappa([(2, 3)]).reason == KAPPA_ONE_PAIR
    one = agreement([(2, 3)])
    assert one.n == 1 and one.direction == -1 and one.exact_text == "0 of 1" and one.within_one_text == "1 of 1"
    empty = agreement([])
    assert empty.n == 0 and empty.kappa.reason == KAPPA_NO_PAIRS and empty.direction is None
    assert empty.exact_text == "-" and empty.direction_text == "-" and empty.reading == "Nothing compared"


def test_not_applicable_and_ungraded_are_left_out():
    pairs = [(0, 3), (3, 0), (None, 2), (2, None), (0, 0), (2, 2), (4, 3)]
    assert graded_pairs(pairs) == [(2, 2), (4, 3)]
    stats = agreement(pairs)
    assert stats.n == 2 and stats.exact == 1 and stats.direction == pytest.approx(0.5)


# The pairs of the hand-worked tests above and of test_a_kappa_of_zero_beside_high_exact_agreement_is_explained.
HAND_WORKED = {
    "total_disagreement": [(1, 4), (4, 1)],
    "one_generous_grade": [(3, 3), (2, 2), (3, 2), (4, 4)],
    "one_grader_constant": [(3, 2), (3, 3), (3, 4), (3, 3)],
    "kappa_zero_beside_high_exact_agreement": [(2, 2)] * 5 + [(3, 2), (1, 2)],
}


@pytest.mark.parametrize("pairs", HAND_WORKED.values(), ids=HAND_WORKED.keys())
def test_the_hand_worked_kappas_match_scikit_learn(pairs):
    theirs = sklearn_kappa(pairs)
    assert agreement(pairs).kappa.value == pytest.approx(theirs)
    assert weighted_kappa(pairs).value == pytest.approx(theirs)


@pytest.mark.parametrize("seed", range(25))
def test_kappa_matches_scikit_learn_on_random_samples(seed):
    rng = random.Random(seed)
    n = rng.randint(2, 60)
    pairs = []
    for _ in range(n):
        first = rng.randint(1, 4)
        pairs.append((first, max(1, min(4, first + rng.choice((-2, -1, 0, 0, 0, 1))))))
    ours = weighted_kappa(pairs)
    theirs = sklearn_kappa(pairs)
    if ours.value is None:
        assert ours.reason == KAPPA_NO_VARIATION and theirs != theirs  # scikit-learn gives NaN
    else:
        assert ours.value == pytest.approx(theirs, abs=1e-12)


def test_comparison_matrix_rows_are_first_grades():
    assert comparison_matrix([(4, 3), (4, 3), (1, 2)]) == [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 2, 0]]


def test_small_numbers_show_counts_not_percentages():
    assert share_text(3, 4, small=True) == "3 of 4"
    assert share_text(3, 4, small=False) == "75%"
    assert share_text(0, 0, small=False) == "-"
    # Small is about moderated audits, not grade pairs: 40 question grades from 4 audits are still few.
    rated = [RatedPair(3, 3, moderation_id=i % 4) for i in range(40)]
    stats = agreement_of(rated)
    assert stats.n == 40 and stats.moderations == 4 and stats.small and stats.exact_text == "40 of 40"
    rated += [RatedPair(3, 2, moderation_id=9)]
    assert not agreement_of(rated).small


def test_direction_reading_flags_a_generous_grader():
    generous = [RatedPair(3, 2, i) for i in range(3)] + [RatedPair(3, 3, i) for i in range(3, 6)]
    assert agreement_of(generous).direction == pytest.approx(0.5)
    assert agreement_of(generous).reading == "Generous"
    harsh = [RatedPair(2, 3, i) for i in range(5)]
    assert agreement_of(harsh).reading == "Harsh"
    in_line = [RatedPair(2, 2, i) for i in range(5)] + [RatedPair(3, 2, 6)]
    assert agreement_of(in_line).reading == "In line"  # +1/6 is below the threshold
    few = [RatedPair(4, 1, i) for i in range(4)]
    assert agreement_of(few).reading == "Too few to judge"


def test_agreement_by_groups_and_counts_moderations():
    class Row:
        def __init__(self, who, first, moderated, mid):
            self.who = who
            self.rated = RatedPair(first, moderated, mid)

    rows = [Row("A", 3, 3, 1), Row("A", 3, 2, 1), Row("B", 2, 2, 2), Row("A", 4, 4, 3)]
    by = agreement_by(rows, key=lambda r: r.who)
    assert list(by) == ["A", "B"]
    assert (by["A"].n, by["A"].moderations, by["A"].exact) == (3, 2, 2)
    assert (by["B"].n, by["B"].moderations) == (1, 1)


def test_agreement_over_time_buckets_by_programme_week():
    start = date(2026, 9, 7)  # a Monday: week 1
    rated = [
        RatedPair(3, 3, 1, date(2026, 10, 19)),  # Monday of week 7
        RatedPair(3, 2, 1, date(2026, 10, 19)),
        RatedPair(2, 2, 2, date(2026, 10, 25)),  # Sunday of week 7
        RatedPair(4, 4, 3, date(2026, 11, 24)),  # week 12
        RatedPair(4, 4, 4, None),  # no date: left out
    ]
    buckets = agreement_over_time(rated, start)
    assert [b.label for b in buckets] == ["Week 7", "Week 12"]
    assert [b.stats.n for b in buckets] == [3, 1]
    assert buckets[0].stats.moderations == 2 and buckets[0].stats.exact == 2
    assert buckets[0].starts_on == date(2026, 10, 19)
    assert agreement_over_time(rated)[0].label == "w/c 19 Oct 2026"


def test_texts_never_show_minus_zero():
    stats = agreement([(3, 3), (2, 3), (3, 2), (2, 2), (4, 4)])
    assert stats.direction_text == "+0.00"


# ------------------------------------------------------------------ sampling
CANDIDATES = [Candidate(audit_id=i, team=f"team{i % 3}", first_auditor=f"manager{i % 4}") for i in range(1, 61)]


def test_sample_size_rounds_up_so_every_team_gives_one():
    assert sample_size(20, 10) == 2
    assert sample_size(21, 10) == 3
    assert sample_size(3, 10) == 1
    assert sample_size(0, 10) == 0
    assert sample_size(5, 100) == 5


def test_percent_per_team_draws_from_every_team():
    drawn = draw_sample(CANDIDATES, SampleMethod.PERCENT_PER_TEAM, 10, "2026-11-26")
    assert len(drawn) == 6  # 20 audits per team: 2 each
    teams = [f"team{i % 3}" for i in drawn]
    assert sorted(teams.count(t) for t in set(teams)) == [2, 2, 2]


def test_number_per_auditor_caps_at_what_each_has():
    drawn = draw_sample(CANDIDATES, SampleMethod.NUMBER_PER_AUDITOR, 2, "x")
    assert len(drawn) == 8
    assert len(draw_sample(CANDIDATES[:3], SampleMethod.NUMBER_PER_AUDITOR, 5, "x")) == 3


def test_a_sample_is_reproducible_and_the_seed_matters():
    first = draw_sample(CANDIDATES, SampleMethod.PERCENT_PER_TEAM, 25, "week-9")
    again = draw_sample(list(reversed(CANDIDATES)), SampleMethod.PERCENT_PER_TEAM, 25, "week-9")
    assert first == again  # order of the queue does not matter
    others = {tuple(draw_sample(CANDIDATES, SampleMethod.PERCENT_PER_TEAM, 25, f"seed-{i}")) for i in range(5)}
    assert len(others) > 1


def test_sample_label_and_problems():
    label = sample_label(date(2026, 11, 26), SampleMethod.PERCENT_PER_TEAM, 10, " abc ")
    assert label == "Sample 2026-11-26 · 10% per team · seed abc"
    assert sample_problem(SampleMethod.PERCENT_PER_TEAM, 10, "  ") is not None
    assert sample_problem(SampleMethod.PERCENT_PER_TEAM, 0, "s") is not None
    assert sample_problem(SampleMethod.NUMBER_PER_AUDITOR, 51, "s") is not None
    assert sample_problem(SampleMethod.NUMBER_PER_AUDITOR, 3, "s") is None
    assert sample_problem(SampleMethod.NUMBER_PER_AUDITOR, 3, "x" * 31) is not None


# ------------------------------------------------------------------ grading and comparison
RULES = [QuestionRule(10, allow_na=False), QuestionRule(11, allow_na=True)]


def test_grading_needs_every_question_and_an_overall():
    assert grading_problems(RULES, {10: 3, 11: 0}, 3, overall_rationale="Evidence is good.") == []
    problems = grading_problems(RULES, {10: None, 11: 0}, None, overall_rationale=" ")
    assert problems == ["Question 1: no grade.", "Overall judgement: no grade.", "Overall judgement: give your rationale."]
    assert grading_problems(RULES, {10: 0, 11: 2}, 2) == ["Question 1: not applicable is not allowed here."]
    assert grading_problems(RULES, {10: 2, 11: 2}, 0) == [
        "Overall judgement: choose Outstanding, Good, Requires improvement or Inadequate."]
    assert grading_problems(RULES, {10: 2, 11: 2}, 2, question_numbers={10: 4, 11: 5}) == []
    assert grading_problems(RULES, {10: 9, 11: 2}, 2, question_numbers={10: 4}) == ["Question 4: not a grade."]


def test_agreed_grades_need_reflective_feedback():
    short = grading_problems(RULES, {10: 3, 11: 3}, 3, feedback="ok")
    assert len(short) == 1 and short[0].startswith("Reflective feedback")
    assert grading_problems(RULES, {10: 3, 11: 3}, 3, feedback="Lived experience was described, not analysed.") == []


def line(position, first, moderator):
    return ComparisonLine(position, position, "d", f"q{position}", first, "", moderator, "")


def test_disagreements_first_largest_first_then_question_order():
    lines = [line(1, 3, 3), line(2, 3, 2), line(3, 4, 2), line(4, 2, 2), line(5, 2, 3), line(6, 0, 2)]
    ordered = disagreements_first(lines)
    assert [l.position for l in ordered] == [3, 2, 5, 6, 1, 4]
    assert [l.size for l in ordered] == [2, 1, 1, 1, 0, 0]
    assert difference_text(ordered[0]) == "2 grades apart (first higher)"
    assert difference_text(ordered[2]) == "1 grade apart (first lower)"
    assert difference_text(ordered[3]) == "N/A differs"
    assert difference_text(ordered[4]) == "Agree"


# ------------------------------------------------------------------ reading the figures honestly
def test_a_kappa_of_zero_beside_high_exact_agreement_is_explained():
    # Every agreed grade Requires improvement; five of seven first grades the same. Quadratic kappa is
    # exactly 0 whenever one side never varies (observed and chance disagreement are equal).
    pairs = [(2, 2)] * 5 + [(3, 2), (1, 2)]
    stats = agreement(pairs)
    assert stats.kappa.value == pytest.approx(0.0)
    assert kappa_note(stats) == (
        "Kappa is 0.00 although 5 of 7 grades agree exactly: every agreed grade was Requires improvement, so chance "
        "alone predicts most of that agreement. Kappa counts only agreement beyond chance; read the exact agreement "
        "and the matrix here.")
    # Most, not all, first grades the same: 8 of 9 first grades Good (7 of 9 agreed grades Good).
    skewed = [(3, 3)] * 6 + [(3, 2), (3, 4), (2, 3)]
    note = kappa_note(agreement(skewed))
    assert agreement(skewed).kappa.value <= 0.1 and "8 of 9 first grades were Good" in note
    # A kappa that is not near 0, or low exact agreement, needs no note.
    assert kappa_note(agreement([(1, 1), (2, 2), (3, 3), (4, 4), (2, 3)])) == ""
    assert kappa_note(agreement([(2, 2), (3, 2), (1, 2), (4, 2)])) == ""  # kappa 0 but only 1 of 4 agree


def test_graders_with_fewer_than_five_moderated_audits_are_set_apart_and_not_ranked():
    def stats(direction_pairs, moderations):
        return agreement(direction_pairs, moderations=moderations)

    graders = rank_graders({
        "Zoe": stats([(3, 2)] * 4 + [(2, 2)] * 4, 5),  # +0.50 over 5 audits
        "Ann": stats([(2, 3)] * 3 + [(2, 2)] * 3, 6),  # -0.50 over 6
        "Bob": stats([(4, 1)], 1),  # +3.00 but one audit: apart
        "Cy": stats([(2, 2)] * 8, 5),  # 0.00
        "Al": stats([(1, 2)] * 4, 4),  # four audits: apart
    })
    assert [name for name, _ in graders.ranked] == ["Zoe", "Cy", "Ann"]
    assert [name for name, _ in graders.too_few] == ["Al", "Bob"]
