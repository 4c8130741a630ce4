"""core.grades.grade_text: a grade in words with its RAG letter, the one way tables show a grade."""
from core.grades import grade_text


def test_each_grade_reads_as_its_rag_letter_and_words():
    assert grade_text(4) == "G · Outstanding"
    assert grade_text(3) == "G · Good"
    assert grade_text(2) == "A · Requires improvement"  # the label the whole app uses
    assert grade_text(1) == "R · Inadequate"
    assert grade_text(0) == "Not applicable"  # no RAG colour, so no letter


def test_no_grade_reads_as_the_callers_placeholder():
    assert grade_text(None) == ""
    assert grade_text(None, missing="-") == "-"


def test_a_question_offers_the_four_grades_best_first_and_not_applicable_only_where_allowed():
    from core.grades import question_grades

    # Outstanding 4, Good 3, Requires improvement 2, Inadequate 1; Not applicable 0 last.
    assert question_grades() == [4, 3, 2, 1]
    assert question_grades(allow_na=True) == [4, 3, 2, 1, 0]
