"""Streamlit helpers of the Moderation and Moderation agreement pages: cached reads,
tables, charts and the two grading forms. User text is only ever shown as text.
"""
from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from core.agreement import AgreementStats, TimeBucket, agreement_by, kappa_note, rank_graders
from core.authz import Scope
from core.grades import GRADE_LABELS, NO_RAG_TEXT_COLOUR, OVERALL_GRADES, Grade, grade_text, ink_on, mix, rag_of
from core.moderation import ComparisonLine, difference_text
from db.engine import read_session
from db.moderation import (
    BlindCase,
    CaseDetails,
    Comparison,
    FeedbackRow,
    PairRow,
    StatsFilter,
    agreement_pairs,
    feedback_log,
)
from ui.cache import cached_query
from ui.widgets import rag_badge
from ui.text import plain

OPEN_PARAM = "moderation"
QUESTION_GRADES = (Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE)
# Background of a disagreeing row in the comparison, by its size in grades.
MATRIX_PALE, MATRIX_DARK = "#eef3fa", "#1d4f91"  # the agreement matrix: no grades to the most
DISAGREEMENT_SHADES = {1: "#fff3cd", 2: "#f8d7a8", 3: "#f5b7b1"}


# ------------------------------------------------------------------ cached reads
@cached_query
def cached_pairs(scope: Scope, filters: StatsFilter) -> list[PairRow]:
    with read_session() as session:
        return agreement_pairs(session, scope, filters)


@cached_query
def cached_feedback(scope: Scope, search: str, auditor_ids: tuple[int, ...], team_ids: tuple[int, ...],
                    mine_only: bool = False) -> list[FeedbackRow]:
    with read_session() as session:
        return feedback_log(session, scope, search=search, auditor_ids=auditor_ids, team_ids=team_ids,
                            mine_only=mine_only)


# ------------------------------------------------------------------ which moderation is open
def open_moderation_id() -> int | None:
    value = st.query_params.get(OPEN_PARAM)
    return int(value) if value and str(value).isdigit() else None


def open_moderation(moderation_id: int | None) -> None:
    if moderation_id is None:
        st.query_params.pop(OPEN_PARAM, None)
    else:
        st.query_params[OPEN_PARAM] = str(moderation_id)


# ------------------------------------------------------------------ text helpers

def _grade_colour(value: str) -> str:
    for grade in Grade:
        if value and value.endswith(grade.label):
            rag = rag_of(grade)
            return f"color: {rag.text_colour if rag else NO_RAG_TEXT_COLOUR}; font-weight: 600"
    return ""


def case_details(details: CaseDetails) -> None:
    """The case and its record dates: what the moderator may see before grading."""
    cols = st.columns(4)
    cols[0].markdown(f"**Case**  \n{plain(details.case_reference)}")
    cols[1].markdown(f"**Team**  \n{plain(details.team)}")
    cols[2].markdown(f"**Theme**  \n{plain(details.theme)}")
    cols[3].markdown(f"**Allocated practitioner**  \n{plain(details.practitioner)}")
    cols = st.columns(4)
    cols[0].markdown(f"**First auditor**  \n{plain(details.first_auditor)} ({details.kind})")
    cols[1].markdown(f"**Work audited on**  \n{details.work_date:%d %b %Y}" if details.work_date else "**Work date**  \n-")
    cols[2].markdown(f"**Audit date**  \n{details.audit_date:%d %b %Y}" if details.audit_date else "**Audit date**  \n-")
    cols[3].markdown(f"**Sample**  \n{plain(details.sample_label or '-')}")


# ------------------------------------------------------------------ the blind form
def blind_form(case: BlindCase) -> tuple[bool, dict[int, int | None], dict[int, str], int | None, str]:
    """The blind grading form. Nothing of the first audit is on it: no preset grade, no text.

    Grades use audit entry's own one-click grade buttons (``ui.audit_form.grades.grade_buttons``), the
    RAG badge beside each changing as it is chosen; what is typed is kept across reruns by key."""
    from ui.audit_form.grades import grade_buttons  # audit entry's widget, shared rather than copied

    grades: dict[int, int | None] = {}
    rationales: dict[int, str] = {}
    mid = case.details.moderation_id
    domain = None
    for question in case.questions:
        if question.domain != domain:
            domain = question.domain
            st.subheader(plain(domain))
        options = [int(g) for g in QUESTION_GRADES] + ([int(Grade.NOT_APPLICABLE)] if question.allow_na else [])
        with st.container(border=True, key=f"blind-question-{mid}-{question.question_id}"):
            st.markdown(f"**{question.position}. {plain(question.text)}**" + (" *(limiting)*" if question.limiting else ""))
            if question.guidance:
                st.caption(plain(question.guidance))
            grades[question.question_id] = grade_buttons(
                f"Your grade for question {question.position}", f"blind_grade_{mid}_{question.question_id}", options)
            rationales[question.question_id] = st.text_area(
                f"Your rationale for question {question.position}", key=f"blind_rationale_{mid}_{question.question_id}",
                height=90, placeholder="What in the record supports your grade",
            )
    st.subheader("Overall judgement")
    overall = grade_buttons("Your overall grade", f"blind_overall_{mid}", [int(g) for g in OVERALL_GRADES])
    overall_rationale = st.text_area("Your overall rationale", key=f"blind_overall_rationale_{mid}", height=120)
    submitted = st.button("Submit my grades and open the comparison", type="primary", key=f"blind_submit_{mid}")
    return submitted, grades, rationales, overall, overall_rationale


