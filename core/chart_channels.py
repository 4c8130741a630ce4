"""Altair encodings written as channel objects, never as bare strings, lists or ``alt.value`` dicts.

Altair turns a bare shorthand (``y="days:Q"``), each string of a tooltip list and each
``alt.value(...)`` or ``alt.condition(...)`` dict into a channel object by trying its schema classes
one after another: it hashes the schema of every class it has (about 570) and validates candidates
against the Vega-Lite schema, 3 to 6 ms for each such channel. Written as objects (``alt.Y("days:Q")``,
``tooltips(...)``, ``alt.XValue(0)``, ``alt.OpacityValue(..., condition=...)``) the charts give the
same Vega-Lite spec in a tenth of the time: Progress's nine charts took about 210 ms to build at
100,000 audits. Every AppTest fails when a chart its page draws takes the slow path
(``tests/app/conftest.py``), so a new chart keeps to this; ``tests/unit/test_chart_channels.py``
checks the Progress charts and these helpers.

Layers that draw one frame take it once, from ``layer_of``: handed to each layer, Altair lifts the
frame to the top by hashing every layer first, JSON of the chart with the frame's printed text
(``DataFrame.__repr__``), about 20 ms a layer for Progress's agreement chart. The spec is the same.
"""
from __future__ import annotations

import altair as alt
import pandas as pd


def tooltips(*fields: str | alt.Tooltip) -> list[alt.Tooltip]:
    """A tooltip list, each field a ``alt.Tooltip`` (a shorthand string becomes one)."""
    return [field if isinstance(field, alt.Tooltip) else alt.Tooltip(field) for field in fields]


def opacity_when(test: str, value: float, otherwise: float) -> alt.OpacityValue:
    """``alt.condition(test, alt.value(value), alt.value(otherwise))`` for the opacity channel."""
    return alt.OpacityValue(otherwise, condition={"test": test, "value": value})


def layer_of(frame: pd.DataFrame, *layers: alt.Chart, **properties) -> alt.LayerChart:
    """``alt.layer(*layers)`` of layers built without data (``alt.Chart()``) that all draw ``frame``."""
    return alt.layer(*layers, data=frame, **properties)
