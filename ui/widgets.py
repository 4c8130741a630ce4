"""Small drawing helpers shared by pages. Text from users is always shown as text."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import altair as alt
import altair.utils.schemapi as altair_schemapi
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from core import clock
from core.chart_channels import chart_values
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


@dataclass(frozen=True)
class ReadyChart:
    """A chart built once: its finished Vega-Lite spec and the rows it draws (its text alternative).

    Building an Altair chart and validating its spec costs tens of milliseconds a chart, on every
    rerun; a page caches ``ready(chart)`` with the figures it comes from and draws the spec. Its table
    is made then too (a pivot is a few milliseconds a rerun at 100,000 audits)."""

    spec: dict
    table: pd.DataFrame  # the chart's text alternative as shown under it (``as_table``)


# Altair checks every spec against the Vega-Lite JSON schema in to_dict(): about 100 ms of the
# Progress page's 350 ms cold run at 10,000 audits. The specs come from fixed code, not from
# users, so the test suite checks them (tests/app/conftest.py turns this on for every AppTest, and
# the unit tests of core.progress_charts validate theirs) and the served app does not.
VALIDATE_CHARTS = False
# Altair also checks schema objects against the schema as they are built (its "debug mode", on by
# default): 15 of the 63 ms that building and finishing the Progress page's nine charts took at
# 100,000 audits. It is off in the served app for the same reason; the AppTests turn it back on
# beside VALIDATE_CHARTS (tests/app/conftest.py), and the finished specs are validated there.
altair_schemapi.disable_debug_mode()
# And it hands each chart's rows on through a short way for frames of plain columns (numbers, truth
# values, text): core.chart_channels.chart_values, the same records for about a third less time.
alt.data_transformers.register("plain_columns", chart_values)
alt.data_transformers.enable("plain_columns")


def spec_of(chart: alt.TopLevelMixin) -> dict:
    """A chart's finished Vega-Lite spec (validated against the schema under test only), its rows in
    the form ``st.vega_lite_chart`` sends them (``arrow_datasets``)."""
    return arrow_datasets(chart.to_dict(validate=VALIDATE_CHARTS))


def arrow_datasets(spec: dict) -> dict:
    """``spec`` with each named dataset as Arrow IPC bytes, converted the way Streamlit converts them.

    ``st.vega_lite_chart`` turns a dataset given as records into a pandas frame and then into Arrow
    on every run that draws the chart, and passes bytes through as they are. A spec finished here
    is cached with its figures, so its rows are converted once, not on each rerun: that conversion
    was a third of a warm rerun of Progress (nine charts) before."""
    datasets = spec.get("datasets")
    if datasets:
        spec["datasets"] = {name: rows if isinstance(rows, bytes) else dataframe_util.convert_anything_to_arrow_bytes(rows)
                            for name, rows in datasets.items()}
    return spec


def ready(chart: alt.TopLevelMixin, *, columns: dict[str, str] | None = None,
          pivot: tuple[str, str, str] | None = None) -> ReadyChart:
    """The chart finished, with its table (``columns`` and ``pivot`` as for ``as_table``)."""
    return ReadyChart(spec_of(chart), as_table(chart_data(chart), columns=columns, pivot=pivot))


def draw_ready_chart(chart: ReadyChart, **kwargs) -> None:
    """Draw a ready chart (``kwargs`` as for ``st.vega_lite_chart``: width, height)."""
    st.vega_lite_chart(chart.spec, **kwargs)


def chart_data(chart: alt.TopLevelMixin) -> pd.DataFrame:
    """The rows an Altair chart draws (a layered chart: its first layer's, which all its layers share here)."""
    while not isinstance(getattr(chart, "data", None), pd.DataFrame) and getattr(chart, "layer", None):
        chart = chart.layer[0]
    return chart.data if isinstance(chart.data, pd.DataFrame) else pd.DataFrame()


def as_table(frame: pd.DataFrame, *, columns: dict[str, str] | None = None,
             pivot: tuple[str, str, str] | None = None) -> pd.DataFrame:
    """A chart's rows as its table: ``columns`` picks, orders and names the columns ({chart's: shown});
    ``pivot`` = (rows, columns, values) turns a long frame into a grid in the order the chart draws it."""
    if pivot is not None:
        # Added up here rather than by ``DataFrame.pivot_table``, which took ten times as long on a
        # chart's few dozen rows (a cold run of the agreement page makes one).
        index, across, values = pivot
        grid: dict = {}
        across_order: dict = {}
        for row, column, value in zip(frame[index], frame[across], frame[values]):
            across_order.setdefault(column, None)
            cells = grid.setdefault(row, {})
            cells[column] = cells.get(column, 0) + value
        frame = pd.DataFrame([{index: row, **cells} for row, cells in grid.items()], columns=[index, *across_order])
    elif columns is not None:
        frame = frame[list(columns)].rename(columns=columns)
    return frame


def chart_table(chart: ReadyChart, *, title: str = "The chart as a table") -> None:
    """A chart's text alternative (WCAG 1.1.1): its figures as a table under it, folded away (the table
    is made with the chart: ``ready(chart, columns=..., pivot=...)``)."""
    frame = chart.table
    with st.expander(title):
        st.dataframe(frame, hide_index=True, width="stretch")


def tag_column(label: str, values: list[str], shade: Callable[[str], str], **config) -> tuple[list[list[str]], dict]:
    """One coloured tag per cell (none for an empty value): the cells and their column's config.

    ``st.column_config.MultiselectColumn`` draws a read-only list as tags, a colour per option, with the
    theme's text on it. Use it rather than pandas' Styler to colour a table's cells: Streamlit renders a
    Styler cell by cell, 45 of a warm rerun's 95 ms on the tracker's page of 50 actions (docs/benchmark.md,
    thirteenth round)."""
    options = sorted({value for value in values if value})
    column = st.column_config.MultiselectColumn(label, options=options, color=[shade(o) for o in options] or None,
                                                **config)
    return [[value] if value else [] for value in values], column


__all__ = ["NO_RAG_COLOUR", "RAG_SCALE", "chart_table", "rag_badge", "rag_legend", "session", "tag_column", "today"]