# ------------------------------------------------------------------ the comparison
def comparison_frame(lines: Sequence[ComparisonLine], *, with_agreed: bool) -> pd.DataFrame:
    """The compact overview: grades only, one row per question, in the lines' order."""
    rows = []
    for line in lines:
        row = {
            "#": line.position,
            "Question": line.text,
            "First grade": grade_text(line.first_grade),
            "Moderator's grade": grade_text(line.moderator_grade),
            "Difference": difference_text(line),
        }
        if with_agreed:
            row["Agreed grade"] = grade_text(line.agreed_grade)
        rows.append(row)
    return pd.DataFrame(rows)


def show_comparison_table(comparison: Comparison) -> None:
    lines = comparison.lines
    with_agreed = comparison.details.status == "completed"
    frame = comparison_frame(lines, with_agreed=with_agreed)
    sizes = [line.size for line in lines]

    def shade(row: pd.Series) -> list[str]:
        colour = DISAGREEMENT_SHADES.get(min(sizes[row.name], 3)) if sizes[row.name] else None
        return [f"background-color: {colour}" if colour else "" for _ in row]

    grade_columns = ["First grade", "Moderator's grade"] + (["Agreed grade"] if with_agreed else [])
    styled = frame.style.apply(shade, axis=1).map(_grade_colour, subset=grade_columns)
    st.dataframe(
        styled, hide_index=True, width="stretch",
        column_config={"#": st.column_config.NumberColumn(width="small"),
                       "Question": st.column_config.TextColumn(width="large")},
    )
    st.caption("Disagreements first, largest first; shaded by size (pale: one grade, darker: two or more). "
               "Difference is the first grade minus the moderator's: 'first higher' means the first grade was more generous.")


def _difference_badge(line: ComparisonLine) -> str:
    if not line.disagrees:
        return ":green-badge[Agree]"
    colour = "red" if line.size >= 2 else "orange"
    return f":{colour}-badge[{difference_text(line)}]"


def side_by_side(comparison: Comparison, *, editable: bool) -> dict[int, int | None]:
    """Each question with both grades and rationales side by side, disagreements first;
    with ``editable`` (inside the agreed form) a choice of agreed grade next to them."""
    mid = comparison.details.moderation_id
    agreed: dict[int, int | None] = {}
    for line in comparison.lines:
        with st.container(border=True):
            st.markdown(f"**{line.position}. {plain(line.text)}** {_difference_badge(line)}")
            first, moderator, outcome = st.columns([5, 5, 3])
            with first:
                st.markdown(f"First grade: {rag_badge(line.first_grade)}")
                st.text(line.first_rationale or "-")
            with moderator:
                st.markdown(f"{plain(comparison.moderator)}: {rag_badge(line.moderator_grade)}")
                st.text(line.moderator_rationale or "-")
            with outcome:
                if editable:
                    # Not applicable is offered only where one of the graders used it (the template allowed it).
                    na = Grade.NOT_APPLICABLE in (line.first_grade, line.moderator_grade)
                    options = [int(g) for g in QUESTION_GRADES] + ([int(Grade.NOT_APPLICABLE)] if na else [])
                    preset = line.moderator_grade if line.moderator_grade in options else None
                    agreed[line.question_id] = st.selectbox(
                        f"Agreed grade, question {line.position}", options,
                        index=options.index(preset) if preset is not None else None,
                        format_func=lambda g: GRADE_LABELS[Grade(g)], key=f"agreed_{mid}_{line.question_id}",
                    )
                elif line.agreed_grade is not None:
                    st.markdown(f"Agreed: {rag_badge(line.agreed_grade)}")
    return agreed


