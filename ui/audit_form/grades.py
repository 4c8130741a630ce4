"""The one grade widget of audit entry and moderation: one-click buttons with the RAG badge
beside them; and a grade in words."""
from __future__ import annotations

import streamlit as st

from core.grades import Grade, question_grades, rag_of
from ui.widgets import rag_badge

GRADE_WORDS = {
    Grade.OUTSTANDING: "Outstanding", Grade.GOOD: "Good", Grade.REQUIRES_IMPROVEMENT: "Requires improvement",
    Grade.INADEQUATE: "Inadequate", Grade.NOT_APPLICABLE: "N/A",
}



def grade_buttons(label: str, key: str, options: list[int] | None = None, where=None,
                  disabled: bool = False) -> int | None:
    """One-click grade buttons with the RAG badge right beside them, changing with the choice:
    colour and words, never colour alone. The one grade widget of audit entry and moderation.
    ``key`` is the session-state key holding the grade (an int of ``core.grades.Grade`` or None)."""
    options = options if options is not None else question_grades()
    with (where or st).container(horizontal=True, vertical_alignment="bottom"):
        st.segmented_control(label, options, key=key, format_func=lambda g: GRADE_WORDS[Grade(g)], disabled=disabled)
        grade = st.session_state.get(key)
        st.markdown(rag_badge(grade), width="content")
    return grade


def rag_words(grade: int | None) -> str:
    """A grade and its RAG in words: 'Red (Inadequate)'; the badge beside it adds the colour."""
    if grade is None:
        return "not graded"
    rag = rag_of(Grade(grade))
    return f"{rag.label} ({Grade(grade).label})" if rag else Grade(grade).label
