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

Every field says its type (``"Week:N"``, ``"Grades:Q"``), tooltips' too: a field without one has its
type inferred from the chart's frame, the frame's whole schema worked out again for each field (about
two thirds of finishing the agreement page's two charts). The AppTests fail on an inferred type.

Layers that draw one frame take it once, from ``layer_of``: handed to each layer, Altair lifts the
frame to the top by hashing every layer first, JSON of the chart with the frame's printed text
(``DataFrame.__repr__``), about 20 ms a layer for Progress's agreement chart. The spec is the same.

``layer_of`` also makes a ``Layers`` chart, which skips what Altair's ``LayerChart`` does each time it
is made, and each copy (``to_dict()``, ``.properties()``) makes one: lift the layers' data (where
the top has the same), parameters and sizes to the top, deep-copying every layer twice on the way.
The layers ``layer_of`` takes have none of these (it checks), so the lifting changes nothing: the
spec is the same, for about half the time (Progress's four layered charts: 28 -> 15 ms to finish
at 100,000 audits).

``chart_values`` hands Altair a chart's rows as plain records where every column is a number, a
truth value or text, which is every frame this app draws: Altair's own way copies the frame and
checks each column's type (``sanitize_pandas_dataframe``), 24 of the 63 ms that building and
finishing Progress's nine charts took at 100,000 audits. The records are the same; any other frame
(dates, categories, more rows than Altair allows) goes Altair's own way.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
from altair.vegalite.data import default_data_transformer
from altair.vegalite.v6.schema.core import TopLevelLayerSpec


def tooltips(*fields: str | alt.Tooltip) -> list[alt.Tooltip]:
    """A tooltip list, each field a ``alt.Tooltip`` (a shorthand string becomes one)."""
    return [field if isinstance(field, alt.Tooltip) else alt.Tooltip(field) for field in fields]


def opacity_when(test: str, value: float, otherwise: float) -> alt.OpacityValue:
    """``alt.condition(test, alt.value(value), alt.value(otherwise))`` for the opacity channel."""
    return alt.OpacityValue(otherwise, condition={"test": test, "value": value})


def _plain(dtype) -> bool:
    """A column Altair would hand on unchanged: numbers, truth values, text (missing: NaN)."""
    return (isinstance(dtype, np.dtype) and dtype.kind in "iufb") or (
        isinstance(dtype, pd.StringDtype) and dtype.na_value is np.nan)


def chart_values(data, max_rows: int = 5000):
    """Altair's data transformer, with a short way for frames of plain columns (module docstring):
    ``{"values": [{column: value}, ...]}``, missing values as None, as Altair's ``to_values`` gives."""
    if not (isinstance(data, pd.DataFrame) and len(data) <= max_rows and all(map(_plain, data.dtypes))):
        return default_data_transformer(data, max_rows=max_rows)
    columns = [str(column) for column in data.columns]
    return {"values": [{column: (None if value != value else value) for column, value in zip(columns, row)}
                       for row in data.astype(object).itertuples(index=False, name=None)]}


class Layers(alt.LayerChart):
    """An ``alt.LayerChart`` made without Altair's lifting of data, parameters and sizes from its
    layers (module docstring): only ``layer_of`` makes one, of layers that have none of them."""

    def __init__(self, *args, **kwds) -> None:  # also how every copy of the chart is made
        TopLevelLayerSpec.__init__(self, *args, **kwds)


def layer_of(frame: pd.DataFrame, *layers: alt.Chart, **properties) -> alt.LayerChart:
    """``alt.layer(*layers)`` of layers built without data (``alt.Chart()``) that draw ``frame`` (a layer
    may draw a frame of its own, such as a target line's); the layers have no parameters and no size of
    their own (the chart's ``properties`` size it)."""
    for layer in layers:
        if not isinstance(layer, alt.Chart) or layer._get("data") is frame or any(
                layer._get(name) is not alt.Undefined for name in ("params", "height", "width", "view")):
            raise ValueError("layer_of takes alt.Chart() layers without the frame, parameters or a size; "
                             "use alt.layer")
    return Layers(data=frame, layer=list(layers), **properties)
