"""Overview: the programme's headline figures, for every role."""
from ui.guard import require

user = require("overview")

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from db.queries.overview import overview  # noqa: E402
from ui.audit_form.safeguarding import concerns_banner  # noqa: E402
from ui.widgets import RAG_SCALE, rag_legend, session, today  # noqa: E402
from ui.text import plain  # noqa: E402

with session() as s:
    data = overview(s, user.scope, today())

st.title("Overview", anchor=False)
if data.programme_name is None:
    st.info("No programme has been set up yet. An administrator sets one up under Administration.")
    st.stop()
scoped = user.scope.team_ids is not None
scope_note = "all teams" if not scoped else "the teams you manage"
period = f"programme to date ({data.programme_start:%d %b %Y} to {today():%d %b %Y})"
st.caption(
    f"{plain(data.programme_name)} · started {data.programme_start:%d %b %Y} · "
    f"week {data.current_week} of {data.programme_weeks} · every figure here is for {scope_note}"
    + (" (targets are set for the whole programme, so they are not shown here)" if scoped else "")
)

# Unacknowledged safeguarding concerns stay on top, each with its Acknowledge button (never for a sponsor).
concerns_banner(user, "overview")


def share(count: int, total: int) -> str:
    return f"{count / total:.0%}" if total else "-"


# Each tile: the figure, then in words what it counts, over what period, out of what.
whose = "your teams'" if scoped else "the programme's"
tiles = st.columns(5)
tiles[0].metric("External audits", f"{data.audits_done}")
tiles[0].caption(
    f"Audits by external auditors, {period}, of a programme target of {data.audits_target}" if not scoped
    else f"Audits of your teams by external auditors, {period}, of {data.audits_all} audits of your teams"
)
tiles[1].metric("Red audits", f"{data.rag['R']}")
tiles[1].caption(f"Inadequate overall, internal and external audits ({whose}), {period}: "
                 f"{share(data.rag['R'], data.audits_all)} of {data.audits_all} audits")
moderations = data.moderations_completed + data.moderations_pending
tiles[2].metric("Moderations", f"{data.moderations_completed}")
tiles[2].caption(f"Completed, {period}, of {moderations} assigned ({data.moderations_pending} in progress)")
tiles[3].metric("Actions overdue", f"{data.actions['overdue']}")
tiles[3].caption(f"Remedial actions overdue today ({today():%d %b %Y}), of {data.actions['open']} open")
tiles[4].metric("Mentoring meetings", f"{data.mentoring}")
tiles[4].caption(f"Mentoring and reflective meetings, {period}"
                 + (": those about your teams or that you attended, as on the Meetings page" if scoped
                    else ", all teams"))

left, right = st.columns([3, 2])
with left:
    if data.targets_apply:
        themes = pd.DataFrame([{"Theme": t.theme, "Done": t.external, "Target": t.target, "Internal": t.internal}
                               for t in data.themes])
        st.subheader("External audits against target", anchor=False)
        bars = alt.Chart(themes).mark_bar(color="#1d4f91").encode(
            y=alt.Y("Theme:N", sort=None, title=None), x=alt.X("Done:Q", title="Audits"),
            tooltip=["Theme", "Done", "Target"],
        )
        ticks = alt.Chart(themes).mark_tick(color="#111", thickness=3, size=24).encode(
            y=alt.Y("Theme:N", sort=None), x="Target:Q", tooltip=["Theme", "Target"]
        )
        st.altair_chart(bars + ticks, width="stretch")
        st.caption(f"Bars: external audits done, {period}. Black tick: the programme's target. "
                   "Internal: managers' audits of their own teams (no target).")
    else:
        themes = pd.DataFrame([{"Theme": t.theme, "External": t.external, "Internal": t.internal}
                               for t in data.themes])
        st.subheader("Audits of your teams by theme", anchor=False)
        st.altair_chart(
            alt.Chart(themes).mark_bar(color="#1d4f91").encode(
                y=alt.Y("Theme:N", sort=None, title=None), x=alt.X("External:Q", title="External audits"),
                tooltip=["Theme", "External", "Internal"],
            ),
            width="stretch",
        )
        st.caption(f"External audits of your teams, {period}. The programme's targets are for all teams together, "
                   "so they are not drawn against your teams' audits.")
    st.dataframe(themes, hide_index=True, width="stretch")
with right:
    st.subheader("RAG mix of all audits", anchor=False)
    rag = pd.DataFrame(
        [{"RAG": letter, "Audits": n, "Share": share(n, data.audits_all)} for letter, n in data.rag.items()]
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
    st.caption(f"Overall grades of {data.audits_all} submitted audits, internal and external ({whose}), {period}; "
               "the moderated grade where an audit was moderated.")
    st.dataframe(rag, hide_index=True, width="stretch")
    rag_legend()

st.subheader("Remedial actions", anchor=False)
st.caption(f"Actions raised on submitted audits of {scope_note}, as they stand today ({today():%d %b %Y}).")
a1, a2, a3, a4 = st.columns(4)
a1.metric("Open", data.actions["open"])
a2.metric("Overdue", data.actions["overdue"])
a3.metric("Done, awaiting verification", data.actions["done"])
a4.metric("Verified", data.actions["verified"])
