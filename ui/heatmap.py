"""Streamlit glue of the RAG heatmaps page: cached queries, filter widgets kept in the URL,
the Altair heatmap and its drill-down controls.

Filters live in the query string (``st.query_params``): the widgets start from
the link that opened the page and every change rewrites the link, so a view can
be shared or bookmarked. Cached queries are keyed by every filter and by the
user's data scope (not by the person), and by the newest event id through
``ui.cache.cached_query``, so any write shows on the next run.
"""
from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.authz import Scope
from core.grades import Grade, grade_text
from core.exports import to_csv
from core.heatmap import MIN_AUDITS, AuditKind, Colour, Grid, Unit, View, cell_record, legend, rank_rows_by_red_rate
from core.heatmap_filters import HeatmapFilters, default_filters, scope_from_cache_key
from db.engine import read_session
from db.queries.heatmap import CellAudits, HeatmapOptions, cell_audits, heatmap, heatmap_options
from ui.cache import cached_query
from ui.guard import export_button
from ui.widgets import arrow_datasets
from ui.text import plain

FILTER = "heatmaps_filter_"  # prefix of the filters' widget keys and state
DRILL = "heatmaps_drill_"  # prefix of the drill-down's
PERIODS = {"all": "All dates", "weeks": "Programme weeks", "dates": "Dates"}


# ---------------------------------------------------------------- cached data
@cached_query(reads_drafts=False)
def load_options(scope_key: tuple) -> HeatmapOptions:
    with read_session() as session:
        return heatmap_options(session, scope_from_cache_key(scope_key))


@cached_query(reads_drafts=False)
def load_cell_audits(scope_key: tuple, filters: HeatmapFilters, row_key: str, col_key: str) -> CellAudits:
    with read_session() as session:
        return cell_audits(session, scope_from_cache_key(scope_key), filters, row_key, col_key)


# ---------------------------------------------------------------- filters <-> URL
def _clean(filters: HeatmapFilters, options: HeatmapOptions, scope: Scope) -> HeatmapFilters:
    """``filters`` limited to what ``options`` offers (a shared link may name teams this user cannot see)."""
    team_ids = tuple(t for t in filters.team_ids if t in {i for i, _, _ in options.teams})
    themes = tuple(t for t in filters.theme_codes if t in {c for c, _ in options.themes})
    area = filters.service_area if filters.service_area in options.service_areas else ""
    weeks = filters.weeks
    if weeks is not None:
        if not options.programme_weeks:
            weeks = None
        else:
            weeks = (max(1, min(weeks[0], options.programme_weeks)), max(1, min(weeks[1], options.programme_weeks)))
    return filters.with_changes(team_ids=team_ids, theme_codes=themes, service_area=area, weeks=weeks).for_scope(scope)


def _seed_widgets(filters: HeatmapFilters, options: HeatmapOptions) -> None:
    """Put ``filters`` into the widgets' state (first run of the page in this session)."""
    state = st.session_state
    state[FILTER + "view"] = filters.view.value
    state[FILTER + "colour"] = filters.colour.value
    state[FILTER + "period"] = "weeks" if filters.weeks else "dates" if filters.dates else "all"
    state[FILTER + "weeks"] = filters.weeks or (1, max(2, options.programme_weeks))
    if filters.dates:
        state[FILTER + "dates"] = filters.dates
    state[FILTER + "teams"] = list(filters.team_ids)
    state[FILTER + "themes"] = list(filters.theme_codes)
    state[FILTER + "kind"] = filters.kind.value
    state[FILTER + "moderated"] = filters.moderated_only
    state[FILTER + "area"] = filters.service_area
    state[FILTER + "seeded"] = True


