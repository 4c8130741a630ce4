"""Streamlit glue of the Progress page: the period picker, cached figures, presentation mode
and the board report's downloads.

Presentation mode lives in the URL (``?present=1&slide=3``), so a chart can be
shown on a meeting-room screen, reloaded or shared without the page's widgets; the
sidebar is collapsed with ``st.set_page_config(initial_sidebar_state=...)``, which
Streamlit allows to be called again by a page after the router has set the layout.
Every text drawn here is ours (computed findings, programme, theme, team and domain
names); names are escaped before they reach Markdown and nothing goes to HTML.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from core.authz import Scope
from core.board_report import build_board_report
from core.board_report_tables import ReportTable
from core.exports import XLSX_MIME
from core.periods import Period, custom_period, default_period, parse_period, period_options
from core.progress import ProgressReport, report_audience
from core.progress_charts import CHARTS, progress_charts
from core.progress_findings import Headline, headlines, narrative
from db.board_reports import DOWNLOADED, PREPARED, log_board_report
from db.engine import read_session, write_session
from db.queries.progress import programme_dates, progress_report
from ui.cache import cached_query
from ui.errors import refusable
from ui.text import plain
from ui.widgets import spec_of

PRESENT = "present"
SLIDE = "slide"
PERIOD = "period"
CUSTOM = "custom"
_FILES = "progress_board_report"
_WAS_PRESENTING = "progress_was_presenting"


# ------------------------------------------------------------------ figures (cached per data version)
@cached_query(reads_drafts=False)
def _programme_dates() -> tuple[date, int] | None:
    with read_session() as session:
        return programme_dates(session)


@cached_query(reads_drafts=False)
def _progress_report(audience: tuple, period: Period, as_of: date, *, _scope: Scope) -> ProgressReport | None:
    # Keyed by the audience, not the user: every auditor, admin and support user shares one report,
    # every sponsor another, managers of the same teams a third. ``_scope`` (one of that audience)
    # is not part of the key: Streamlit does not hash arguments whose name starts with "_".
    with read_session() as session:
        return progress_report(session, _scope, period, as_of)


def programme() -> tuple[date, int] | None:
    return _programme_dates()


def report_for(scope: Scope, period: Period, as_of: date) -> ProgressReport | None:
    return _progress_report(report_audience(scope), period, as_of, _scope=scope)


@dataclass(frozen=True)
class DrawnChart:
    """A progress chart ready to draw: its finding, caption and finished Vega-Lite spec."""

    key: str
    title: str
    caption: str
    spec: dict
    height: int  # of the plot, in pixels


@cached_query(reads_drafts=False)
def _chart_specs(audience: tuple, period: Period, as_of: date, large: bool, keys: tuple[str, ...] | None, *,
                 _report: ProgressReport) -> list[DrawnChart]:
    # Building Altair charts and finishing their specs was about two thirds of a warm rerun of this
    # page; the finished specs depend only on the report, so they are cached with it (keyed like the
    # report; ``_report``, the page's copy of it, is left out of the key).
    drawn = []
    for chart in progress_charts(_report, height=560 if large else 300, keys=keys):
        spec = chart.chart
        if large:  # readable from the back of a meeting room
            spec = spec.configure_axis(labelFontSize=16, titleFontSize=16).configure_legend(
                labelFontSize=16, titleFontSize=16, symbolSize=180)
        height = spec.height if isinstance(spec.height, int) else 300
        drawn.append(DrawnChart(chart.key, chart.title, chart.caption, spec_of(spec), height))
    return drawn


def charts_for(report: ProgressReport, scope: Scope, period: Period, as_of: date, *,
               large: bool = False, keys: tuple[str, ...] | None = None) -> dict[str, DrawnChart]:
    """The Progress charts of ``report`` (``report_for(scope, period, as_of)``), all or those of ``keys``,
    by key, in the order the page shows them."""
    specs = _chart_specs(report_audience(scope), period, as_of, large, keys, _report=report)
    return {chart.key: chart for chart in specs}


# ------------------------------------------------------------------ choosing the period
def choose_period(start: date, weeks: int, as_of: date, *, show: bool = True) -> Period:
    """The period in the URL (default: the programme month under way); with ``show``, a picker."""
    chosen = parse_period(st.query_params.get(PERIOD), start, weeks, as_of) or default_period(start, weeks, as_of)
    if not show:
        return chosen
    options = {p.key: p for p in period_options(start, weeks, as_of)}
    keys = [*options, CUSTOM]
    current = chosen.key if chosen.key in options else CUSTOM
    # The URL is the source of truth (presentation mode and a reload keep the period), so the
    # widget's default follows it rather than session state set behind the widget's back.
    key = st.selectbox(
        "Period", keys, index=keys.index(current), key="progress_period",
        format_func=lambda k: options[k].title if k in options else "Other dates...",
        help="Programme months are four programme weeks each (weeks 1-4, 5-8, 9-12). The previous period is the "
             "month before, or as many days just before chosen dates.",
    )
    if key == CUSTOM:
        picked = st.date_input("From and to", value=(chosen.start, chosen.end), format="DD/MM/YYYY",
                               key="progress_custom_dates")
        if isinstance(picked, (tuple, list)) and len(picked) == 2:
            chosen = custom_period(picked[0], picked[1])
    else:
        chosen = options[key]
    if st.query_params.get(PERIOD) != chosen.key:
        st.query_params[PERIOD] = chosen.key
    return chosen


# ------------------------------------------------------------------ presentation mode
def presenting() -> bool:
    return st.query_params.get(PRESENT) == "1"


def prepare_layout() -> None:
    """Collapse the sidebar while presenting; open it again once, on the way out."""
    if presenting():
        st.set_page_config(initial_sidebar_state="collapsed")
        st.session_state[_WAS_PRESENTING] = True
    elif st.session_state.pop(_WAS_PRESENTING, False):
        st.set_page_config(initial_sidebar_state="expanded")


def _set_presenting(on: bool) -> None:
    if on:
        st.query_params[PRESENT] = "1"
        st.query_params[SLIDE] = "1"
    else:
        for key in (PRESENT, SLIDE):
            if key in st.query_params:
                del st.query_params[key]


def presentation_toggle() -> None:
    on = st.toggle("Presentation mode", value=presenting(), key="progress_present_toggle",
                   help="Large charts, one to a screen, no sidebar: for the meeting-room screen.")
    if on != presenting():
        _set_presenting(on)
        st.rerun()


def _slide_number(count: int) -> int:
    try:
        number = int(st.query_params.get(SLIDE, "1"))
    except ValueError:
        number = 1
    return max(1, min(count, number))


def _go_to_slide(number: int) -> None:
    st.query_params[SLIDE] = str(number)


def draw_presentation(report: ProgressReport, scope: Scope, period: Period, as_of: date) -> None:
    """One slide at a time: the headline figures, then each chart (only the one shown is built),
    with Previous and Next."""
    count = len(CHARTS) + 1
    number = _slide_number(count)
    left, middle, right, leave = st.columns([1, 4, 1, 1.4], vertical_alignment="center")
    left.button("Previous", icon=":material/arrow_back:", disabled=number == 1, on_click=_go_to_slide,
                args=(number - 1,), key="progress_previous", width="stretch")
    middle.caption(f"{plain(report.programme_name)} · {plain(report.period.title)} · "
                   f"slide {number} of {count}")
    right.button("Next", icon=":material/arrow_forward:", disabled=number == count, on_click=_go_to_slide,
                 args=(number + 1,), key="progress_next", width="stretch")
    with leave:
        presentation_toggle()
    if number == 1:
        st.title(f"Progress: {plain(report.period.name)}", anchor=False)
        draw_headlines(report, columns=4)
        draw_narrative(report)
        return
    key = list(CHARTS)[number - 2]
    draw_chart(charts_for(report, scope, period, as_of, large=True, keys=(key,))[key], large=True)


# ------------------------------------------------------------------ drawing
def draw_headlines(report: ProgressReport, columns: int = 4) -> None:
    items: list[Headline] = headlines(report)
    previous = report.previous.period.name if report.previous else None
    for start in range(0, len(items), columns):
        for column, item in zip(st.columns(columns), items[start:start + columns]):
            # The tile says what it counts; under its figure, a share's n and the tile's period; the
            # help says it in a sentence.
            help_text = f"{item.label}. {item.help}"
            if previous and item.previous is not None:
                help_text = f"{help_text} {previous}: {item.previous}."
            tile = column.container(border=True, height="stretch")  # the row's tiles are one height
            tile.metric(item.tile_label, item.figure, delta=item.delta,
                        delta_color="normal" if item.higher_is_better else "inverse", help=plain(help_text))
            if item.tile_caption:
                tile.caption(plain(item.tile_caption))


def draw_narrative(report: ProgressReport) -> None:
    since = f"What changed since {report.previous.period.name}" if report.previous else "What happened in the period"
    st.subheader(plain(since), anchor=False)
    st.markdown("\n".join(f"- {plain(line)}" for line in narrative(report)))


CHART_FRAME = 150  # pixels around a progress chart's plot: axes, y title and legend


def draw_chart(chart: DrawnChart, *, large: bool = False) -> None:
    if large:
        st.header(plain(chart.title), anchor=False)
    else:
        st.subheader(plain(chart.title), anchor=False)
    # Streamlit draws a chart at its own default height whatever the spec says, which squeezed the
    # themes chart (two legend rows) to a sliver: give the plot its spec's height, as in the PDF,
    # plus room for the axes, the flat y title and a legend below.
    st.vega_lite_chart(chart.spec, width="stretch", height=chart.height + CHART_FRAME)
    st.caption(plain(chart.caption))


def draw_table(table: ReportTable, *, expanded: bool = False) -> None:
    with st.expander(table.title, expanded=expanded):
        st.dataframe(pd.DataFrame([list(row) for row in table.rows], columns=list(table.columns)),
                     hide_index=True, width="stretch")
        if table.note:
            st.caption(plain(table.note))


# ------------------------------------------------------------------ the board report
def _log_report(username: str, action: str, period: Period, scope_label: str, **detail) -> None:
    """Preparing or downloading the report is one user action: one transaction for its log entry."""
    with write_session() as session:
        log_board_report(session, username, action, period, scope_label, **detail)


def board_report_section(report: ProgressReport, username: str) -> None:
    """Prepare the PDF and Excel of the chosen period (with progress shown), then offer both."""
    st.subheader("Board report", anchor=False)
    st.caption(
        f"{plain(report.period.title)}: the figures, charts and tables on this page as a PDF and an "
        "Excel workbook for the board. Aggregate and team-level figures only: no case references, practitioner "
        "names or free text."
    )
    # Files stay offered while they still hold the figures on the page: keyed on the figures
    # themselves, not on the data version, which the report's own log entries move on.
    stored = st.session_state.get(_FILES)
    files = stored[1] if stored and stored[0] == report else None
    if st.button("Prepare the board report", type="primary", icon=":material/description:",
                 key="progress_prepare_report"):
        started = time.perf_counter()
        with st.status(f"Preparing the board report for {report.period.name}...", expanded=True) as status:
            bar = st.progress(0.0, text="Reading the figures")
            files = build_board_report(report, lambda fraction, step: bar.progress(min(1.0, fraction), text=step))
            _log_report(username, PREPARED, report.period, report.scope_label,
                        pdf_bytes=len(files.pdf), xlsx_bytes=len(files.xlsx))
            status.update(label=f"Board report ready in {time.perf_counter() - started:.1f} s", state="complete",
                          expanded=False)
        st.session_state[_FILES] = (report, files)
    if files is None:
        return
    pdf, excel = st.columns(2)
    pdf.download_button("Download PDF", files.pdf, file_name=f"{files.file_stem}.pdf", mime="application/pdf",
                        icon=":material/picture_as_pdf:", key="progress_download_pdf", width="stretch",
                        on_click=refusable(_log_report), args=(username, DOWNLOADED, report.period, report.scope_label),
                        kwargs={"format": "pdf"})
    excel.download_button(
        "Download Excel", files.xlsx, file_name=f"{files.file_stem}.xlsx",
        mime=XLSX_MIME, icon=":material/table_view:",
        key="progress_download_xlsx", width="stretch", on_click=refusable(_log_report),
        args=(username, DOWNLOADED, report.period, report.scope_label), kwargs={"format": "xlsx"},
    )
