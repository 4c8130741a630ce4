"""Progress: the programme against its plan, RAG trends, moderation, actions and mentoring,
for meetings (aggregates only, for every role), with a presentation mode and the board report."""
from ui.guard import require

user = require("progress")

import streamlit as st  # noqa: E402

from core.board_report_tables import (  # noqa: E402
    actions_table,
    domain_table,
    forecast_table,
    liveness_table,
    meetings_table,
    moderation_table,
    team_table,
    theme_table,
    weekly_table,
)
from ui.progress import (  # noqa: E402
    board_report_section,
    charts_for,
    choose_period,
    draw_chart,
    draw_headlines,
    draw_narrative,
    draw_presentation,
    draw_table,
    prepare_layout,
    presentation_toggle,
    presenting,
    programme,
    report_for,
)
from ui.text import plain  # noqa: E402
from ui.widgets import rag_legend, today  # noqa: E402

prepare_layout()
dates = programme()
if dates is None:
    st.title("Progress", anchor=False)
    st.info("No programme has been set up yet. An administrator sets one up under Administration.")
    st.stop()

as_of = today()
if presenting():
    period = choose_period(*dates, as_of, show=False)
    with st.spinner("Reading the figures..."):
        report = report_for(user.scope, period, as_of)
    draw_presentation(report, user.scope, period, as_of)
    st.stop()

st.title("Progress", anchor=False)
picker, toggle = st.columns([3, 1], vertical_alignment="bottom")
with picker:
    period = choose_period(*dates, as_of)
with toggle:
    presentation_toggle()
with st.spinner("Reading the figures..."):
    report = report_for(user.scope, period, as_of)
st.caption(
    f"{plain(report.programme_name)} · {plain(report.period.title)} · figures as of "
    f"{as_of:%d %b %Y} for {report.scope_label} · aggregate figures only"
    + (" · targets are the whole programme's, so they are not compared with your teams' audits"
       if report.targets is None else "")
)

draw_headlines(report)
draw_narrative(report)
board_report_section(report, user.username)


def against_the_plan(charts) -> None:
    draw_chart(charts["burn_up"])
    draw_chart(charts["themes"])
    draw_table(theme_table(report))
    if report.targets is not None:
        draw_table(forecast_table(report))


def is_practice_improving(charts) -> None:
    draw_chart(charts["rag_week"])
    draw_chart(charts["rag_theme"])
    rag_legend()
    draw_chart(charts["domains"])
    draw_table(domain_table(report))
    draw_table(team_table(report))


def moderation_actions_and_support(charts) -> None:
    draw_chart(charts["agreement"])
    draw_table(moderation_table(report))
    draw_chart(charts["actions"])
    draw_table(actions_table(report))
    draw_chart(charts["meetings"])
    draw_table(meetings_table(report))
    draw_chart(charts["liveness"])
    draw_table(liveness_table(report))
    draw_table(weekly_table(report))


# One tab a question: (title, the keys of the charts it draws, what it draws). Stateful tabs: only
# the open one is built and drawn (a first visit builds two charts, not nine), and it stays open
# when the period changes.
SECTIONS = (
    ("Audits against the plan", ("burn_up", "themes"), against_the_plan),
    ("Is practice improving?", ("rag_week", "rag_theme", "domains"), is_practice_improving),
    ("Moderation, actions and support", ("agreement", "actions", "meetings", "liveness"),
     moderation_actions_and_support),
)
tabs = st.tabs([title for title, _, _ in SECTIONS], key="progress_section", on_change="rerun")
for tab, (_, keys, draw) in zip(tabs, SECTIONS):
    if tab.open:
        with tab:
            draw(charts_for(report, user.scope, period, as_of, keys=keys))
