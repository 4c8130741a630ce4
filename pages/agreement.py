"""Moderation agreement: how far first grades agree with moderated ones (exact, within one,
weighted kappa, direction), per first auditor and over time; the reflective-feedback log;
and the feedback on the user's own (and their teams') audits, to acknowledge.
"""
from ui.guard import require

user = require("agreement")

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.agreement import SMALL_N, agreement_of, agreement_over_time, kappa_note  # noqa: E402
from core.exports import to_csv, to_xlsx  # noqa: E402
from db.engine import write_session  # noqa: E402
from ui.errors import refusable  # noqa: E402
from db.events import record  # noqa: E402
from db.moderation.common import ModerationError  # noqa: E402
from db.moderation.grading import acknowledge, load_comparison, may_acknowledge  # noqa: E402
from db.moderation.queue import filter_options  # noqa: E402
from db.moderation.stats import FeedbackRow, StatsFilter, question_options  # noqa: E402
from db.queries.common import current_programme  # noqa: E402
from ui.moderation import (  # noqa: E402
    cached_feedback,
    cached_pairs,
    grade_text,
    highlight_readings,
    matrix_heatmap,
    outcome_frame,
    over_time_chart,
    stats_tables,
)
from ui.text import plain  # noqa: E402
from ui.widgets import chart_table, rag_badge, session  # noqa: E402

RECENT_ACKNOWLEDGED = 10

scope = user.scope
st.title("Moderation agreement")
with session() as s:
    options = filter_options(s, scope)
    questions = dict(question_options(s, scope))
    programme = current_programme(s)
mine = cached_feedback(scope, "", (), (), mine_only=True)
waiting = [row for row in mine if row.acknowledged_on is None]
st.caption("Completed moderations of " + ("all teams" if scope.team_ids is None else "the teams you manage")
           + ". Grades compared on the 1 to 4 scale; not applicable is left out.")
if waiting:
    st.warning(f"{len(waiting)} moderated audit(s) of yours or your teams' with feedback to read and acknowledge: "
               "see **Feedback on my audits**.", icon=":material/feedback:")

stats_tab, log_tab, mine_tab = st.tabs(["Statistics", "Feedback log", "Feedback on my audits"])