def filter_controls(options: HeatmapOptions, scope: Scope, today: date) -> HeatmapFilters:
    """Draw the filters (seeded from the URL on first run); return them and write them to the URL."""
    if not st.session_state.get(FILTER + "seeded") or FILTER + "view" not in st.session_state:
        query = st.query_params.to_dict()
        start = HeatmapFilters.from_query(query) if query else default_filters(scope)
        _seed_widgets(_clean(start, options, scope), options)

    views = [v for v in View if v.team_level or scope.sees_practitioners]
    periods = [p for p in PERIODS if p != "weeks" or options.programme_weeks]
    if st.session_state.get(FILTER + "period") not in periods:
        st.session_state[FILTER + "period"] = "all"

    with st.container(border=True):
        top = st.columns([3, 2, 3])
        view = View(top[0].radio("Heatmap", [v.value for v in views], key=FILTER + "view", horizontal=True,
                                 format_func=lambda v: View(v).label))
        colour = Colour(top[1].radio("Colour by", [c.value for c in Colour], key=FILTER + "colour", horizontal=True,
                                     format_func=lambda c: Colour(c).label,
                                     help="Largest RAG share: the colour most of the cell's grades have (pale when "
                                          "under half). Mean grade: 1 Inadequate to 4 Outstanding, red through amber "
                                          "to green. The bands are fixed, so a colour always means the same."))
        kind = AuditKind(top[2].radio("Audits", [k.value for k in AuditKind], key=FILTER + "kind", horizontal=True,
                                      format_func=lambda k: AuditKind(k).label))

        left, middle, right = st.columns([2, 3, 3])
        period = left.radio("Period", periods, key=FILTER + "period", format_func=PERIODS.get)
        weeks = dates = None
        # A widget's state is dropped on runs that do not draw it: restore it before drawing.
        state = st.session_state
        if period == "weeks":
            if FILTER + "weeks" not in state:
                state[FILTER + "weeks"] = (1, max(2, options.programme_weeks))
            weeks = middle.slider("Programme weeks", 1, max(2, options.programme_weeks), key=FILTER + "weeks")
        elif period == "dates":
            if FILTER + "dates_input" not in state:
                state[FILTER + "dates_input"] = state.get(FILTER + "dates") or (options.programme_start or today, today)
            chosen = middle.date_input("From and to", key=FILTER + "dates_input", format="DD/MM/YYYY")
            if isinstance(chosen, (tuple, list)) and len(chosen) == 2:
                dates = (chosen[0], chosen[1])
                state[FILTER + "dates"] = dates
            else:  # the first day is picked, the last not yet
                middle.caption("Choose the last day too.")
                dates = state.get(FILTER + "dates")
        else:
            middle.caption("Every submitted audit, whatever its date.")
        team_names = {i: n for i, n, _ in options.teams}
        everyone = "All teams" if scope.team_ids is None else "All your teams"
        teams = middle.multiselect("Teams", list(team_names), key=FILTER + "teams", format_func=team_names.get,
                                   placeholder=everyone)
        theme_names = dict(options.themes)
        themes = right.multiselect("Themes", list(theme_names), key=FILTER + "themes", format_func=theme_names.get,
                                   placeholder="All themes")
        area = right.selectbox("Service area", ["", *options.service_areas], key=FILTER + "area",
                               format_func=lambda a: a or "All service areas")
        moderated = right.checkbox("Moderated audits only", key=FILTER + "moderated",
                                   help="Only audits that were moderated. Every heatmap uses the moderated grade "
                                        "wherever an audit was moderated.")

    filters = HeatmapFilters(
        view=view, colour=colour, weeks=weeks, dates=dates if weeks is None else None, team_ids=tuple(teams),
        theme_codes=tuple(themes), kind=kind, moderated_only=moderated, service_area=area,
    ).for_scope(scope)
    query = filters.to_query()
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    return filters


# ---------------------------------------------------------------- drawing
AXIS_TITLES = {
    View.TEAM_THEME: ("Team", "Theme"),
    View.TEAM_WEEK: ("Team", "Week"),
    View.PRACTITIONER_DOMAIN: ("Practitioner", "Question domain"),
}


# What the chart receives per cell: the text and colours drawn, never the counts themselves (a
# suppressed cell's label and tooltip carry nothing of its grades).
CHART_COLUMNS = ["row_key", "row", "col_key", "col", "band", "text_colour", "label", "tooltip", "description",
                 "suppressed"]


