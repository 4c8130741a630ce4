"""The Meetings page's tabs: record a meeting, counts by week and type (chart and table), history.

Rules live in ``core.meetings`` (the draft's checks, the week x type table) and reads and writes in
``db.meetings``; this module draws and collects input. Text typed by users is shown as text.
"""
from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from core.authz import Scope
from core.chart_channels import tooltips
from core.meetings import MEETING_KINDS, MENTORING_KINDS, MeetingDraft, kind_label, weekly_table
from db.engine import write_session
from db.meetings import HistoryFilter, MeetingError, WeekCount, record_meeting, totals_by_kind
from db.users import SignedInUser
from ui.cache import cached_query
from ui.flash import flash
from ui.meetings import (
    counts_for,
    default_teams,
    generation,
    history_for,
    next_generation,
    show_problems,
    summary_for,
)
from ui.widgets import ReadyChart, draw_ready_chart, ready

HISTORY_SHOWN = 100  # meetings listed at once in the history: more than anyone reads in one go

# Not red, amber or green: those colours mean RAG grades everywhere else.
KIND_COLOURS = ["#1d4f91", "#6a9fd4", "#7b5ea7", "#2a9d8f", "#6b6b6b"]


# ------------------------------------------------------------------ record
def record_tab(user: SignedInUser, teams: dict, practitioners: dict, people: dict, today: date) -> None:
    scope = user.scope
    g = generation("meetings_record")
    with st.form(f"meetings_record_form_{g}"):
        left, right = st.columns(2)
        kind = left.selectbox(
            "Type of meeting", list(MEETING_KINDS), index=None, format_func=kind_label, key=f"meetings_record_kind_{g}",
            placeholder="Choose the type",
        )
        held_on = right.date_input("Date held", value=today, max_value=today, format="DD/MM/YYYY",
                                   key=f"meetings_record_date_{g}")
        attendees = st.multiselect(
            "Attendees (users)", list(people), default=[user.id] if user.id in people else [],
            format_func=people.get, key=f"meetings_record_users_{g}",
        )
        attending_practitioners = st.multiselect(
            "Practitioners who attended", list(practitioners), format_func=practitioners.get,
            key=f"meetings_record_practitioners_{g}", help="For coaching and reflective sessions with practitioners.",
        )
        concerned = st.multiselect(
            "Teams concerned", list(teams), default=default_teams(teams, scope), format_func=teams.get,
            key=f"meetings_record_teams_{g}",
            help="A mentoring, reflective or coaching meeting concerns at least one team.",
        )
        notes = st.text_area("Notes: what was discussed", key=f"meetings_record_notes_{g}", max_chars=5000,
                             help="No children's names, dates of birth or addresses: use case references.")
        follow_ups = st.text_area("Agreed follow-ups", key=f"meetings_record_follow_ups_{g}", max_chars=5000)
        submitted = st.form_submit_button("Record meeting", type="primary", icon=":material/save:")
    if submitted:
        draft = MeetingDraft(
            kind=kind or "", held_on=held_on, notes=notes, follow_ups=follow_ups, user_ids=frozenset(attendees),
            practitioner_ids=frozenset(attending_practitioners), team_ids=frozenset(concerned),
        )
        try:
            with write_session() as w:
                record_meeting(w, scope, draft, today)
        except MeetingError as error:
            show_problems(error.problems, "The meeting was not recorded. Please correct:")
        else:
            flash("meetings", f"Recorded the {kind_label(draft.kind).lower()} meeting of {held_on:%d %b %Y}.")
            next_generation("meetings_record")
            st.rerun()


# ------------------------------------------------------------------ period for counts and history
def period(container, key: str, programme_start: date | None, today: date) -> tuple[date, date]:
    start_default = programme_start or today - timedelta(weeks=12)
    left, right = container.columns(2)
    start = left.date_input("From", value=min(start_default, today), max_value=today, format="DD/MM/YYYY",
                            key=f"{key}_from")
    end = right.date_input("To", value=today, format="DD/MM/YYYY", key=f"{key}_to")
    return start, end


