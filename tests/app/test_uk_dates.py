"""One date format in every widget (issue 17): every date picker a user types into reads dd/mm/yyyy.

The pages are listed literally, with the pickers each shows (AppTest draws every tab at once, except those built only
while open: the tab to open is named)."""
from __future__ import annotations

import pytest

from tests.app.conftest import page_test

PICKERS = [
    ("pages/agreement.py", "manager", {"Moderated from", "Moderated to"}, {}),
    ("pages/moderation.py", "auditor", {"Audited from", "Audited to"}, {}),
    ("pages/actions.py", "support", {"Due from", "Due to"}, {}),
    ("pages/meetings.py", "manager", {"Date held", "From", "To"}, {"meetings_tab": "Counts by week"}),
    ("pages/meetings.py", "manager", {"Date held", "From", "To"}, {"meetings_tab": "History"}),
]


@pytest.mark.parametrize(("path", "username", "labels", "state"), PICKERS,
                         ids=[p[0] + "".join(f"[{t}]" for t in p[3].values()) for p in PICKERS])
def test_every_date_picker_reads_day_month_year(path, username, labels, state):
    at = page_test(path, username)
    for key, value in state.items():
        at.session_state[key] = value
    at = at.run()
    assert not at.exception
    formats = {d.label: d.proto.format for d in at.date_input}
    assert labels <= set(formats), f"pickers shown: {sorted(formats)}"
    assert {label: formats[label] for label in labels} == {label: "DD/MM/YYYY" for label in labels}