# ------------------------------------------------------------------ statistics
with stats_tab:
    teams, themes, auditors = dict(options.teams), dict(options.themes), dict(options.first_auditors)
    f1, f2, f3 = st.columns(3)
    auditor_ids = f1.multiselect("First auditor", list(auditors), format_func=auditors.get, key="stats_auditors")
    team_ids = f2.multiselect("Team", list(teams), format_func=teams.get, key="stats_teams")
    theme_ids = f3.multiselect("Theme", list(themes), format_func=themes.get, key="stats_themes")
    f4, f5, f6 = st.columns([2, 1, 1])
    question_keys = f4.multiselect("Question", list(questions), format_func=questions.get, key="stats_questions")
    date_from = f5.date_input("Moderated from", value=None, key="stats_from")
    date_to = f6.date_input("Moderated to", value=None, key="stats_to")
    f7, f8 = st.columns(2)
    level = f7.radio("Compare", ["questions", "overall"], horizontal=True, key="stats_level",
                     format_func={"questions": "Every question's grade", "overall": "Overall judgements"}.get,
                     disabled=bool(question_keys))
    against = f8.radio("First grade against", ["agreed", "blind"], horizontal=True, key="stats_against",
                       format_func={"agreed": "the agreed (moderated) grade",
                                    "blind": "the moderator's blind grade"}.get)
    filters = StatsFilter(tuple(auditor_ids), tuple(team_ids), tuple(theme_ids), tuple(question_keys), date_from,
                          date_to, "questions" if question_keys else level, against)
    pairs = cached_pairs(scope, filters)
    stats = agreement_of([p.rated for p in pairs])
    second = "Agreed grade" if against == "agreed" else "Moderator's blind grade"

    m1, m2, m3, m4, m5, m6 = st.columns(6)
    m1.metric("Moderated audits", stats.moderations)
    m2.metric("Grades compared", stats.n)
    m3.metric("Exact agreement", stats.exact_text, help="Same grade on both sides.")
    m4.metric("Within one grade", stats.within_one_text, help="At most one grade apart.")
    m5.metric("Weighted kappa", stats.kappa_text,
              help=stats.kappa.reason or "Quadratic-weighted Cohen's kappa: 1 is perfect agreement, 0 is what chance "
                                         "alone gives. Published case-note audits report 0.32 to 0.70.")
    m6.metric("Direction", stats.direction_text,
              help="Mean of first grade minus moderated grade. Positive: first grades were generous.")
    if stats.n == 0:
        st.info("No completed moderations match these filters.")
    else:
        if stats.small:
            st.warning(f"Fewer than {SMALL_N} moderated audits: counts are shown instead of percentages, and the "
                       "direction is not a pattern yet.", icon=":material/warning:")
        note = kappa_note(stats, second=second.lower())
        if note:
            st.info(note, icon=":material/info:")
        left, right = st.columns(2)
        with left:
            st.subheader("Grade by grade")
            matrix = matrix_heatmap(stats, second=second)
            st.altair_chart(matrix, width="content")
            chart_table(matrix, pivot=("First grade", second, "Grades"))
            st.caption("Rows: the first grade; columns: the " + second.lower() + "; best grade first on both. "
                       "The diagonal (top left to bottom right) is agreement. Cells above the diagonal (top right) "
                       "are first grades higher than the " + second.lower() + ": generous. Cells below it "
                       "(bottom left) are first grades lower: harsh.")
        with right:
            st.subheader("Agreement over time")
            buckets = agreement_over_time([p.rated for p in pairs], programme.start_date if programme else None)
            over_time = over_time_chart(buckets)
            st.altair_chart(over_time, width="stretch")
            chart_table(over_time, columns={"Week": "Week", "Measure": "Measure", "Count": "Grades agreeing",
                                            "Kappa": "Kappa", "Moderated audits": "Moderated audits"})
            st.caption(f"By week of moderation. Faint points: fewer than {SMALL_N} moderated audits that week. "
                       "Hover for counts and the week's kappa.")
        st.subheader("By first auditor")
        ranked, too_few = stats_tables(pairs, second=second.lower())
        if ranked.empty:
            st.caption(f"No first auditor has {SMALL_N} or more moderated audits here yet.")
        else:
            if not ranked["Note"].astype(bool).any():
                ranked = ranked.drop(columns="Note")
            st.dataframe(highlight_readings(ranked), hide_index=True, width="stretch",
                         column_config={"Reading": st.column_config.TextColumn(width="medium"),
                                        "Kappa": st.column_config.TextColumn(width="small"),
                                        "Direction": st.column_config.TextColumn(width="small")})
            st.caption(f"First auditors with {SMALL_N} or more moderated audits, most generous first. Direction: "
                       "mean of first grade minus the " + second.lower() + " (positive: generous). 'Generous' "
                       "or 'Harsh': a quarter of a grade or more on average.")
        if not too_few.empty:
            st.markdown(f"**Fewer than {SMALL_N} moderated audits** (not ranked; no kappa or direction yet)")
            st.dataframe(too_few, hide_index=True, width="stretch")
            st.caption("A handful of audits shows no pattern: their statistics appear once they have "
                       f"{SMALL_N} moderated audits. Choose one in 'First auditor' above to see their counts.")

