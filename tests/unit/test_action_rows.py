"""The tracker's list and its chase list shade each row by its urgency (README, "Remedial actions"): overdue in red with
its Due in bold, due today or within three working days in amber, verified in green text, the rest
plain. The styles are written out here, not taken from the app's constants."""
from __future__ import annotations

import pandas as pd

from ui.actions_list import row_styles
from ui.actions_reports import chase_styles

RED = "background-color: #fde2e1; color: #7a1212"
AMBER = "background-color: #fff4d6"
GREEN = "color: #2e6b3a"


def test_each_row_is_shaded_by_its_urgency_and_an_overdue_due_is_bold():
    frame = pd.DataFrame({
        "Due": ["OVERDUE · 2 working days", "Due today", "Due in 3 working days", "Due in 4 working days", "",
                ""],
        "Status": ["Open", "Reopened", "Open", "Open", "Verified", "Done, to verify"],
        "Action": ["a", "b", "c", "d", "e", "f"],
    }, index=[10, 11, 12, 13, 14, 15])  # a page of the list: its index need not start at 0
    styles = row_styles(frame)
    assert list(styles.index) == [10, 11, 12, 13, 14, 15]
    assert styles["Action"].tolist() == [RED, AMBER, AMBER, "", GREEN, ""]
    assert styles["Status"].tolist() == [RED, AMBER, AMBER, "", GREEN, ""]
    assert styles["Due"].tolist() == [RED + "; font-weight: 600", AMBER, AMBER, "", GREEN, ""]


def test_the_chase_list_shades_overdue_rows_red_and_the_rest_amber():
    # README, "Remedial actions": the chase list holds the overdue actions and, on request, those due by
    # the end of the week.
    frame = pd.DataFrame({"Owner": ["A", "B", "C"],
                          "Due": ["OVERDUE · 1 working day", "Due in 2 working days", "Due today"]}, index=[3, 4, 5])
    styles = chase_styles(frame)
    assert list(styles.index) == [3, 4, 5]
    assert styles["Owner"].tolist() == [RED, AMBER, AMBER]
    assert styles["Due"].tolist() == [RED, AMBER, AMBER]
