"""The Moderation agreement page's parts: cached reads, the statistics (matrix, agreement over
time, first auditors), the reflective-feedback log and the feedback on the user's own audits.
User text is only ever shown as text.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from core.agreement import SMALL_N, AgreementFigures, AgreementStats, TimeBucket, agreement_figures, kappa_note
from core.authz import Scope
from core.chart_channels import layer_of, tooltips
from core.exports import XLSX_MIME, to_csv, to_xlsx
from core.grades import GRADE_LABELS, OVERALL_GRADES, RAG_COLOURS, Grade, Rag, grade_text, ink_on, mix
from core.periods import counted
from db.engine import read_session, write_session
from db.moderation.common import ModerationError
from db.moderation.grading import Comparison, acknowledge, load_comparisons, may_acknowledge
from db.moderation.queue import FilterOptions, filter_options
from db.moderation.stats import (FeedbackRow, StatsFilter, agreement_counts, feedback_count, feedback_log,
                                 question_options)
from db.queries.common import current_programme
from ui.cache import cached_query
from ui.guard import export_button
from ui.moderation import audit_filters
from ui.text import plain
from ui.widgets import ReadyChart, chart_table, draw_ready_chart, rag_badge, ready, tag_column

MATRIX_PALE, MATRIX_DARK = "#eef3fa", "#1d4f91"  # the agreement matrix: no grades to the most
RECENT_ACKNOWLEDGED = 10
AWAITING_SHOWN = 20


# ------------------------------------------------------------------ cached reads
@cached_query(reads_drafts=False)
def cached_figures(scope: Scope, filters: StatsFilter, programme_start: date | None) -> AgreementFigures:
    """Every figure of the Statistics tab, from grade pairs counted in SQL (two statements)."""
    with read_session() as session:
        return agreement_figures(agreement_counts(session, scope, filters), programme_start)


# The over-time chart's table: its columns, named as shown.
OVER_TIME_TABLE = {"Week": "Week", "Measure": "Measure", "Count": "Grades agreeing", "Kappa": "Kappa",
                   "Moderated audits": "Moderated audits"}


@cached_query(reads_drafts=False)
def cached_charts(scope: Scope, filters: StatsFilter, programme_start: date | None, second: str, *,
                  _figures: AgreementFigures) -> tuple[ReadyChart, ReadyChart]:
    """The grade-by-grade matrix and agreement over time, built once per figures (keyed like
    ``cached_figures``; ``_figures``, the caller's copy of them, is left out of the key)."""
    return (ready(matrix_heatmap(_figures.stats, second=second), pivot=("First grade", second, "Grades")),
            ready(over_time_chart(_figures.over_time), columns=OVER_TIME_TABLE))


@cached_query(reads_drafts=False)
def cached_choices(scope: Scope) -> tuple[FilterOptions, dict[str, str], date | None]:
    """The filters' choices, the questions moderated, and the programme's first day (week labels)."""
    with read_session() as session:
        programme = current_programme(session)
        return (filter_options(session, scope), dict(question_options(session, scope)),
                programme.start_date if programme else None)


# The feedback log shows the newest records matching the search, and counts the rest (issue 16: no page
# draws more rows than a person can read); the downloads hold every record that matches.
FEEDBACK_SHOWN = 200


@cached_query(reads_drafts=False)
def cached_feedback(scope: Scope, search: str, auditor_ids: tuple[int, ...], team_ids: tuple[int, ...],
                    mine_only: bool = False, limit: int | None = None) -> list[FeedbackRow]:
    with read_session() as session:
        return feedback_log(session, scope, search=search, auditor_ids=auditor_ids, team_ids=team_ids,
                            mine_only=mine_only, limit=limit)


@cached_query(reads_drafts=False)
def cached_feedback_count(scope: Scope, search: str, auditor_ids: tuple[int, ...], team_ids: tuple[int, ...]) -> int:
    with read_session() as session:
        return feedback_count(session, scope, search=search, auditor_ids=auditor_ids, team_ids=team_ids)


@cached_query(reads_drafts=False)
def cached_comparisons(scope: Scope, moderation_ids: tuple[int, ...]) -> dict[int, Comparison]:
    """The comparisons behind the feedback on the user's audits, loaded together (no query per row)."""
    with read_session() as session:
        return load_comparisons(session, scope, list(moderation_ids))



def outcome_frame(comparison: Comparison) -> pd.DataFrame:
    """A completed moderation's outcome for the first auditor: first and agreed grades, and the
    moderator's rationale for each question (why, not only what), changed grades first."""
    return pd.DataFrame([
        {"#": line.position, "Question": line.text, "First grade": grade_text(line.first_grade),
         "Agreed grade": grade_text(line.agreed_grade),
         "Change": "Unchanged" if line.agreed_grade == line.first_grade else _change(line.first_grade, line.agreed_grade),
         "Moderator's rationale": line.moderator_rationale or "-"}
        for line in sorted(comparison.lines, key=lambda l: (l.agreed_grade == l.first_grade, l.position))
    ])


def _change(first: int | None, agreed: int | None) -> str:
    if first in (None, 0) or agreed in (None, 0):
        return "Changed"
    steps = agreed - first
    return f"{'Up' if steps > 0 else 'Down'} {abs(steps)} grade{'s' if abs(steps) > 1 else ''}"


# ------------------------------------------------------------------ statistics
def matrix_heatmap(stats: AgreementStats, *, second: str) -> alt.Chart:
    """The 4x4 comparison matrix: first grade (rows) by moderated grade (columns)."""
    order = [GRADE_LABELS[g] for g in OVERALL_GRADES]
    cells = pd.DataFrame([
        {"First grade": GRADE_LABELS[Grade(i + 1)], second: GRADE_LABELS[Grade(j + 1)], "Grades": stats.matrix[i][j],
         "Agreement": "Same grade" if i == j else ("First higher" if i > j else "First lower")}
        for i in range(4) for j in range(4)
    ])
    # The fill is chosen here, so that each count is written in the ink that contrasts most with it.
    top = max(1, max(max(r) for r in stats.matrix))
    cells["Fill"] = [mix(MATRIX_PALE, MATRIX_DARK, n / top) for n in cells["Grades"]]
    cells["Ink"] = [ink_on(fill) for fill in cells["Fill"]]
    base = alt.Chart().encode(
        # Two-line labels so "Requires improvement" is neither hidden nor cut.
        x=alt.X(f"{second}:N", sort=order, title=second,
                axis=alt.Axis(labelAngle=0, labelAlign="center", orient="top", labelOverlap=False,
                              labelExpr="split(datum.label, ' ')")),
        y=alt.Y("First grade:N", sort=order, title="First grade", axis=alt.Axis(labelExpr="split(datum.label, ' ')")),
    )
    rects = base.mark_rect(stroke="#ffffff").encode(
        color=alt.Color("Fill:N", scale=None, legend=None),  # the counts are written in the cells
        tooltip=tooltips("First grade:N", f"{second}:N", "Grades:Q", "Agreement:N"),
    )
    text = base.mark_text(fontSize=15, fontWeight="bold").encode(text=alt.Text("Grades:Q"),
                                                                 color=alt.Color("Ink:N", scale=None))
    # A fixed step per column: a discrete-axis heatmap otherwise squeezes its labels.
    return layer_of(cells, rects, text, width=alt.Step(78), height=300)


def over_time_chart(buckets: Sequence[TimeBucket]) -> alt.Chart:
    """Exact and within-one agreement per week; faint points are weeks with few moderations."""
    rows = []
    for bucket in buckets:
        s = bucket.stats
        base = {"Week": bucket.label, "Moderated audits": s.moderations, "Grades": s.n, "Kappa": s.kappa_text,
                "Few moderated": "yes" if s.small else "no"}
        rows.append({**base, "Measure": "Exact agreement", "Share": s.exact_share, "Count": s.exact_text})
        rows.append({**base, "Measure": "Within one grade", "Share": s.within_one_share, "Count": s.within_one_text})
    frame = pd.DataFrame(rows)
    order = [b.label for b in buckets]
    encoding = dict(
        x=alt.X("Week:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Share:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"), title="Grades agreeing"),
        color=alt.Color("Measure:N", sort=["Exact agreement", "Within one grade"],
                        scale=alt.Scale(range=["#1d4f91", RAG_COLOURS[Rag.AMBER]]), legend=alt.Legend(orient="bottom", title=None)),
        tooltip=tooltips("Week:N", "Measure:N", alt.Tooltip("Share:Q", format=".0%"), "Count:N", "Kappa:N",
                         "Moderated audits:Q", "Grades:Q", "Few moderated:N"),
    )
    line = alt.Chart().mark_line().encode(**encoding)
    points = alt.Chart().mark_point(filled=True, size=80).encode(
        **encoding,
        opacity=alt.Opacity("Few moderated:N", scale=alt.Scale(domain=["no", "yes"], range=[1.0, 0.35]), legend=None),
    )
    return layer_of(frame, line, points, height=280)


