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
