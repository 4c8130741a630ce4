"""Risks and issues: the log (filters, inline status and review updates) and the week's suggested agenda."""
from ui.guard import require

user = require("risks")

import streamlit as st  # noqa: E402

from ui.flash import show_flash  # noqa: E402
from ui.risks import add_tab, agenda_tab, log_tab, risk_context  # noqa: E402
from ui.widgets import today  # noqa: E402

ctx = risk_context(user, today())

st.title("Risks and issues", anchor=False)
st.caption(
    "The log reviewed at the weekly risks-and-issues meeting: risks and issues about a team or a practitioner. "
    + ("Every team's entries." if user.scope.team_ids is None else "Entries about the teams you manage.")
)
show_flash("risks")

# Stateful tabs. The log and the add form are always drawn, so a change not yet saved in either
# (an edited row, a typed entry) is still there after a look at another tab; the suggested agenda,
# dozens of checkboxes drafted from every team's audits, is built only while its tab is open. Each
# tab stays open after a save in it.
log, agenda, add = st.tabs(["Log", "Suggested agenda", "Add an entry"], key="risks_tab", on_change="rerun")
with log:
    log_tab(ctx)
if agenda.open:
    with agenda:
        agenda_tab(ctx)
with add:
    add_tab(ctx)
