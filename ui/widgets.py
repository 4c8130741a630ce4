"""Small drawing helpers shared by pages. Text from users is always shown as text."""
from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from core import clock
from core.grades import NO_RAG_COLOUR, RAG_COLOURS, Grade, Rag, rag_of
from db.engine import read_session

RAG_ORDER = ["R", "A", "G"]
RAG_SCALE = alt.Scale(domain=RAG_ORDER, range=[RAG_COLOURS[Rag(r)] for r in RAG_ORDER])


def rag_badge(grade: Grade | int | None) -> str:
    """A Streamlit-markdown badge for a grade: colour and words, never colour alone."""
    if grade is None:
        return ":gray-badge[Not graded]"
    grade = Grade(grade)
    rag = rag_of(grade)
    colour = {Rag.RED: "red", Rag.AMBER: "orange", Rag.GREEN: "green", None: "gray"}[rag]
    letter = f"{rag.value} · " if rag else ""
    return f":{colour}-badge[{letter}{grade.label}]"


def rag_legend() -> None:
    st.caption("RAG: **R** Red = Inadequate · **A** Amber = Requires improvement · **G** Green = Good or Outstanding")


def today() -> date:
    """The council's today (``core.clock``): every page reads the day through here."""
    return clock.today()


def session():
    """A read session on the configured database (pages never open engines themselves)."""
    return read_session()


def rag_bar(frame: pd.DataFrame, *, x: str, title: str, height: int = 260) -> alt.Chart:
    """A stacked RAG bar: ``frame`` has columns x, 'rag' (R/A/G) and 'audits'."""
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:N", sort=None, title=None),
            y=alt.Y("audits:Q", title="Audits"),
            color=alt.Color("rag:N", scale=RAG_SCALE, title="RAG", sort=RAG_ORDER),
            order=alt.Order("rag_order:Q"),
            tooltip=[x, "rag", "audits"],
        )
        .properties(height=height)
    )


__all__ = ["NO_RAG_COLOUR", "RAG_SCALE", "rag_badge", "rag_bar", "rag_legend", "session", "today"]
