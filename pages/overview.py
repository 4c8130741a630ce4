"""Overview: the programme's headline figures, for every role."""
from ui.guard import require

user = require("overview")

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from db.queries.overview import overview  # noqa: E402
from ui.audit_form import concerns_banner  # noqa: E402
from ui.widgets import RAG_SCALE, rag_legend, session, today  # noqa: E402

with session() as s:
    data = overview(s, user.scope, today())

st.title("Overview")
if data.programme_name is None:
    st.info("No programme has been set up yet. An administrator sets one up under Administration.")
    st.stop()
scope_note = "all teams" if user.scope.team_ids is None else "the teams you manage"
st.caption(
    f"{data.programme_name} · started {data.programme_start:%d %b %Y} · "
    f"week {data.current_week} of {data.programme_weeks} · figures for {scope_note}"
)

# Unacknowledged safeguarding concerns stay on top, each with its Acknowledge button (never for a sponsor).
concerns_banner(user)

total_rag = sum(data.rag.values())
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("External audits", f"{data.audits_done}", help=f"Against a programme target of {data.audits_target}")
c2.metric("Red audits", f"{data.rag['R']}", help="Inadequate overall (moderated grade where moderated)")
c3.metric("Moderations", f"{data.moderations_completed}", help=f"{data.moderations_pending} in progress")
c4.metric("Actions overdue", f"{data.actions['overdue']}", help=f"{data.actions['open']} open in all")
mentoring = data.meetings.get("mentoring", 0) + data.meetings.get("reflective", 0)
c5.metric("Mentoring meetings", f"{mentoring}", help="Mentoring and reflective meetings held")

left, right = st.columns([3, 2])
with left:
    themes = pd.DataFrame(
        [{"Theme": t.theme, "Done": t.external, "Target": t.target, "Internal": t.internal} for t in data.themes]
    )
    st.subheader("External audits against target")
    bars = alt.Chart(themes).mark_bar(color="#1d4f91").encode(
        y=alt.Y("Theme:N", sort=None, title=None), x=alt.X("Done:Q", title="Audits"), tooltip=["Theme", "Done", "Target"]
    )
    ticks = alt.Chart(themes).mark_tick(color="#111", thickness=3, size=24).encode(
        y=alt.Y("Theme:N", sort=None), x="Target:Q", tooltip=["Theme", "Target"]
    )
    st.altair_chart(bars + ticks, width="stretch")
    st.caption("Bars: audits done. Black tick: the programme's target.")
    st.dataframe(themes, hide_index=True, width="stretch")
with right:
    st.subheader("RAG mix of all audits")
    rag = pd.DataFrame(
        [{"RAG": letter, "Audits": n, "Share": f"{n / total_rag:.0%}" if total_rag else "-"} for letter, n in data.rag.items()]
    )
    st.altair_chart(
        alt.Chart(rag).mark_bar().encode(
            x=alt.X("RAG:N", sort=["R", "A", "G"], title=None, axis=alt.Axis(labelAngle=0)),  # letters fit flat
            y=alt.Y("Audits:Q"),
            color=alt.Color("RAG:N", scale=RAG_SCALE, legend=None),
            tooltip=["RAG", "Audits", "Share"],
        ),
        width="stretch",
    )
    st.dataframe(rag, hide_index=True, width="stretch")
    rag_legend()

st.subheader("Remedial actions")
a1, a2, a3, a4 = st.columns(4)
a1.metric("Open", data.actions["open"])
a2.metric("Overdue", data.actions["overdue"])
a3.metric("Done, awaiting verification", data.actions["done"])
a4.metric("Verified", data.actions["verified"])
