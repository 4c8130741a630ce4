"""Overview: the programme's headline figures, for every role."""
from ui.guard import require

user = require("overview")

import streamlit as st  # noqa: E402

from ui.audit_form.safeguarding import concerns_banner  # noqa: E402
from ui.overview import overview_charts, overview_figures, share  # noqa: E402
from ui.widgets import draw_ready_chart, rag_legend, today  # noqa: E402
from ui.text import plain  # noqa: E402

data = overview_figures(user.scope, today())

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

charts = overview_charts(data, user.scope, today())
left, right = st.columns([3, 2])
with left:
    if data.targets_apply:
        st.subheader("External audits against target", anchor=False)
        draw_ready_chart(charts.themes, width="stretch")
        st.caption(f"Bars: external audits done, {period}. Black tick: the programme's target. "
                   "Internal: managers' audits of their own teams (no target).")
    else:
        st.subheader("Audits of your teams by theme", anchor=False)
        draw_ready_chart(charts.themes, width="stretch")
        st.caption(f"External audits of your teams, {period}. The programme's targets are for all teams together, "
                   "so they are not drawn against your teams' audits.")
    st.dataframe(charts.themes_table, hide_index=True, width="stretch")
with right:
    st.subheader("RAG mix of all audits", anchor=False)
    draw_ready_chart(charts.rag, width="stretch")
    st.caption(f"Overall grades of {data.audits_all} submitted audits, internal and external ({whose}), {period}; "
               "the moderated grade where an audit was moderated.")
    st.dataframe(charts.rag_table, hide_index=True, width="stretch")
    rag_legend()

st.subheader("Remedial actions", anchor=False)
st.caption(f"Actions raised on submitted audits of {scope_note}, as they stand today ({today():%d %b %Y}).")
a1, a2, a3, a4 = st.columns(4)
a1.metric("Open", data.actions["open"])
a2.metric("Overdue", data.actions["overdue"])
a3.metric("Done, awaiting verification", data.actions["done"])
a4.metric("Verified", data.actions["verified"])
