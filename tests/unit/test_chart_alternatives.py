"""Every chart the app draws has a text alternative (WCAG 1.1.1): its table, or its finding as text.

Charts are drawn on a canvas that a screen reader cannot read. This test lists, literally, every
chart call in pages/ and ui/ with the call that draws its text alternative; a new chart fails the
test until it is listed here with one, and a listed alternative that is removed fails it too.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHART_CALLS = {"altair_chart", "vega_lite_chart", "pyplot", "plotly_chart", "line_chart", "bar_chart", "area_chart",
               "scatter_chart", "bokeh_chart", "graphviz_chart", "pydeck_chart"}  # and st.map (not pandas' .map)
# The project's own helper that draws a cached, ready chart (ui/widgets.py): a chart call wherever it is used.
HELPERS = {"draw_ready_chart"}

# (file, enclosing function or "<module>", the chart argument as written) -> the call drawing its alternative,
# found after the chart in the same block (or a block nested in it), before the next chart.
CHARTS: dict[tuple[str, str, str], str] = {
    # Overview: external audits against target, then the same figures as a table.
    # (a manager's Overview draws their teams' audits by theme in the same place, with the same table)
    ("pages/overview.py", "<module>", "charts.themes"): "dataframe",
    # Overview: RAG mix, then the counts and shares as a table.
    ("pages/overview.py", "<module>", "charts.rag"): "dataframe",
    # RAG heatmaps: "The heatmap as a table" (every cell's counts and judgement).
    ("pages/heatmaps.py", "<module>", "view.spec"): "dataframe",
    # Meetings: counts by week, then the week x type table.
    ("ui/meetings_tabs.py", "counts_tab", "chart"): "dataframe",
    # Moderation agreement: the 4x4 grade matrix and agreement over time, each with its table.
    ("ui/agreement.py", "statistics_tab", "matrix"): "chart_table",
    # The helper itself draws no alternative: each call of it is listed here with its own.
    ("ui/widgets.py", "draw_ready_chart", "chart.spec"): None,
    ("ui/agreement.py", "statistics_tab", "over_time"): "chart_table",
    # Progress (and presentation mode): every chart is headed by its finding and followed by a caption (n, period).
    ("ui/progress.py", "draw_chart", "chart.spec"): "caption",
    # Remedial actions, Charts tab: weekly counts and the two rates by team, each with its table.
    ("ui/actions_reports.py", "charts_tab", "weekly"): "chart_table",
    ("ui/actions_reports.py", "charts_tab", "in_time"): "chart_table",
    ("ui/actions_reports.py", "charts_tab", "verified"): "chart_table",
}


def _calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, (ast.Attribute, ast.Name))]


def _name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id


def _is_chart(call: ast.Call) -> bool:
    if isinstance(call.func, ast.Name):
        return call.func.id in HELPERS
    if not isinstance(call.func, ast.Attribute):
        return False
    on_st = isinstance(call.func.value, ast.Name) and call.func.value.id == "st"
    return call.func.attr in CHART_CALLS or (call.func.attr == "map" and on_st)


def _drawn(call: ast.Call) -> ast.expr | None:
    """What a chart call draws: its first argument, given by position or by name (``spec=...``)."""
    return call.args[0] if call.args else next((k.value for k in call.keywords if k.arg), None)


def _chart_statements(tree: ast.Module):
    """(function name, statement, chart call, the statements after it in its block) for each chart call."""
    found = []

    def visit(body: list[ast.stmt], function: str, after: list[ast.stmt]):
        for i, stmt in enumerate(body):
            rest = body[i + 1:] + after
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(stmt.body, stmt.name, [])
                continue
            nested = [getattr(stmt, field) for field in ("body", "orelse", "finalbody", "handlers")
                      if isinstance(getattr(stmt, field, None), list)]
            if nested:
                for block in nested:
                    if block and isinstance(block[0], ast.ExceptHandler):
                        for handler in block:
                            visit(handler.body, function, rest)
                    else:
                        visit(block, function, rest)
                continue
            for call in _calls(stmt):
                if _is_chart(call) and _drawn(call) is not None:
                    found.append((function, call, rest))

    visit(tree.body, "<module>", [])
    return found


def _all_charts() -> dict[tuple[str, str, str], list[ast.stmt]]:
    charts = {}
    for folder in ("pages", "ui"):
        for path in sorted((ROOT / folder).glob("*.py")):
            source = path.read_text()
            for function, call, rest in _chart_statements(ast.parse(source)):
                key = (f"{folder}/{path.name}", function, ast.get_source_segment(source, _drawn(call)).split("\n")[0])
                key = (key[0], key[1], key[2].split(".mark_")[0].split(".encode")[0])
                charts[key] = rest
    return charts


def test_every_chart_call_is_listed_with_its_text_alternative():
    assert set(_all_charts()) == set(CHARTS)


def test_every_listed_chart_is_followed_by_its_text_alternative():
    missing = []
    for key, rest in _all_charts().items():
        names = []
        for stmt in rest:
            if any(_is_chart(c) for c in _calls(stmt)):
                break  # the next chart: the alternative must come before it
            names += [_name(c) for c in _calls(stmt)]
        if CHARTS.get(key) not in names and not (key in CHARTS and CHARTS[key] is None):
            missing.append((key, CHARTS.get(key)))
    assert not missing