def cell_records(grid: Grid, colour: Colour) -> list[dict]:
    """``core.heatmap.cell_record`` of every cell, made once for the chart and the table."""
    return [cell_record(c, colour, grid.unit) for c in grid.cells]


def grid_frame(records: list[dict], row_order: list[str]) -> pd.DataFrame:
    """The cells (``cell_records``) as the chart's data, rows in ``row_order``: one row per cell, what is
    drawn and nothing else."""
    rank = {key: i for i, key in enumerate(row_order)}
    records = sorted(records, key=lambda r: rank.get(r["row_key"], len(rank)))  # stable: columns keep their order
    columns = {name: [r[name] for r in records] for name in CHART_COLUMNS if name != "description"}
    # What a screen reader says for a cell (Vega-Lite puts it in the mark's aria-label).
    columns["description"] = [f"{r['row']} · {r['col']}: {r['judgement']}" for r in records]
    return pd.DataFrame(columns, columns=CHART_COLUMNS)


def table_columns(unit: Unit) -> list[tuple[str, str]]:
    """(record field, column title) of "the heatmap as a table"; titles name the unit counted."""
    counted = "audits" if unit is Unit.AUDITS else "answers"
    columns = [("row", "Row"), ("col", "Column"), ("audits", "Audits")]
    if unit is Unit.ANSWERS:
        columns.append(("graded", "Graded answers"))
    columns += [("red", f"Red {counted}"), ("amber", f"Amber {counted}"), ("green", f"Green {counted}"),
                ("mean_grade", "Mean grade"), ("judgement", "Judgement")]
    return columns


def table_frame(grid: Grid, records: list[dict], row_order: list[str]) -> pd.DataFrame:
    """"The heatmap as a table", the same figures (``cell_records``) as the chart: a suppressed cell says
    why and carries nothing else."""
    columns = table_columns(grid.unit)
    rank = {key: i for i, key in enumerate(row_order)}
    cols = {key: i for i, (key, _) in enumerate(grid.cols)}
    records = sorted(records, key=lambda r: (rank.get(r["row_key"], len(rank)), cols.get(r["col_key"], 0)))
    frame = pd.DataFrame({title: [r[field] for r in records] for field, title in columns},
                         columns=[title for _, title in columns])
    for _, title in columns[2:-2]:  # counts: whole numbers, blank where suppressed
        frame[title] = frame[title].astype("Int64")
    return frame


def table_csv(frame: pd.DataFrame) -> bytes:
    """The table as CSV, through ``core.exports`` (formula injection neutralised); blank where suppressed."""
    values = frame.astype(object).where(frame.notna(), None).values.tolist()
    return to_csv(list(frame.columns), values)


def table_download(frame: pd.DataFrame, filters: HeatmapFilters, username: str) -> None:
    """"Download the table (CSV)": built when clicked, never on a rerun, and logged then (one ``export``
    event with the view's filters and row count: every download is attributable)."""
    export_button("Download the table (CSV)", lambda: table_csv(frame), file_name=f"heatmap-{filters.view.value}.csv",
                  mime="text/csv", username=username, object_type="heatmap", object_id=filters.view.value,
                  after={"rows": len(frame), "filters": filters.to_query()}, key="heatmaps_table_csv")


def _axis(field: str, title: str, order: list[str], axis: dict) -> dict:
    return {"field": field, "type": "nominal", "sort": order, "title": title, "axis": axis}


