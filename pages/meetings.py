"""Meetings: record a meeting, see meetings by week and type, and each manager's history."""
from ui.guard import require

user = require("meetings")

import streamlit as st  # noqa: E402

from ui.flash import show_flash  # noqa: E402
from ui.meetings import choices_for, programme_dates  # noqa: E402
from ui.meetings_tabs import counts_tab, history_tab, record_tab  # noqa: E402
from ui.widgets import today  # noqa: E402

TODAY = today()
scope = user.scope
choices = choices_for(scope)
programme_start, _ = programme_dates()

st.title("Meetings", anchor=False)
st.caption(
    "Mentoring, reflective, workshop, coaching and risks-and-issues meetings. "
    + ("You see every meeting." if scope.team_ids is None
       else "You see the meetings about the teams you manage and the meetings you attended.")
)
show_flash("meetings")

# Stateful tabs: the form is drawn on every run, so nothing typed is lost on a look at another tab; the
# counts and the history, which only read, are built only while open (as on the actions page).
record, counts, history = st.tabs(["Record a meeting", "Counts by week", "History"], key="meetings_tab",
                                  on_change="rerun")
with record:
    record_tab(user, choices.teams, choices.practitioners, choices.people, TODAY)
if counts.open:
    with counts:
        counts_tab(user, programme_start, TODAY)
if history.open:
    with history:
        history_tab(user, choices.managers, programme_start, TODAY)
