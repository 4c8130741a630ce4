"""Streamlit glue of the Overview: its figures and charts, cached per data version and scope.

Every signed-in user lands here, so the figures are read once per data version for everyone who
sees the same teams, and the three charts are built and validated once with them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import altair as alt
import pandas as pd

from core.authz import Scope
from core.chart_channels import layer_of, tooltips
from db.engine import read_session
from db.queries.overview import Overview, overview
from ui.cache import cached_query
from ui.widgets import RAG_SCALE, ReadyChart, ready


def share(count: int, total: int) -> str:
    return f"{count / total:.0%}" if total else "-"


@dataclass(frozen=True)
class OverviewCharts:
    themes: ReadyChart  # external audits against target; a manager's teams: audits by theme
    themes_table: pd.DataFrame
    rag: ReadyChart  # the RAG mix of all audits
    rag_table: pd.DataFrame


@cached_query(reads_drafts=False)
def overview_figures(scope: Scope, day: date) -> Overview:
    with read_session() as session:
        return overview(session, scope, day)


def overview_charts(data: Overview, scope: Scope, day: date) -> OverviewCharts:
    """The charts of ``data`` (``overview_figures(scope, day)``), built once per data version."""
    return _overview_charts(scope, day, _data=data)


@cached_query(reads_drafts=False)
def _overview_charts(scope: Scope, day: date, *, _data: Overview) -> OverviewCharts:
    # Keyed like the figures; ``_data``, the page's copy of them, is left out of the key.
    if _data.targets_apply:
        themes = pd.DataFrame([{"Theme": t.theme, "Done": t.external, "Target": t.target, "Internal": t.internal}
                               for t in _data.themes])
        bars = alt.Chart().mark_bar(color="#1d4f91").encode(
            y=alt.Y("Theme:N", sort=None, title=None), x=alt.X("Done:Q", title="Audits"),
            tooltip=tooltips("Theme:N", "Done:Q", "Target:Q"),
        )
        ticks = alt.Chart().mark_tick(color="#111", thickness=3, size=24).encode(
            y=alt.Y("Theme:N", sort=None), x=alt.X("Target:Q"), tooltip=tooltips("Theme:N", "Target:Q")
        )
        themes_chart = layer_of(themes, bars, ticks)
    else:
        themes = pd.DataFrame([{"Theme": t.theme, "External": t.external, "Internal": t.internal}
                               for t in _data.themes])
        themes_chart = alt.Chart(themes).mark_bar(color="#1d4f91").encode(
            y=alt.Y("Theme:N", sort=None, title=None), x=alt.X("External:Q", title="External audits"),
            tooltip=tooltips("Theme:N", "External:Q", "Internal:Q"),
        )
    rag = pd.DataFrame(
        [{"RAG": letter, "Audits": n, "Share": share(n, _data.audits_all)} for letter, n in _data.rag.items()]
    )
    rag_chart = alt.Chart(rag).mark_bar().encode(
        x=alt.X("RAG:N", sort=["R", "A", "G"], title=None, axis=alt.Axis(labelAngle=0)),  # letters fit flat
        y=alt.Y("Audits:Q"),
        color=alt.Color("RAG:N", scale=RAG_SCALE, legend=None),
        tooltip=tooltips("RAG:N", "Audits:Q", "Share:N"),
    )
    return OverviewCharts(ready(themes_chart), themes, ready(rag_chart), rag)