def heatmap_spec(grid: Grid, colour: Colour, row_order: list[str]) -> dict:
    """The Vega-Lite spec of the heatmap, without its data (``load_view`` adds the cells).

    Written as a plain dict rather than built with Altair: Altair's object model and
    schema validation cost 50-100 ms a run, more than the whole warm-rerun budget.
    Cells: a rect coloured on the fixed scale (grey when too few to judge) under a
    text label with the RAG counts; a click selects the cell ("cell": row and column keys).
    """
    bands, fills = legend(colour)
    labels = dict(grid.rows)
    row_labels = [labels[k] for k in row_order if k in labels]
    col_labels = [label for _, label in grid.cols]
    row_title, col_title = AXIS_TITLES[grid.view]
    shown = set(grid_bands(grid, colour))
    keep = [i for i, band in enumerate(bands) if band in shown] or list(range(len(bands)))
    colour_legend = {
        "title": "Mean grade (1 Inadequate to 4 Outstanding)" if colour is Colour.MEAN else "Largest RAG share",
        "orient": "bottom", "columns": 4, "symbolType": "square", "symbolSize": 180, "labelLimit": 260,
        "values": [bands[i] for i in keep],
    }
    # Column labels wrap onto lines of words (an array label is drawn one line each), so that long
    # domain names stay horizontal and none is dropped for overlapping. Vega draws the lines of a
    # top label downwards, towards the cells: every label gets the same number of lines (blank
    # ones first) and the labels move up by all but one line, so the last line sits on the axis.
    wrapped = {label: textwrap.wrap(label, WRAP) or [label] for label in col_labels}
    lines = max((len(w) for w in wrapped.values()), default=1)
    wrapped = {label: [""] * (lines - len(w)) + w for label, w in wrapped.items()}
    x = _axis("col", col_title, col_labels, {
        "orient": "top", "labelAngle": 0, "labelOverlap": False, "labelLimit": 200, "labelLineHeight": LINE,
        "labelPadding": 4 + LINE * (lines - 1),
        "labelExpr": f"{json.dumps(wrapped)}[datum.label] || datum.label",
    })
    y = _axis("row", row_title, row_labels, {"labelLimit": 240})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "height": max(60, ROW_HEIGHT * len(row_labels)),
        "params": [{"name": "cell", "select": {"type": "point", "fields": ["row_key", "col_key"], "on": "click"},
                    "views": ["cells"]}],
        "layer": [
            {
                "name": "cells",
                "mark": {"type": "rect", "cursor": "pointer"},
                "encoding": {
                    "x": x, "y": y,
                    # The fill is the cell's band, one fixed colour each (chosen in core.heatmap, where the
                    # label's contrast on it is checked), so the chart never blends colours.
                    "color": {
                        "field": "band", "type": "nominal", "legend": colour_legend,
                        "scale": {"domain": list(bands), "range": list(fills)},
                    },
                    # The clicked cell gets a thick dark border; nothing fades, so every label keeps its contrast.
                    "stroke": {"condition": {"param": "cell", "empty": False, "value": "#111111"}, "value": "#ffffff"},
                    "strokeWidth": {"condition": {"param": "cell", "empty": False, "value": 4}, "value": 2},
                    "description": {"field": "description", "type": "nominal"},
                    # One text field: empty (no tooltip at all) on a suppressed cell.
                    "tooltip": {"field": "tooltip", "type": "nominal"},
                },
            },
            {
                "mark": {"type": "text", "lineBreak": "\n", "fontSize": 11, "fontWeight": "bold"},
                "encoding": {
                    "x": x, "y": y, "text": {"field": "label", "type": "nominal"},
                    "color": {"field": "text_colour", "type": "nominal", "scale": None},
                },
            },
        ],
    }


def grid_bands(grid: Grid, colour: Colour) -> list[str]:
    return [c.counts.band(colour)[0] for c in grid.cells]


@dataclass(frozen=True)
class HeatmapView:
    """Everything the page draws for one heatmap, cached as one value."""

    grid: Grid
    table: pd.DataFrame
    spec: dict  # with its cells (``grid_frame``) as a named dataset, in Arrow (``arrow_datasets``)
    height: int
    row_order: tuple[str, ...]


@cached_query(reads_drafts=False)
def load_view(scope_key: tuple, filters: HeatmapFilters, rank_by: str | None = None) -> HeatmapView:
    """The heatmap of ``filters`` ready to draw (suppressed in the data layer); practitioner rows
    ranked by their share of Red grades in ``rank_by``."""
    with read_session() as session:
        grid = heatmap(session, scope_from_cache_key(scope_key), filters)
    row_order = rank_rows_by_red_rate(list(grid.cells), rank_by) if rank_by else [key for key, _ in grid.rows]
    records = cell_records(grid, filters.colour)
    spec = {**heatmap_spec(grid, filters.colour, row_order), "data": {"name": "cells"},
            "datasets": {"cells": grid_frame(records, row_order)}}
    return HeatmapView(grid, table_frame(grid, records, row_order), arrow_datasets(spec), chart_height(grid),
                       tuple(row_order))