# ------------------------------------------------------------------ counts
def meetings_chart(counts: list[WeekCount]) -> alt.Chart:
    """Meetings per week, stacked by type in ``MEETING_KINDS`` order."""
    frame = pd.DataFrame(
        [{"Week": row.week_start, "Type": kind_label(row.kind), "Meetings": row.meetings,
          "order": list(MEETING_KINDS).index(row.kind)} for row in counts]
    )
    labels = [kind_label(k) for k in MEETING_KINDS]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(Week):O", title="Week beginning", axis=alt.Axis(format="%d %b", labelAngle=-45)),
            y=alt.Y("Meetings:Q", title="Meetings", stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("Type:N", sort=labels, title="Type", scale=alt.Scale(domain=labels, range=KIND_COLOURS)),
            order=alt.Order("order:Q"),
            tooltip=tooltips(alt.Tooltip("Week:T", format="%d %b %Y"), "Type:N", "Meetings:Q"),
        )
        .properties(height=320)
    )


@cached_query(reads_drafts=False)
def counts_chart(scope: Scope, start: date | None, end: date | None, *, _counts: list[WeekCount]) -> ReadyChart:
    """The chart of ``counts_for(scope, start, end)``, built once per figures (``_counts``, the caller's copy
    of them, is left out of the key)."""
    return ready(meetings_chart(_counts))


def counts_tab(user: SignedInUser, programme_start: date | None, today: date) -> None:
    scope = user.scope
    start, end = period(st, "meetings_counts", programme_start, today)
    counts = counts_for(scope, start, end)
    totals = totals_by_kind(counts)
    metrics = st.columns(len(MEETING_KINDS) + 1)
    metrics[0].metric("Mentoring and reflective", sum(totals[k] for k in MENTORING_KINDS))
    for column, (kind, label) in zip(metrics[1:], MEETING_KINDS.items()):
        column.metric(label, totals[kind])
    if not counts:
        st.info("No meetings in this period.")
        return
    chart = counts_chart(scope, start, end, _counts=counts)
    draw_ready_chart(chart, width="stretch")
    st.dataframe(
        pd.DataFrame(weekly_table(counts)), hide_index=True, width="stretch",
        column_config={"Week": st.column_config.DateColumn("Week beginning", format="DD MMM YYYY")},
    )


# ------------------------------------------------------------------ history
def history_tab(user: SignedInUser, managers: dict, programme_start: date | None, today: date) -> None:
    scope = user.scope
    start, end = period(st, "meetings_history", programme_start, today)
    summary = summary_for(scope, start, end)
    st.subheader("Meetings attended, by manager", anchor=False)
    if summary:
        st.dataframe(
            pd.DataFrame([
                {"Manager": m.name, "Teams": ", ".join(m.teams),
                 **{label: m.by_kind.get(kind, 0) for kind, label in MEETING_KINDS.items()},
                 "Total": m.total, "Latest": m.last_held_on}
                for m in summary
            ]),
            hide_index=True, width="stretch",
            column_config={"Latest": st.column_config.DateColumn("Latest meeting", format="DD MMM YYYY")},
        )
    else:
        st.info("No managers to show.")

    st.subheader("Meeting history", anchor=False)
    left, right = st.columns(2)
    everyone = "All meetings you can see"
    chosen = left.selectbox(
        "Manager", [None, *managers], format_func=lambda m: everyone if m is None else managers[m],
        index=0 if scope.team_ids is None or user.id not in managers else 1 + list(managers).index(user.id),
        key="meetings_history_manager",
    )
    kinds = right.multiselect("Types", list(MEETING_KINDS), format_func=kind_label, key="meetings_history_kinds",
                              placeholder="All types")
    history, total = history_for(scope, HistoryFilter(chosen, tuple(kinds), start, end), HISTORY_SHOWN)
    if not history:
        st.info("No meetings match.")
        return
    if total > len(history):
        st.caption(f"The newest {len(history):,} of {total:,} meetings. To see older ones, choose a shorter period, "
                   "a manager or types.")
    else:
        st.caption(f"{total:,} meeting{'s' if total != 1 else ''}, newest first.")
    st.dataframe(
        pd.DataFrame([
            {"Date": m.held_on, "Type": kind_label(m.kind), "Teams": ", ".join(m.teams),
             "Attended": ", ".join(m.attendees + m.practitioners), "Notes": m.notes,
             "Follow-ups": m.follow_ups, "Recorded by": m.recorded_by}
            for m in history
        ]),
        hide_index=True, width="stretch",
        column_config={
            "Date": st.column_config.DateColumn(format="DD MMM YYYY"),
            "Notes": st.column_config.TextColumn(width="large"),
            "Follow-ups": st.column_config.TextColumn(width="medium"),
        },
    )
