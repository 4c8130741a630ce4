"""The tracker's chase list, counts by team and owner, and charts tabs."""
from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from core.actions import this_week, urgency
from core.action_views import ActionCharts, ActionCounts, ActionView
from core.authz import Scope
from core.chart_channels import layer_of, tooltips
from core.exports import XLSX_MIME
from core.grades import RAG_COLOURS, Rag
from core.workdays import ACTION_DUE_WORKING_DAYS
from db.queries.actions import ActionFilters, ActionPage
from db.users import SignedInUser
from ui.actions import (
    OVERDUE_STYLE, chase_csv_file, chase_tag, chase_xlsx_file, download, due_tags, load_charts, load_chase,
    load_chase_teams, load_counts, page_offset, pager,
)
from ui.cache import cached_query
from ui.text import plain
from ui.widgets import ReadyChart, chart_table, draw_ready_chart, ready, tag_column


# ------------------------------------------------------------------ counts, chase list, charts
def counts_frame(counts: list[ActionCounts], *, practitioners: bool) -> pd.DataFrame:
    rows = []
    for c in counts:
        row = {"Practitioner": c.label, "Team": c.team} if practitioners else {"Team": c.label}
        row.update({"Open": c.open, "Overdue": c.overdue, "Done, awaiting verification": c.done,
                    "Verified": c.verified, "Total": c.total})
        rows.append(row)
    return pd.DataFrame(rows)


def show_counts(counts: list[ActionCounts], *, practitioners: bool, key: str) -> None:
    frame = counts_frame(counts, practitioners=practitioners)
    if frame.empty:
        st.caption("No actions.")
        return
    styled = frame.style.apply(
        lambda column: [OVERDUE_STYLE + "; font-weight: 600" if v else "" for v in column], subset=["Overdue"])
    st.dataframe(styled, hide_index=True, width="stretch", key=key,
                 column_config={"Open": st.column_config.NumberColumn("Open", help="Open or reopened, overdue included")})


def chase_frame(views: list[ActionView], today: date) -> pd.DataFrame:
    return pd.DataFrame([
        {"Owner": v.owner_label, "Due": urgency(v.status, v.due_on, today), "Case": v.case_reference,
         "Action": v.description, "Due on": v.due_on, "Working days overdue": v.days_overdue, "Action no.": v.id}
        for v in views
    ])


CHASE_SHOWN = 100  # rows of one team's chase list on screen at a time
CHASE_OFFSET = "actions_chase_offset"


def show_chase_table(views: list[ActionView], today: date, *, key: str) -> None:
    frame = chase_frame(views, today)
    frame["Due"], due = tag_column("Due", list(frame["Due"]), due_tags(views, today, chase_tag))
    st.dataframe(
        frame, hide_index=True, width="stretch", key=key,
        column_config={"Due": due, "Due on": st.column_config.DateColumn("Due on", format="DD/MM/YYYY"),
                       "Action no.": st.column_config.NumberColumn("Action no.", format="%d"),
                       "Action": st.column_config.TextColumn("Action", width="large")},
    )


