"""Risks and issues: the log (filters, inline status and review updates) and the week's suggested agenda."""
from ui.guard import require

user = require("risks")

import streamlit as st  # noqa: E402

from ui.flash import show_flash  # noqa: E402
from ui.risks import add_tab, agenda_tab, keep_log_filters, log_tab, risk_context  # noqa: E402
from ui.widgets import today  # noqa: E402

ctx = risk_context(user, today())

st.title("Risks and issues", anchor=False)
st.caption(
    "The log reviewed at the weekly risks-and-issues meeting: risks and issues about a team or a practitioner. "
    + ("Every team's entries." if user.scope.team_ids is None else "Entries about the teams you manage.")
)
show_flash("risks")

# Stateful tabs: only the open tab is drawn (the agenda's dozens of checkboxes are not built while
# the log is open), and it stays open after a save in it.
tabs = st.tabs(["Log", "Suggested agenda", "Add an entry"], key="risks_tab", on_change="rerun")
for tab, draw in zip(tabs, (log_tab, agenda_tab, add_tab)):
    if tab.open:
        with tab:
            draw(ctx)
if not tabs[0].open:
    keep_log_filters()  # the log's filters are still set when it is opened again
