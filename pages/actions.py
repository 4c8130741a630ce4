"""Remedial actions: the tracker. Overdue first, done with evidence, verified by an auditor, chased weekly."""
from ui.guard import require

user = require("actions")

import streamlit as st  # noqa: E402

from core.actions import ActionStatus, this_week  # noqa: E402
from core.workdays import ACTION_DUE_WORKING_DAYS  # noqa: E402
from db.actions import ActionFilters  # noqa: E402
from ui import actions as ui  # noqa: E402
from ui.widgets import today  # noqa: E402

scope = user.scope
day = today()
st.title("Remedial actions")
ui.show_flash()

options = ui.load_options(scope)
team_counts, practitioner_counts = ui.load_counts(scope, day)
where = "all teams" if scope.team_ids is None else "the teams you manage"
st.caption(
    f"Figures for {where} · today {day:%a %d %b %Y} · actions are due {ACTION_DUE_WORKING_DAYS} working days after "
    "the audit; overdue counts working days past the due date (weekends and bank holidays skipped)."
)

overdue = sum(c.overdue for c in team_counts)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Overdue", overdue, help="Open or reopened and past the due date by at least one working day")
m2.metric("Open", sum(c.open for c in team_counts), help="Open or reopened, overdue included")
m3.metric("Done, awaiting verification", sum(c.done for c in team_counts))
m4.metric("Verified", sum(c.verified for c in team_counts))
if overdue:
    st.error(f"**{overdue} action{'s are' if overdue != 1 else ' is'} overdue.** They are listed first, most "
             "overdue at the top, in red.", icon=":material/warning:")

# ------------------------------------------------------------------ filters
with st.container(border=True):
    f1, f2, f3, f4 = st.columns(4)
    team_ids = f1.multiselect("Team", options=list(options.teams), format_func=options.teams.get, key="filter_team",
                              placeholder="All teams")
    owner_ids = f2.multiselect("Owner", options=list(options.owners), format_func=options.owners.get,
                               key="filter_owner", placeholder="All owners")
    theme_ids = f3.multiselect("Theme", options=list(options.themes), format_func=options.themes.get,
                               key="filter_theme", placeholder="All themes")
    statuses = f4.multiselect("Status", options=[s.value for s in ActionStatus],
                              format_func=lambda s: ActionStatus(s).label, key="filter_status",
                              placeholder="Any status")
    t1, t2, _ = st.columns([1, 1, 2])
    monday, sunday = this_week(day)
    due_this_week = t1.toggle("Due this week", key="filter_due_this_week",
                              help=f"Still open and due {monday:%a %d %b} to {sunday:%a %d %b}")
    overdue_only = t2.toggle("Overdue only", key="filter_overdue")
filters = ActionFilters(
    team_ids=tuple(team_ids), owner_ids=tuple(owner_ids), theme_ids=tuple(theme_ids), statuses=tuple(statuses),
    due_this_week=due_this_week, overdue=overdue_only,
)
views = ui.load_actions(scope, filters, day)

# Stateful tabs: only the open tab is drawn (less work per rerun), and it stays open after a save.
tabs = st.tabs(["Actions", "Update several", "Chase list", "Counts by team and owner", "Charts"], key="actions_tab",
               on_change="rerun")
drawers = (
    lambda: ui.list_tab(user, views, team_counts, day),
    lambda: ui.bulk_tab(user, views, filters, day),
    lambda: ui.chase_tab(user, day),
    lambda: ui.counts_tab(team_counts, practitioner_counts),
    lambda: ui.charts_tab(scope, day),
)
for tab, draw in zip(tabs, drawers):
    if tab.open:
        with tab:
            draw()