ROW_HEIGHT = 46
WRAP = 12  # characters per line of a column label
LINE = 12  # pixels per line of a column label


def chart_height(grid: Grid) -> int:
    """The height to give st.altair_chart (Streamlit's theme ignores the spec's own height):
    the rows plus room for the wrapped column labels on top and the legend below."""
    lines = max((len(textwrap.wrap(label, WRAP)) for _, label in grid.cols), default=1)
    return max(60, ROW_HEIGHT * len(grid.rows)) + 44 + LINE * lines + 120


def clicked_cell(event) -> tuple[str, str] | None:
    """The (row key, column key) of the cell clicked on the chart, if any."""
    try:
        points = event["selection"]["cell"]
    except (KeyError, TypeError):
        return None
    if not points:
        return None
    point = points[0]
    if "row_key" not in point or "col_key" not in point:
        return None
    return str(point["row_key"]), str(point["col_key"])


def drill_down_picker(grid: Grid, clicked: tuple[str, str] | None) -> tuple[str | None, str | None]:
    """Select boxes for the row and column of the cell to open; a chart click fills them in.
    (Keyboard users and tests use the select boxes directly.)"""
    row_key, col_key = DRILL + "row", DRILL + "col"
    state = st.session_state
    if clicked is not None and clicked != state.get(DRILL + "last_click"):
        state[DRILL + "last_click"] = clicked
        state[row_key], state[col_key] = clicked
    rows, cols = dict(grid.rows), dict(grid.cols)
    if state.get(row_key) not in rows:
        state.pop(row_key, None)
    if state.get(col_key) not in cols:
        state.pop(col_key, None)
    row_title, col_title = AXIS_TITLES[grid.view]
    left, right = st.columns(2)
    row = left.selectbox(row_title, list(rows), key=row_key, format_func=rows.get, index=None,
                         placeholder=f"Choose a {row_title.lower()}")
    col = right.selectbox(col_title, list(cols), key=col_key, format_func=cols.get, index=None,
                          placeholder=f"Choose a {col_title.lower()}")
    return row, col


def audits_frame(result: CellAudits, view: View) -> pd.DataFrame:
    rows = []
    for a in result.audits:
        row = {
            "Case": a.case_reference,
            "Audit date": a.audit_date,
            "Auditor": a.auditor,
            "Team": a.team,
            "Practitioner": a.practitioner,
            "Theme": a.theme,
            "Kind": a.kind,
            "Grade (reported)": grade_text(a.reported_grade),
            "First grade": grade_text(a.first_grade),
            "Moderated grade": grade_text(a.moderated_grade),
        }
        if view is View.PRACTITIONER_DOMAIN:
            row["Grades in this domain"] = ", ".join(grade_text(g).split(" · ")[0] for g in a.domain_grades)
        rows.append(row)
    return pd.DataFrame(rows)


def audit_links(audits) -> None:
    """A link to each audit's page (the audit page is another feature: without it, the labels alone)."""
    columns = st.columns(3)
    for index, audit in enumerate(audits):
        grade = Grade(audit.reported_grade).label if audit.reported_grade is not None else "not graded"
        label = f"{plain(audit.case_reference)} · {audit.audit_date:%d %b %Y} · {grade}"
        column = columns[index % 3]
        try:
            column.page_link("pages/audit_view.py", label=label, query_params={"audit": str(audit.audit_id)},
                             icon=":material/open_in_new:")
        except StreamlitAPIException:
            column.caption(f"{label} (the audit page is not available here)")


__all__ = [
    "MIN_AUDITS", "HeatmapView", "audit_links", "audits_frame", "chart_height", "clicked_cell", "drill_down_picker",
    "cell_records", "filter_controls", "grade_text", "grid_frame", "heatmap_spec", "load_cell_audits",
    "load_options", "load_view", "table_csv", "table_download", "table_frame",
]