# ------------------------------------------------------------------ the feedback log
with log_tab:
    g1, g2, g3 = st.columns([2, 1, 1])
    search = g1.text_input("Search", key="log_search", placeholder="Auditor, moderator, team, case or words in the feedback")
    log_auditors = g2.multiselect("First auditor", list(auditors), format_func=auditors.get, key="log_auditors")
    log_teams = g3.multiselect("Team", list(teams), format_func=teams.get, key="log_teams")
    log = cached_feedback(scope, search, tuple(log_auditors), tuple(log_teams))
    st.caption(f"{len(log)} reflective feedback record(s), newest first.")
    if log:
        values = [
            [r.completed_on, r.case_reference, r.team, r.theme, r.first_auditor, r.moderator, grade_text(r.first_overall),
             grade_text(r.agreed_overall), r.questions_changed, r.feedback, r.acknowledged_by or "", r.acknowledged_on]
            for r in log
        ]
        st.dataframe(
            pd.DataFrame(values, columns=FeedbackRow.COLUMNS), hide_index=True, width="stretch",
            column_order=["Completed", "Case", "Team", "First auditor", "Feedback", "First overall grade",
                          "Agreed overall grade", "Questions changed", "Moderator", "Theme", "Acknowledged by",
                          "Acknowledged on"],
            column_config={"Feedback": st.column_config.TextColumn(width="large")},
        )

        @refusable
        def log_export(kind: str) -> None:
            with write_session() as w:
                record(w, user.username, "moderation.feedback_exported", "moderation_feedback", kind,
                       after={"rows": len(values), "search": search, "auditors": log_auditors, "teams": log_teams})

        d1, d2, _ = st.columns([1, 1, 4])
        # Files are built when clicked (a callable), not on every rerun of the page.
        d1.download_button("Download CSV", lambda: to_csv(FeedbackRow.COLUMNS, values), "moderation-feedback.csv",
                           "text/csv", on_click=log_export, args=("csv",), icon=":material/download:")
        d2.download_button(
            "Download Excel", lambda: to_xlsx({"Moderation feedback": (FeedbackRow.COLUMNS, values)}),
            "moderation-feedback.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click=log_export, args=("xlsx",),
            icon=":material/download:",
        )

# ------------------------------------------------------------------ feedback on my audits
with mine_tab:
    if not mine:
        st.info("No completed moderation of your audits, or your teams' audits, yet.")
    # Everything still to acknowledge, and the ten latest acknowledged; the log holds the rest.
    recent = {row.moderation_id for row in [r for r in mine if r.acknowledged_on][:RECENT_ACKNOWLEDGED]}
    shown = [row for row in mine if row.acknowledged_on is None or row.moderation_id in recent]
    if len(shown) < len(mine):
        st.caption(f"Showing what awaits acknowledgement and the {RECENT_ACKNOWLEDGED} latest acknowledged; "
                   "older feedback is in the Feedback log.")
    with session() as s:
        comparisons = {row.moderation_id: load_comparison(s, scope, row.moderation_id) for row in shown}
    for row in shown:
        comparison = comparisons[row.moderation_id]
        state = (f"acknowledged by {plain(row.acknowledged_by)} on {row.acknowledged_on:%d %b %Y}" if row.acknowledged_on
                 else "awaiting acknowledgement")
        with st.expander(f"{plain(row.case_reference)} · {plain(row.theme)} · audited by {plain(row.first_auditor)} · "
                         f"moderated by {plain(row.moderator)} on {row.completed_on:%d %b %Y} · {state}",
                         expanded=row.acknowledged_on is None):
            st.markdown(f"**Overall.** First grade: {rag_badge(comparison.first_overall)} · "
                        f"Agreed grade: {rag_badge(comparison.agreed_overall)} · "
                        f"{comparison.changed_by_moderation} question grade(s) changed")
            st.caption("Reflective feedback")
            with st.container(border=True):
                st.text(comparison.feedback)
            st.dataframe(outcome_frame(comparison), hide_index=True, width="stretch")
            if may_acknowledge(scope, comparison):
                if st.button("Acknowledge this feedback", key=f"ack_{row.moderation_id}", type="primary"):
                    try:
                        with write_session() as w:
                            acknowledge(w, scope, row.moderation_id)
                    except ModerationError as error:
                        st.error(plain(str(error)))
                    else:
                        st.rerun()