def stats_tables(figures: AgreementFigures, *, second: str = "agreed grade") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per first auditor: those with ``SMALL_N`` or more moderated audits, the most generous first
    (so a generous or harsh grader stands out), and apart, by name, those with fewer: no kappa, no
    direction and no rank for them, since a handful of audits shows no pattern."""
    teams = figures.teams
    ranked = pd.DataFrame([
        {
            "First auditor": name,
            "Teams": ", ".join(teams[name]),
            "Audits moderated": s.moderations,
            "Grades": s.n,
            "Exact": s.exact_text,
            "Within one": s.within_one_text,
            "Kappa": s.kappa_text,
            "Direction": s.direction_text,
            "Reading": s.reading,
            "Note": kappa_note(s, second=second),
        }
        for name, s in figures.graders.ranked
    ])
    too_few = pd.DataFrame([
        {"First auditor": name, "Teams": ", ".join(teams[name]), "Audits moderated": s.moderations,
         "Grades": s.n}
        for name, s in figures.graders.too_few
    ])
    return ranked, too_few


READING_TAGS = {"Generous": "#fde2c8", "Harsh": "#d6e6f7"}  # a first auditor's reading: its tag's colour
PLAIN_READING = "#eeeeee"


def reading_shade(reading: str) -> str:
    """Generous orange, harsh blue, any other reading plain (the word says it; the colour helps the eye)."""
    return READING_TAGS.get(reading, PLAIN_READING)


# ------------------------------------------------------------------ the statistics tab
def statistics_tab(scope: Scope, options: FilterOptions, questions: dict[str, str],
                   programme_start: date | None) -> None:
    """Filters, headline figures, the grade matrix, agreement over time and the first auditors."""
    chosen = audit_filters(options, "agreement_stats", ("auditor", "team", "theme"), st.columns(3))
    f4, f5, f6 = st.columns([2, 1, 1])
    question_keys = f4.multiselect("Question", list(questions), format_func=questions.get, key="agreement_stats_questions")
    date_from = f5.date_input("Moderated from", value=None, format="DD/MM/YYYY", key="agreement_stats_from")
    date_to = f6.date_input("Moderated to", value=None, format="DD/MM/YYYY", key="agreement_stats_to")
    f7, f8 = st.columns(2)
    level = f7.radio("Compare", ["questions", "overall"], horizontal=True, key="agreement_stats_level",
                     format_func={"questions": "Every question's grade", "overall": "Overall judgements"}.get,
                     disabled=bool(question_keys))
    against = f8.radio("First grade against", ["agreed", "blind"], horizontal=True, key="agreement_stats_against",
                       format_func={"agreed": "the agreed (moderated) grade",
                                    "blind": "the moderator's blind grade"}.get)
    filters = StatsFilter(chosen["auditor"], chosen["team"], chosen["theme"], tuple(question_keys), date_from,
                          date_to, "questions" if question_keys else level, against)
    figures = cached_figures(scope, filters, programme_start)
    stats = figures.stats
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
        matrix, over_time = cached_charts(scope, filters, programme_start, second, _figures=figures)
        left, right = st.columns(2)
        with left:
            st.subheader("Grade by grade", anchor=False)
            draw_ready_chart(matrix, width="content")
            chart_table(matrix)
            st.caption("Rows: the first grade; columns: the " + second.lower() + "; best grade first on both. "
                       "The diagonal (top left to bottom right) is agreement. Cells above the diagonal (top right) "
                       "are first grades higher than the " + second.lower() + ": generous. Cells below it "
                       "(bottom left) are first grades lower: harsh.")
        with right:
            st.subheader("Agreement over time", anchor=False)
            draw_ready_chart(over_time, width="stretch")
            chart_table(over_time)
            st.caption(f"By week of moderation. Faint points: fewer than {SMALL_N} moderated audits that week. "
                       "Hover for counts and the week's kappa.")
        st.subheader("By first auditor", anchor=False)
        ranked, too_few = stats_tables(figures, second=second.lower())
        if ranked.empty:
            st.caption(f"No first auditor has {SMALL_N} or more moderated audits here yet.")
        else:
            if not ranked["Note"].astype(bool).any():
                ranked = ranked.drop(columns="Note")
            ranked["Reading"], reading = tag_column("Reading", list(ranked["Reading"]), reading_shade, width="medium")
            st.dataframe(ranked, hide_index=True, width="stretch",
                         column_config={"Reading": reading,
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


# ------------------------------------------------------------------ the feedback log tab
def feedback_log_tab(user, scope: Scope, options: FilterOptions) -> None:
    """Every completed moderation's feedback, searchable, with CSV and Excel downloads."""
    g1, g2, g3 = st.columns([2, 1, 1])
    search = g1.text_input("Search", key="agreement_log_search", placeholder="Auditor, moderator, team, case or words in the feedback")
    chosen = audit_filters(options, "agreement_log", ("auditor", "team"), (g2, g3))
    log_auditors, log_teams = chosen["auditor"], chosen["team"]
    log = cached_feedback(scope, search, log_auditors, log_teams, limit=FEEDBACK_SHOWN)
    total = cached_feedback_count(scope, search, log_auditors, log_teams)
    if total > len(log):
        st.caption(f"{counted(total, 'reflective feedback record')} match; the newest {len(log):,} are shown. "
                   "Download them all, or narrow the search.")
    else:
        st.caption(f"{counted(total, 'reflective feedback record')}, newest first.")
    if log:
        st.dataframe(
            pd.DataFrame([r.cells() for r in log], columns=FeedbackRow.COLUMNS), hide_index=True, width="stretch",
            column_order=["Completed", "Case", "Team", "First auditor", "Feedback", "First overall grade",
                          "Agreed overall grade", "Questions changed", "Moderator", "Theme", "Acknowledged by",
                          "Acknowledged on"],
            column_config={"Feedback": st.column_config.TextColumn(width="large")},
        )

        def everything() -> list[list]:
            """Every record the search matches, read when a download is clicked (not on every rerun)."""
            return [r.cells() for r in cached_feedback.uncached(scope, search, log_auditors, log_teams)]

        # Side by side at their own width, as the tracker's: a sixth of the page each cut
        # "Download Excel" short at 1366 px. Files are built when clicked, and logged then (ui.guard).
        logged = {"username": user.username, "action": "moderation.feedback_exported",
                  "object_type": "moderation_feedback",
                  "after": {"rows": total, "search": search, "auditors": list(log_auditors), "teams": list(log_teams)}}
        with st.container(horizontal=True):
            export_button("Download CSV", lambda: to_csv(FeedbackRow.COLUMNS, everything()),
                          file_name="moderation-feedback.csv", mime="text/csv", object_id="csv", **logged)
            export_button("Download Excel",
                          lambda: to_xlsx({"Moderation feedback": (FeedbackRow.COLUMNS, everything())}),
                          file_name="moderation-feedback.xlsx", mime=XLSX_MIME, object_id="xlsx", **logged)


