"""The Moderation page's parts: which moderation is open, the filters the Moderation and
Moderation agreement pages share, the case details, the two grading forms and the comparison
(``show_open_moderation`` draws one open moderation). User text is only ever shown as text.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from core.grades import GRADE_LABELS, NO_RAG_TEXT_COLOUR, OVERALL_GRADES, Grade, grade_text, question_grades, rag_of
from core.moderation import ComparisonLine, difference_text
from core.periods import counted
from db.engine import write_session
from db.moderation.common import ModerationError
from db.moderation.grading import (
    BlindCase,
    CaseDetails,
    Comparison,
    complete,
    load_blind,
    load_comparison,
    moderation_details,
    submit_blind,
)
from db.moderation.queue import FilterOptions
from ui.text import plain
from ui.widgets import rag_badge, session

OPEN_PARAM = "moderation"
FLASH = "moderation_flash"
# Background of a disagreeing row in the comparison, by its size in grades.
DISAGREEMENT_SHADES = {1: "#fff3cd", 2: "#f8d7a8", 3: "#f5b7b1"}


# ------------------------------------------------------------------ which moderation is open
def open_moderation_id() -> int | None:
    value = st.query_params.get(OPEN_PARAM)
    return int(value) if value and str(value).isdigit() else None


def open_moderation(moderation_id: int | None) -> None:
    if moderation_id is None:
        st.query_params.pop(OPEN_PARAM, None)
    else:
        st.query_params[OPEN_PARAM] = str(moderation_id)


def show_problems(error: ModerationError) -> None:
    for problem in error.problems:
        st.error(plain(problem))


# ------------------------------------------------------------------ the filters both pages share
FILTER_FIELDS = {"team": "Team", "theme": "Theme", "auditor": "First auditor"}
FILTER_KEYS = {"team": "teams", "theme": "themes", "auditor": "auditors"}  # each keyed <prefix>_<this>


def audit_filters(options: FilterOptions, prefix: str, fields: Sequence[str], columns) -> dict[str, tuple[int, ...]]:
    """The team, theme and first-auditor multiselects of the queue, the statistics and the
    feedback log: ``fields`` (of ``FILTER_FIELDS``) in that order, one in each of ``columns``,
    keyed ``<prefix>_teams``, ``<prefix>_themes``, ``<prefix>_auditors``, where ``prefix`` is the
    page's key and the part (``moderation_queue``, ``agreement_stats``). Returns the chosen
    ids per field (an empty tuple: any)."""
    choices = {"team": dict(options.teams), "theme": dict(options.themes), "auditor": dict(options.first_auditors)}
    chosen = {field: () for field in FILTER_FIELDS}
    for field, column in zip(fields, columns, strict=True):
        names = choices[field]
        chosen[field] = tuple(column.multiselect(FILTER_FIELDS[field], list(names), format_func=names.get,
                                                 key=f"{prefix}_{FILTER_KEYS[field]}"))
    return chosen


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
            st.subheader(plain(domain), anchor=False)
        options = question_grades(question.allow_na)
        with st.container(border=True, key=f"moderation_blind_question_{mid}_{question.question_id}"):
            st.markdown(f"**{question.position}. {plain(question.text)}**" + (" *(limiting)*" if question.limiting else ""))
            if question.guidance:
                st.caption(plain(question.guidance))
            grades[question.question_id] = grade_buttons(
                f"Your grade for question {question.position}", f"moderation_blind_grade_{mid}_{question.question_id}", options)
            rationales[question.question_id] = st.text_area(
                f"Your rationale for question {question.position}", key=f"moderation_blind_rationale_{mid}_{question.question_id}",
                height=90, placeholder="What in the record supports your grade",
            )
    st.subheader("Overall judgement", anchor=False)
    overall = grade_buttons("Your overall grade", f"moderation_blind_overall_{mid}", [int(g) for g in OVERALL_GRADES])
    overall_rationale = st.text_area("Your overall rationale", key=f"moderation_blind_overall_rationale_{mid}", height=120)
    submitted = st.button("Submit my grades and open the comparison", type="primary", key=f"moderation_blind_submit_{mid}")
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
                    options = question_grades(na)
                    preset = line.moderator_grade if line.moderator_grade in options else None
                    agreed[line.question_id] = st.selectbox(
                        f"Agreed grade, question {line.position}", options,
                        index=options.index(preset) if preset is not None else None,
                        format_func=lambda g: GRADE_LABELS[Grade(g)], key=f"moderation_agreed_grade_{mid}_{line.question_id}",
                    )
                elif line.agreed_grade is not None:
                    st.markdown(f"Agreed: {rag_badge(line.agreed_grade)}")
    return agreed


def agreed_form(comparison: Comparison) -> tuple[bool, dict[int, int | None], int | None, str]:
    """Agreed grades (preset to the moderator's) beside both gradings, and the reflective feedback."""
    mid = comparison.details.moderation_id
    with st.form(f"moderation_agreed_form_{mid}"):
        st.markdown("The agreed grade is what reporting uses from now on. It starts at your grade; change it where "
                    "the discussion with the first auditor settled elsewhere.")
        agreed = side_by_side(comparison, editable=True)
        overall_options = [int(g) for g in OVERALL_GRADES]
        preset = comparison.moderator_overall if comparison.moderator_overall in overall_options else None
        agreed_overall = st.selectbox(
            "Agreed overall grade", overall_options,
            index=overall_options.index(preset) if preset is not None else None,
            format_func=lambda g: GRADE_LABELS[Grade(g)], key=f"moderation_agreed_overall_{mid}",
        )
        feedback = st.text_area(
            "Reflective feedback for the first auditor", key=f"moderation_agreed_feedback_{mid}", height=160,
            placeholder="What was missed, and what Good looks like here.",
        )
        submitted = st.form_submit_button("Record agreed grades and feedback", type="primary")
    return submitted, agreed, agreed_overall, feedback


# ------------------------------------------------------------------ one moderation open
def show_open_moderation(user, open_id: int) -> None:
    """One moderation, opened by its link: blind grading for its moderator while it is assigned
    (nothing of the first audit is loaded), then the comparison, the agreed grades and the feedback."""
    scope = user.scope
    if st.button("Back to the moderation lists", icon=":material/arrow_back:"):
        open_moderation(None)
        st.rerun()
    with session() as s:
        try:
            details = moderation_details(s, scope, open_id)
            blind = comparison = None
            if details.status == "assigned" and details.moderator_id == user.id:
                blind = load_blind(s, scope, open_id)
            elif details.status != "assigned":
                comparison = load_comparison(s, scope, open_id)
        except ModerationError as error:
            st.info(plain(str(error)))
            return

    if blind is not None:
        st.subheader(f"Blind grading: {plain(details.case_reference)}", anchor=False)
        st.info("Grade every question and the overall judgement from the case record. The first auditor's grades "
                "and rationales open only after you submit yours.", icon=":material/visibility_off:")
        case_details(details)
        submitted, grades, rationales, overall, overall_rationale = blind_form(blind)
        if submitted:
            try:
                with write_session() as w:
                    submit_blind(w, scope, open_id, grades=grades, rationales=rationales, overall=overall,
                                 overall_rationale=overall_rationale)
            except ModerationError as error:
                show_problems(error)
            else:
                st.session_state[FLASH] = "Your blind grades are saved. Here is the comparison."
                st.rerun()
        return

    if comparison is None:
        st.subheader(f"Moderation of {plain(details.case_reference)}", anchor=False)
        case_details(details)
        st.info(f"Waiting for {plain(details.moderator)}'s blind grades. The comparison opens once they are in.")
        return

    st.subheader(f"Comparison: {plain(details.case_reference)}", anchor=False)
    case_details(details)
    n = len(comparison.lines)
    largest = max((line.size for line in comparison.lines), default=0)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Questions in agreement", f"{n - comparison.disagreements} of {n}")
    c2.metric("Disagreements", comparison.disagreements)
    c3.metric("Largest disagreement", counted(largest, "grade"))
    difference = comparison.overall_difference
    c4.metric("Overall: first minus moderator", "-" if difference is None else f"{difference:+d}")
    st.markdown(
        f"**Overall judgement.** First: {rag_badge(comparison.first_overall)} · "
        f"Moderator: {rag_badge(comparison.moderator_overall)}"
        + (f" · Agreed: {rag_badge(comparison.agreed_overall)}" if comparison.agreed_overall is not None else "")
    )
    left, right = st.columns(2)
    with left:
        st.caption("First auditor's overall rationale")
        st.text(comparison.first_overall_rationale or "-")
    with right:
        st.caption(f"{plain(comparison.moderator)}'s overall rationale")
        st.text(comparison.moderator_overall_rationale or "-")
    show_comparison_table(comparison)

    if details.status == "graded" and details.moderator_id == user.id:
        st.subheader("Agreed grades and reflective feedback", anchor=False)
        submitted, agreed, agreed_overall, feedback = agreed_form(comparison)
        if submitted:
            try:
                with write_session() as w:
                    complete(w, scope, open_id, agreed=agreed, agreed_overall=agreed_overall, feedback=feedback)
            except ModerationError as error:
                show_problems(error)
            else:
                st.session_state[FLASH] = "Agreed grades and feedback recorded: reporting now uses the agreed grades."
                st.rerun()
    elif details.status == "completed":
        st.subheader("Question by question", anchor=False)
        side_by_side(comparison, editable=False)
        st.subheader("Reflective feedback", anchor=False)
        with st.container(border=True):
            st.text(comparison.feedback)
        if comparison.acknowledged_at:
            st.caption(f"Acknowledged by {plain(comparison.acknowledged_by)} on {comparison.acknowledged_at:%d %b %Y}.")
        else:
            st.caption("Not yet acknowledged by the first auditor or their manager.")
    else:
        st.info(f"{plain(details.moderator)} is recording the agreed grades and feedback.")
        side_by_side(comparison, editable=False)