def weekly_chart(charts: ActionCharts) -> alt.Chart:
    frame = pd.DataFrame([
        {"Week": f"{w.week:%d/%m}", "What": what, "Actions": n}
        for w in charts.by_week
        for what, n in (("Raised", w.raised), ("Completed", w.completed), ("Verified", w.verified))
    ])
    order = ["Raised", "Completed", "Verified"]
    return (
        alt.Chart(frame, title="Actions raised, completed and verified per week")
        .mark_line(point=True)
        .encode(
            x=alt.X("Week:O", sort=None, title="Week beginning (Monday)", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("Actions:Q"),
            color=alt.Color("What:N", sort=order, scale=alt.Scale(domain=order, range=["#1d4f91", RAG_COLOURS[Rag.AMBER], RAG_COLOURS[Rag.GREEN]]),
                            title=None),
            strokeDash=alt.StrokeDash("What:N", sort=order, title=None),
            tooltip=tooltips("Week:N", "What:N", "Actions:Q"),
        )
        .properties(height=280)
    )


def rate_chart(rates, *, title: str, what: str) -> alt.Chart:
    frame = pd.DataFrame([
        {"Team": r.team, "Share": r.rate or 0.0, "Label": f"{r.rate:.0%} of {r.whole}" if r.whole else "none",
         what: r.part, "Of": r.whole}
        for r in rates
    ])
    base = alt.Chart(title=title).encode(
        y=alt.Y("Team:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("Share:Q", axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
                  scale=alt.Scale(domain=[0, 1.15]), title=None),
        tooltip=tooltips("Team:N", alt.Tooltip("Share:Q", format=".0%"), f"{what}:Q", "Of:Q"),
    )
    labels = base.mark_text(align="left", dx=4).encode(text=alt.Text("Label:N"))
    return layer_of(frame, base.mark_bar(color="#1d4f91"), labels, height=34 * max(1, len(frame)) + 40)


def chase_tab(user: SignedInUser, today: date) -> None:
    """The weekly chase list: overdue actions grouped by team and owner, one team at a time on screen,
    every team in the downloads."""
    scope = user.scope
    include_week = st.toggle("Also list actions due by the end of this week", key="actions_chase_include_week")
    teams = [t for t in load_chase_teams(scope, today) if t.overdue or include_week]
    late = sum(t.overdue for t in teams)
    soon = sum(t.due_this_week for t in teams) if include_week else 0
    if not teams:
        st.success("Nothing to chase: no action is overdue.")
        return
    sunday = this_week(today)[1]
    st.markdown(f"**{late:,} overdue action{'s' if late != 1 else ''}**"
                + (f" and {soon:,} due by {sunday:%a %d/%m}" if include_week else "")
                + f" across {len(teams)} teams, grouped by team and owner, for the weekly meeting.")
    with st.container(horizontal=True):
        download("Download chase list (CSV)", lambda: chase_csv_file(scope, today, include_week),
                 f"chase-list-{today}.csv", "text/csv", user.username, late + soon, "actions_chase_download_csv")
        download("Download chase list (Excel)", lambda: chase_xlsx_file(scope, today, include_week),
                 f"chase-list-{today}.xlsx", XLSX_MIME, user.username, late + soon, "actions_chase_download_xlsx")
    by_id = {t.team_id: t for t in teams}
    team_id = st.selectbox(
        "Team", options=list(by_id), key="actions_chase_team",
        format_func=lambda i: f"{by_id[i].team} · {by_id[i].overdue} overdue"
                              + (f", {by_id[i].due_this_week} due this week" if include_week else ""),
        help="Teams with the most overdue actions first",
    )
    if team_id is None:
        return
    rows = load_chase(scope, today, include_week, (team_id,))
    team = by_id[team_id]
    st.markdown(f"**{plain(team.team)}** · :red[{team.overdue} overdue]" if team.overdue else
                f"**{plain(team.team)}** · none overdue")
    # A large team's list is read a page at a time (a county's busiest team had 2,900 overdue actions at
    # 1,000,000 audits), an owner's actions together on a page; the downloads hold every row of every team.
    page = ActionPage.of(rows, page_offset((team_id, include_week), state=CHASE_OFFSET), CHASE_SHOWN, team.overdue,
                         groups=[row.owner_label for row in rows])
    if page.pages > 1:
        st.caption(f"Rows {page.shown_from:,} to {page.shown_to:,} of {page.total:,}, grouped by owner: an "
                   "owner's actions stay on one page. The downloads hold every row.")
    show_chase_table(page.rows, today, key=f"actions_chase_table_{team_id}")
    pager(page, key="actions_chase_pager", state=CHASE_OFFSET)


def counts_tab(scope: Scope, today: date) -> None:
    team_counts, practitioner_counts = load_counts(scope, today)
    left, right = st.columns([2, 3])
    with left:
        st.subheader("By team", anchor=False)
        show_counts(team_counts, practitioners=False, key="actions_counts_team")
    with right:
        st.subheader("By owner", anchor=False)
        show_counts(practitioner_counts, practitioners=True, key="actions_counts_owner")


@cached_query(reads_drafts=False)
def ready_charts(scope: Scope, today: date, filters: ActionFilters, *,
                 _charts: ActionCharts) -> tuple[ReadyChart, ReadyChart, ReadyChart]:
    """The three charts of ``load_charts(scope, today, filters)``, finished once per figures (``_charts``,
    the caller's copy of them, is left out of the key)."""
    in_time = rate_chart(_charts.in_time_by_team, what="In time",
                         title=f"Completed within {ACTION_DUE_WORKING_DAYS} working days, by team")
    verified = rate_chart(_charts.red_verified_by_team, title="Red audits' actions verified, by team", what="Verified")
    return (ready(weekly_chart(_charts), pivot=("Week", "What", "Actions")),
            ready(in_time, columns={"Team": "Team", "Label": "In time"}),
            ready(verified, columns={"Team": "Team", "Label": "Verified"}))


def charts_tab(scope: Scope, today: date, filters: ActionFilters) -> None:
    charts = load_charts(scope, today, filters)
    if filters != ActionFilters():
        st.caption("The charts count the actions that match the filters above.")
    if not charts.by_week:
        st.info("No action matches these filters." if filters != ActionFilters() else "No actions yet.")
        return
    weekly, in_time, verified = ready_charts(scope, today, filters, _charts=charts)
    draw_ready_chart(weekly, width="stretch")
    chart_table(weekly)
    left, right = st.columns(2)
    with left:
        rate = charts.in_time.rate
        st.metric(f"Completed within {ACTION_DUE_WORKING_DAYS} working days", f"{rate:.0%}" if rate is not None else "-",
                  help=f"Of the actions done, or whose {ACTION_DUE_WORKING_DAYS} working days are over")
        draw_ready_chart(in_time, width="stretch")
        chart_table(in_time)
    with right:
        rate = charts.red_verified.rate
        st.metric("Red audits' actions verified", f"{rate:.0%}" if rate is not None else "-",
                  help="Closing the loop: of the actions raised by audits graded Inadequate (moderated grade where "
                       "moderated), the share an auditor has verified")
        draw_ready_chart(verified, width="stretch")
        chart_table(verified)
