"""Meetings: record a meeting, see meetings by week and type, and each manager's history."""
from ui.guard import require

user = require("meetings")

from datetime import timedelta  # noqa: E402

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.meetings import MEETING_KINDS, MENTORING_KINDS, MeetingDraft, kind_label  # noqa: E402
from db.engine import write_session  # noqa: E402
from db.meetings import (  # noqa: E402
    MeetingError, manager_options, manager_summary, meeting_history, practitioner_options, record_meeting,
    team_options, totals_by_kind, user_options,
)
from ui.meetings import (  # noqa: E402
    counts_for, default_teams, flash, generation, next_generation, programme_dates, show_flash, show_problems,
    unique_labels,
)
from ui.widgets import session, today  # noqa: E402

TODAY = today()
scope = user.scope
with session() as s:
    teams = team_options(s, scope)
    practitioners = practitioner_options(s, scope)
    people = unique_labels(user_options(s))
    managers = unique_labels(manager_options(s, scope))
programme_start, _ = programme_dates()

st.title("Meetings")
st.caption(
    "Mentoring, reflective, workshop, coaching and risks-and-issues meetings. "
    + ("You see every meeting." if scope.team_ids is None
       else "You see the meetings about the teams you manage and the meetings you attended.")
)
show_flash("meetings")

record_tab, counts_tab, history_tab = st.tabs(["Record a meeting", "Counts by week", "History"])

# ------------------------------------------------------------------ record
with record_tab:
    g = generation("meeting_form")
    with st.form(f"meeting_form_{g}"):
        left, right = st.columns(2)
        kind = left.selectbox(
            "Type of meeting", list(MEETING_KINDS), index=None, format_func=kind_label, key=f"meeting_kind_{g}",
            placeholder="Choose the type",
        )
        held_on = right.date_input("Date held", value=TODAY, max_value=TODAY, format="DD/MM/YYYY",
                                   key=f"meeting_date_{g}")
        attendees = st.multiselect(
            "Attendees (users)", list(people), default=[user.id] if user.id in people else [],
            format_func=people.get, key=f"meeting_users_{g}",
        )
        attending_practitioners = st.multiselect(
            "Practitioners who attended", list(practitioners), format_func=practitioners.get,
            key=f"meeting_practitioners_{g}", help="For coaching and reflective sessions with practitioners.",
        )
        concerned = st.multiselect(
            "Teams concerned", list(teams), default=default_teams(teams, scope), format_func=teams.get,
            key=f"meeting_teams_{g}",
            help="A mentoring, reflective or coaching meeting concerns at least one team.",
        )
        notes = st.text_area("Notes: what was discussed", key=f"meeting_notes_{g}", max_chars=5000,
                             help="No children's names, dates of birth or addresses: use case references.")
        follow_ups = st.text_area("Agreed follow-ups", key=f"meeting_follow_ups_{g}", max_chars=5000)
        submitted = st.form_submit_button("Record meeting", type="primary", icon=":material/save:")
    if submitted:
        draft = MeetingDraft(
            kind=kind or "", held_on=held_on, notes=notes, follow_ups=follow_ups, user_ids=frozenset(attendees),
            practitioner_ids=frozenset(attending_practitioners), team_ids=frozenset(concerned),
        )
        try:
            with write_session() as w:
                meeting = record_meeting(w, scope, draft, TODAY)
        except MeetingError as error:
            show_problems(error.problems, "The meeting was not recorded. Please correct:")
        else:
            flash("meetings", f"Recorded the {kind_label(draft.kind).lower()} meeting of {held_on:%d %b %Y}.")
            next_generation("meeting_form")
            st.rerun()

# ------------------------------------------------------------------ period for counts and history
def period(container, key: str):
    start_default = programme_start or TODAY - timedelta(weeks=12)
    left, right = container.columns(2)
    start = left.date_input("From", value=min(start_default, TODAY), max_value=TODAY, format="DD/MM/YYYY",
                            key=f"{key}_from")
    end = right.date_input("To", value=TODAY, format="DD/MM/YYYY", key=f"{key}_to")
    return start, end


with counts_tab:
    start, end = period(st, "counts")
    counts = counts_for(scope, start, end)
    totals = totals_by_kind(counts)
    metrics = st.columns(len(MEETING_KINDS) + 1)
    metrics[0].metric("Mentoring and reflective", sum(totals[k] for k in MENTORING_KINDS))
    for column, (kind, label) in zip(metrics[1:], MEETING_KINDS.items()):
        column.metric(label, totals[kind])
    if not counts:
        st.info("No meetings in this period.")
    else:
        frame = pd.DataFrame(
            [{"Week": row.week_start, "Type": kind_label(row.kind), "Meetings": row.meetings,
              "order": list(MEETING_KINDS).index(row.kind)} for row in counts]
        )
        chart = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X("yearmonthdate(Week):O", title="Week beginning", axis=alt.Axis(format="%d %b", labelAngle=-45)),
                y=alt.Y("Meetings:Q", title="Meetings", stack="zero"),
                # Not red, amber or green: those colours mean RAG grades everywhere else.
                color=alt.Color("Type:N", sort=[kind_label(k) for k in MEETING_KINDS], title="Type",
                                scale=alt.Scale(domain=[kind_label(k) for k in MEETING_KINDS],
                                                range=["#1d4f91", "#6a9fd4", "#7b5ea7", "#2a9d8f", "#6b6b6b"])),
                order=alt.Order("order:Q"),
                tooltip=[alt.Tooltip("Week:T", format="%d %b %Y"), "Type", "Meetings"],
            )
            .properties(height=320)
        )
        st.altair_chart(chart, width="stretch")
        table = frame.drop(columns="order").pivot_table(index="Week", columns="Type", values="Meetings", aggfunc="sum", fill_value=0)
        table = table.reindex(columns=[kind_label(k) for k in MEETING_KINDS if kind_label(k) in table.columns])
        table["Total"] = table.sum(axis=1)
        st.dataframe(
            table.reset_index(), hide_index=True, width="stretch",
            column_config={"Week": st.column_config.DateColumn("Week beginning", format="DD MMM YYYY")},
        )

# ------------------------------------------------------------------ history
with history_tab:
    start, end = period(st, "history")
    with session() as s:
        summary = manager_summary(s, scope, start, end)
    st.subheader("Meetings attended, by manager")
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

    st.subheader("Meeting history")
    left, right = st.columns(2)
    everyone = "All meetings you can see"
    chosen = left.selectbox(
        "Manager", [None, *managers], format_func=lambda m: everyone if m is None else managers[m],
        index=0 if scope.team_ids is None or user.id not in managers else 1 + list(managers).index(user.id),
        key="history_manager",
    )
    kinds = right.multiselect("Types", list(MEETING_KINDS), format_func=kind_label, key="history_kinds",
                              placeholder="All types")
    with session() as s:
        history = meeting_history(s, scope, attendee_id=chosen, kinds=kinds, start=start, end=end)
    if not history:
        st.info("No meetings match.")
    else:
        st.caption(f"{len(history)} meeting(s), newest first.")
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