# ------------------------------------------------------------------ the feedback on my audits tab
def my_feedback_tab(scope: Scope, mine: list[FeedbackRow]) -> None:
    """What awaits acknowledgement and the latest acknowledged, each with its outcome."""
    if not mine:
        st.info("No completed moderation of your audits, or your teams' audits, yet.")
    # The newest still to acknowledge (up to AWAITING_SHOWN), and the ten latest acknowledged; the log
    # holds the rest. Each is an expander with its table: a hundred of them cost seconds a run.
    awaiting = [r.moderation_id for r in mine if r.acknowledged_on is None]
    recent = [r.moderation_id for r in mine if r.acknowledged_on][:RECENT_ACKNOWLEDGED]
    chosen = set(awaiting[:AWAITING_SHOWN]) | set(recent)
    shown = [row for row in mine if row.moderation_id in chosen]
    if len(awaiting) > AWAITING_SHOWN:
        st.caption(f"{len(awaiting)} await acknowledgement: the {AWAITING_SHOWN} newest are below, and the next "
                   f"appear as these are acknowledged. The {RECENT_ACKNOWLEDGED} latest acknowledged follow; "
                   "all feedback is in the Feedback log.")
    elif len(shown) < len(mine):
        st.caption(f"Showing what awaits acknowledgement and the {RECENT_ACKNOWLEDGED} latest acknowledged; "
                   "older feedback is in the Feedback log.")
    comparisons = cached_comparisons(scope, tuple(row.moderation_id for row in shown))
    for row in shown:
        comparison = comparisons[row.moderation_id]
        state = (f"acknowledged by {plain(row.acknowledged_by)} on {row.acknowledged_on:%d %b %Y}" if row.acknowledged_on
                 else "awaiting acknowledgement")
        with st.expander(f"{plain(row.case_reference)} · {plain(row.theme)} · audited by {plain(row.first_auditor)} · "
                         f"moderated by {plain(row.moderator)} on {row.completed_on:%d %b %Y} · {state}",
                         expanded=row.acknowledged_on is None):
            st.markdown(f"**Overall.** First grade: {rag_badge(comparison.first_overall)} · "
                        f"Agreed grade: {rag_badge(comparison.agreed_overall)} · "
                        f"{counted(comparison.changed_by_moderation, 'question grade')} changed")
            st.caption("Reflective feedback")
            with st.container(border=True):
                st.text(comparison.feedback)
            st.dataframe(outcome_frame(comparison), hide_index=True, width="stretch")
            if may_acknowledge(scope, comparison):
                if st.button("Acknowledge this feedback", key=f"agreement_mine_acknowledge_{row.moderation_id}", type="primary"):
                    try:
                        with write_session() as w:
                            acknowledge(w, scope, row.moderation_id)
                    except ModerationError as error:
                        st.error(plain(str(error)))
                    else:
                        st.rerun()
