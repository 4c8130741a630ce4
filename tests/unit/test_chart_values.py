"""The served app hands a chart's rows to Altair through ``core.chart_channels.chart_values``: for
frames of numbers, truth values and text, the records Altair's own transformer gives (a missing value
is None, never NaN, which is not JSON), without its copy of the frame; anything else goes Altair's way."""
from __future__ import annotations

import datetime as dt

import altair as alt
import numpy as np
import pandas as pd
import pytest
from altair.utils.data import MaxRowsError

from core.chart_channels import chart_values


def test_plain_columns_give_the_records_written_out():
    frame = pd.DataFrame({"week": [1, 2], "share": [0.75, np.nan], "team": ["North", None], "small": [True, False]})
    values = chart_values(frame)["values"]
    assert values == [{"week": 1, "share": 0.75, "team": "North", "small": True},
                      {"week": 2, "share": None, "team": None, "small": False}]
    assert [type(v) for v in values[0].values()] == [int, float, str, bool]  # JSON's own types, not numpy's


def test_plain_columns_give_altairs_own_records():
    frame = pd.DataFrame({"Week": [3, 4, 5], "Kappa": [0.1 + 0.2, None, 1 / 3], "Measure": ["Exact", "Within one", None]})
    assert chart_values(frame) == alt.utils.data.to_values(frame)


def test_dates_and_categories_go_altairs_way():
    frame = pd.DataFrame({"day": [dt.date(2026, 1, 5)], "at": pd.to_datetime(["2026-01-05"]),
                          "rag": pd.Categorical(["Red"])})
    assert chart_values(frame) == alt.utils.data.to_values(frame)
    assert chart_values(frame)["values"][0]["at"] == "2026-01-05T00:00:00"


def test_more_rows_than_altair_allows_are_refused_as_altair_does():
    with pytest.raises(MaxRowsError):
        chart_values(pd.DataFrame({"n": range(5001)}))


def test_the_served_app_uses_it():
    import ui.widgets  # noqa: F401 - importing the app's chart helpers sets the transformer up

    assert alt.data_transformers.active == "plain_columns"
    assert alt.data_transformers.get() is chart_values


def test_a_long_chart_frame_becomes_its_grid_in_the_order_the_chart_draws_it():
    """``as_table(pivot=...)``: rows and columns in first-seen order (the chart's, not sorted),
    repeated cells added up, a cell the chart lacks left empty."""
    from ui.widgets import as_table

    long = pd.DataFrame({
        "Week": ["7 Sep", "7 Sep", "14 Sep", "14 Sep", "7 Sep", "21 Sep"],
        "What": ["Raised", "Done", "Raised", "Done", "Raised", "Raised"],
        "Actions": [4, 1, 2, 3, 5, 6],
    })
    grid = as_table(long, pivot=("Week", "What", "Actions"))
    assert list(grid.columns) == ["Week", "Raised", "Done"]
    assert grid["Week"].tolist() == ["7 Sep", "14 Sep", "21 Sep"]
    assert grid["Raised"].tolist() == [9, 2, 6]  # 4 + 5 in the week of 7 Sep
    assert grid["Done"].tolist()[:2] == [1, 3]
    assert pd.isna(grid["Done"].tolist()[2])  # nothing done in the week of 21 Sep: no figure, not 0