def agreed_form(comparison: Comparison) -> tuple[bool, dict[int, int | None], int | None, str]:
    """Agreed grades (preset to the moderator's) beside both gradings, and the reflective feedback."""
    mid = comparison.details.moderation_id
    with st.form(f"agreed_{mid}"):
        st.markdown("The agreed grade is what reporting uses from now on. It starts at your grade; change it where "
                    "the discussion with the first auditor settled elsewhere.")
        agreed = side_by_side(comparison, editable=True)
        overall_options = [int(g) for g in OVERALL_GRADES]
        preset = comparison.moderator_overall if comparison.moderator_overall in overall_options else None
        agreed_overall = st.selectbox(
            "Agreed overall grade", overall_options,
            index=overall_options.index(preset) if preset is not None else None,
            format_func=lambda g: GRADE_LABELS[Grade(g)], key=f"agreed_overall_{mid}",
        )
        feedback = st.text_area(
            "Reflective feedback for the first auditor", key=f"feedback_{mid}", height=160,
            placeholder="What was missed, and what Good looks like here.",
        )
        submitted = st.form_submit_button("Record agreed grades and feedback", type="primary")
    return submitted, agreed, agreed_overall, feedback


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
    base = alt.Chart(cells).encode(
        # Two-line labels so "Requires improvement" is neither hidden nor cut.
        x=alt.X(f"{second}:N", sort=order, title=second,
                axis=alt.Axis(labelAngle=0, orient="top", labelOverlap=False, labelExpr="split(datum.label, ' ')")),
        y=alt.Y("First grade:N", sort=order, title="First grade", axis=alt.Axis(labelExpr="split(datum.label, ' ')")),
    )
    rects = base.mark_rect(stroke="#ffffff").encode(
        color=alt.Color("Fill:N", scale=None, legend=None),  # the counts are written in the cells
        tooltip=["First grade", f"{second}:N", "Grades", "Agreement"],
    )
    text = base.mark_text(fontSize=15, fontWeight="bold").encode(text="Grades:Q", color=alt.Color("Ink:N", scale=None))
    # A fixed step per column: a discrete-axis heatmap otherwise squeezes its labels.
    return (rects + text).properties(width=alt.Step(78), height=300)


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
                        scale=alt.Scale(range=["#1d4f91", "#e69f00"]), legend=alt.Legend(orient="bottom", title=None)),
        tooltip=["Week", "Measure", alt.Tooltip("Share:Q", format=".0%"), "Count", "Kappa", "Moderated audits",
                 "Grades", "Few moderated"],
    )
    line = alt.Chart(frame).mark_line().encode(**encoding)
    points = alt.Chart(frame).mark_point(filled=True, size=80).encode(
        **encoding,
        opacity=alt.Opacity("Few moderated:N", scale=alt.Scale(domain=["no", "yes"], range=[1.0, 0.35]), legend=None),
    )
    return (line + points).properties(height=280)


def stats_tables(rows: Sequence[PairRow], *, second: str = "agreed grade") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per first auditor: those with ``SMALL_N`` or more moderated audits, the most generous first
    (so a generous or harsh grader stands out), and apart, by name, those with fewer: no kappa, no
    direction and no rank for them, since a handful of audits shows no pattern."""
    teams: dict[str, set[str]] = {}
    for row in rows:
        teams.setdefault(row.first_auditor, set()).add(row.team)
    graders = rank_graders(agreement_by(rows, key=lambda row: row.first_auditor))
    ranked = pd.DataFrame([
        {
            "First auditor": name,
            "Teams": ", ".join(sorted(teams[name])),
            "Audits moderated": s.moderations,
            "Grades": s.n,
            "Exact": s.exact_text,
            "Within one": s.within_one_text,
            "Kappa": s.kappa_text,
            "Direction": s.direction_text,
            "Reading": s.reading,
            "Note": kappa_note(s, second=second),
        }
        for name, s in graders.ranked
    ])
    too_few = pd.DataFrame([
        {"First auditor": name, "Teams": ", ".join(sorted(teams[name])), "Audits moderated": s.moderations,
         "Grades": s.n}
        for name, s in graders.too_few
    ])
    return ranked, too_few


def highlight_readings(frame: pd.DataFrame):
    colours = {"Generous": "#fde2c8", "Harsh": "#d6e6f7"}

    def shade(row: pd.Series) -> list[str]:
        colour = colours.get(row["Reading"])
        return [f"background-color: {colour}; font-weight: 600" if colour else "" for _ in row]

    return frame.style.apply(shade, axis=1)
