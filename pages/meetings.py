"""Meetings: record a meeting, see meetings by week and type, and each manager's history."""
from ui.guard import require

user = require("meetings")

import streamlit as st  # noqa: E402

from db.meetings import manager_options, practitioner_options, team_options, user_options  # noqa: E402
from ui.flash import show_flash  # noqa: E402
from ui.meetings import programme_dates, unique_labels  # noqa: E402
from ui.meetings_tabs import counts_tab, history_tab, record_tab  # noqa: E402
from ui.widgets import session, today  # noqa: E402

TODAY = today()
scope = user.scope
with session() as s:
    teams = team_options(s, scope)
    practitioners = practitioner_options(s, scope)
    people = unique_labels(user_options(s))
    managers = unique_labels(manager_options(s, scope))
programme_start, _ = programme_dates()

st.title("Meetings", anchor=False)
st.caption(
    "Mentoring, reflective, workshop, coaching and risks-and-issues meetings. "
    + ("You see every meeting." if scope.team_ids is None
       else "You see the meetings about the teams you manage and the meetings you attended.")
)
show_flash("meetings")

record, counts, history = st.tabs(["Record a meeting", "Counts by week", "History"])
with record:
    record_tab(user, teams, practitioners, people, TODAY)
with counts:
    counts_tab(user, programme_start, TODAY)
with history:
    history_tab(user, managers, programme_start, TODAY)
