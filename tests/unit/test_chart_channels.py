"""Charts are encoded with channel objects (core.chart_channels): Altair's slow path, which turns a
bare shorthand, a tooltip string or an ``alt.value`` dict into a channel by hashing the schema of each of
its classes and validating candidates, is never taken. Every AppTest checks the same for the charts
its page draws (tests/app/conftest.py)."""
from __future__ import annotations

import altair as alt
import pandas as pd
import pytest
from altair.utils import schemapi

from core.chart_channels import layer_of, opacity_when, tooltips
from core.progress_charts import progress_charts
from tests.unit.test_progress import _report


@pytest.fixture
def slow_paths(monkeypatch) -> list[str]:
    """Each time Altair builds its table of every schema class to wrap a bare encoding."""
    taken: list[str] = []
    original = schemapi._FromDict.__init__

    def counted(self, wrapper_classes, /):
        taken.append("_FromDict")
        original(self, wrapper_classes)

    monkeypatch.setattr(schemapi._FromDict, "__init__", counted)
    return taken


def test_the_progress_charts_take_no_slow_path(slow_paths):
    for chart in progress_charts(_report(), width=620, height=250):
        chart.chart.to_dict(validate=False)
    assert slow_paths == []


def test_a_bare_shorthand_takes_it_and_the_helpers_give_the_same_spec(slow_paths):
    frame = pd.DataFrame({"week": [1, 2], "done": [3, 4]})
    bare = alt.Chart(frame).mark_bar().encode(
        y="done:Q", tooltip=["week:O", "done:Q"],
        opacity=alt.condition("datum.done > 3", alt.value(1.0), alt.value(0.35))).to_dict(validate=False)
    assert len(slow_paths) == 4  # y, the two tooltip fields and the opacity condition
    explicit = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("done:Q"), tooltip=tooltips("week:O", "done:Q"),
        opacity=opacity_when("datum.done > 3", 1.0, 0.35)).to_dict(validate=False)
    assert len(slow_paths) == 4
    assert explicit == bare


def test_layers_given_their_frame_once_are_not_hashed_and_draw_the_same(monkeypatch):
    """Given the same frame each, Altair lifts it to the top by hashing every layer (JSON of the chart
    with the frame's printed text); ``layer_of`` gives it once, for the same spec."""
    hashed = []
    original = alt.Chart._compute_hash
    monkeypatch.setattr(alt.Chart, "_compute_hash", lambda self: hashed.append(1) or original(self))
    frame = pd.DataFrame({"week": [1, 2, 3], "share": [0.5, 0.75, 1.0]})
    encoded = dict(x=alt.X("week:O"), y=alt.Y("share:Q"))
    each = alt.layer(alt.Chart(frame).mark_line().encode(**encoded),
                     alt.Chart(frame).mark_point().encode(**encoded)).to_dict()
    assert len(hashed) == 2  # one for each layer
    once = layer_of(frame, alt.Chart().mark_line().encode(**encoded),
                    alt.Chart().mark_point().encode(**encoded)).to_dict()
    assert len(hashed) == 2
    assert once == each
    assert once["data"] == {"name": each["data"]["name"]} and all("data" not in layer for layer in once["layer"])


def test_the_progress_charts_hash_no_layer(monkeypatch):
    hashed = []
    monkeypatch.setattr(alt.Chart, "_compute_hash", lambda self: hashed.append(1) or "")
    for chart in progress_charts(_report(), width=620, height=250):
        chart.chart.to_dict(validate=False)
    assert hashed == []


def test_layer_of_gives_altairs_spec_and_its_copies_lift_nothing_again(monkeypatch):
    """Altair's LayerChart lifts its layers' data, parameters and sizes each time one is made, and each
    copy makes one (``to_dict()`` once, ``.properties()`` once): ``layer_of``'s chart does not, for the
    same spec, here with a target line that draws a frame of its own."""
    from altair.vegalite.v6 import api

    frame = pd.DataFrame({"week": [1, 2, 3], "done": [4, 9, 15]})
    target = pd.DataFrame([{"target": 20}])

    def layers():
        return (alt.Chart().mark_line().encode(x=alt.X("week:Q"), y=alt.Y("done:Q")),
                alt.Chart(target).mark_rule().encode(y=alt.Y("target:Q")))

    lifted = []
    original = api._remove_duplicate_params
    monkeypatch.setattr(api, "_remove_duplicate_params", lambda layer: lifted.append(1) or original(layer))
    altairs = alt.layer(*layers(), data=frame, height=250).properties(title="Done").to_dict(validate=True)
    assert len(lifted) == 3  # made, copied by .properties(), copied by to_dict()
    ours = layer_of(frame, *layers(), height=250).properties(title="Done").to_dict(validate=True)
    assert len(lifted) == 3
    assert ours == altairs
    assert ours["height"] == 250 and ours["title"] == "Done" and ours["layer"][1]["data"]["name"] != ours["data"]["name"]


@pytest.mark.parametrize("layer", [
    alt.Chart().mark_line().properties(height=100),  # a size: Altair would move it to the top
    alt.Chart().mark_line().add_params(alt.selection_point()),  # a parameter: Altair would lift it
], ids=["sized", "with a parameter"])
def test_layer_of_refuses_a_layer_altair_would_change(layer):
    with pytest.raises(ValueError, match="layer_of takes"):
        layer_of(pd.DataFrame({"week": [1]}), layer)


def test_layer_of_refuses_a_layer_given_the_charts_own_frame():
    frame = pd.DataFrame({"week": [1]})
    with pytest.raises(ValueError, match="layer_of takes"):
        layer_of(frame, alt.Chart(frame).mark_line())
