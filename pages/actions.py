"""Remedial actions: the tracker. Overdue first, done with evidence, verified by an auditor, chased weekly."""
from ui.guard import require

user = require("actions")

import streamlit as st  # noqa: E402

from core.actions import ActionStatus, this_week  # noqa: E402
from core.workdays import ACTION_DUE_WORKING_DAYS  # noqa: E402
from db.queries.actions import ActionFilters  # noqa: E402
from ui.actions import load_headline, load_options, load_page, page_offset  # noqa: E402
from ui.flash import show_flash, stable_slot  # noqa: E402
from ui.actions_bulk import bulk_tab  # noqa: E402
from ui.actions_list import list_tab  # noqa: E402
from ui.actions_reports import charts_tab, chase_tab, counts_tab  # noqa: E402
from ui.widgets import today  # noqa: E402

scope = user.scope
day = today()
st.title("Remedial actions", anchor=False)
show_flash("actions")

options = load_options(scope)
headline = load_headline(scope, day)
where = "all teams" if scope.team_ids is None else "the teams you manage"
st.caption(
    f"Figures for {where} · today {day:%a %d/%m/%Y} · actions are due {ACTION_DUE_WORKING_DAYS} working days after "
    "the audit; overdue counts working days past the due date (weekends and bank holidays skipped)."
)

m1, m2, m3, m4 = st.columns(4)
m1.metric("Overdue", f"{headline.overdue:,}", help="Open or reopened and past the due date by at least one working day")
m2.metric("Open", f"{headline.open:,}", help="Open or reopened, overdue included")
m3.metric("Done, awaiting verification", f"{headline.done:,}")
m4.metric("Verified", f"{headline.verified:,}")
overdue_note = stable_slot()
if headline.overdue:
    overdue_note.error(f"**{headline.overdue:,} action{'s are' if headline.overdue != 1 else ' is'} overdue.** They are listed "
             "first, most overdue at the top, in red.", icon=":material/warning:")

# ------------------------------------------------------------------ filters (all applied in SQL)
with st.container(border=True):
    f1, f2, f3, f4 = st.columns(4)
    team_ids = f1.multiselect("Team", options=list(options.teams), format_func=options.teams.get, key="actions_filter_team",
                              placeholder="All teams")
    owner_ids = f2.multiselect("Owner", options=list(options.owners), format_func=options.owners.get,
                               key="actions_filter_owner", placeholder="All owners")
    statuses = f3.multiselect("Status", options=[s.value for s in ActionStatus],
                              format_func=lambda s: ActionStatus(s).label, key="actions_filter_status",
                              placeholder="Any status")
    theme_ids = f4.multiselect("Theme", options=list(options.themes), format_func=options.themes.get,
                               key="actions_filter_theme", placeholder="All themes")
    t1, t2, t3, t4 = st.columns(4)
    due_from = t1.date_input("Due from", value=None, key="actions_filter_due_from", format="DD/MM/YYYY")
    due_to = t2.date_input("Due to", value=None, key="actions_filter_due_to", format="DD/MM/YYYY")
    monday, sunday = this_week(day)
    due_this_week = t3.toggle("Due this week", key="actions_filter_due_this_week",
                              help=f"Still open and due {monday:%a %d/%m} to {sunday:%a %d/%m}")
    overdue_only = t4.toggle("Overdue only", key="actions_filter_overdue")
filters = ActionFilters(
    team_ids=tuple(team_ids), owner_ids=tuple(owner_ids), theme_ids=tuple(theme_ids), statuses=tuple(statuses),
    due_this_week=due_this_week, overdue=overdue_only, due_from=due_from, due_to=due_to,
)
dates_note = stable_slot()
if due_from and due_to and due_from > due_to:
    dates_note.warning(f"'Due from' ({due_from:%d/%m/%Y}) is after 'Due to' ({due_to:%d/%m/%Y}): no action can match.")

# Stateful tabs: a tab stays open after a save in it. The two where work is typed (an action's note or
# reason; several rows edited at once, sent only on "Save changes") are drawn on every run, so nothing
# typed is lost on a look at another tab; the chase list, the counts and the charts, which only read,
# are built only while open.
listed, several, chase, counts, charts = st.tabs(
    ["Actions", "Update several", "Chase list", "Counts by team and owner", "Charts"], key="actions_tab",
    on_change="rerun")
page = load_page(scope, filters, day, page_offset(filters))
with listed:
    list_tab(user, page, filters, day)
with several:
    bulk_tab(user, page, filters, day)
if chase.open:
    with chase:
        chase_tab(user, day)
if counts.open:
    with counts:
        counts_tab(scope, day)
if charts.open:
    with charts:
        charts_tab(scope, day, filters)
