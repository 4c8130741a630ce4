"""The sections of the audit form (case, theme and dates, questions, lived experience, overall
judgement, learning) and ``form_part``: the fragment each part of the form reruns in."""
from __future__ import annotations

import streamlit as st

from core.audit_rules import (
    EXTERNAL,
    INTERNAL,
    QuestionRule,
    entry_kinds,
    lived_experience_grade,
    limiting_inadequate,
    needs_limiting_override,
    words,
)
from core.authz import Scope
from core.autosave import uk_time
from core.grades import OVERALL_GRADES, Grade, question_grades
from db.audits.choices import CaseChoice, create_case
from db.engine import write_session
from db.users import SignedInUser
from ui import widgets
from ui.audit_form.actions import actions_section
from ui.audit_form.autosave import autosave
from ui.audit_form.grades import grade_buttons
from ui.audit_form.reads import (
    case_options,
    forget_memo,
    memo,
    memo_practitioners,
    memo_questions,
    one_case,
    team_options,
    theme_options,
)
from ui.audit_form.safeguarding import safeguarding_section
from ui.audit_form.state import CURRENT, FormState, field_key, live_problems, show_messages
from ui.errors import refusable
from ui.text import plain

# Up to this many cases the select box holds them all and filters as one types; beyond it
# (a large council) one types part of the reference first and the database finds matches.
CASE_LIST_LIMIT = 5000
CASE_SEARCH_LIMIT = 200
NEW_CASE_ERROR = "audit_entry_new_case_error"  # why the last Add case was refused
NEW_CASE_ADDED = "audit_entry_new_case_added"  # the message after a case was added


def case_section(user: SignedInUser, state: FormState, problems: dict[str, list[str]]) -> CaseChoice | None:
    """Kind, case (type-ahead, or a new reference with team and practitioner). Returns the case."""
    kinds = entry_kinds(user.roles)
    if state.submitted:
        case_id = state.get("case_id")
        case = memo("case", case_id, load=lambda: one_case(case_id))
        st.markdown(f"**Case** {plain(case.reference)} · {plain(case.team)} · allocated practitioner: "
                    f"{plain(case.practitioner or 'none recorded')}" if case else "**Case** -")
        return case
    if len(kinds) > 1:
        st.radio("Kind of audit", kinds, key=state.bind("kind", kinds[0], kinds), horizontal=True,
                 format_func=lambda k: "External (as an auditor)" if k == EXTERNAL else "Internal (your team's case)")
    kind = state.get("kind") if state.get("kind") in kinds else kinds[0]
    if len(kinds) == 1:
        st.caption("You are entering an external audit, as an auditor." if kind == EXTERNAL else
                   "You are entering an internal audit of a case in a team you manage.")
    cases = memo("cases", user.scope, kind, load=lambda: case_options(user.scope, kind, "", CASE_LIST_LIMIT + 1))
    if len(cases) > CASE_LIST_LIMIT:
        query = st.text_input("Find the case: type part of its reference", key=state.bind("case_search", ""))
        cases = case_options(user.scope, kind, query, CASE_SEARCH_LIMIT) if query.strip() else []
    by_id = {c.id: c for c in cases}
    chosen = state.get("case_id")
    if chosen is not None and chosen not in by_id and (case := memo("case", chosen, load=lambda: one_case(chosen))) is not None \
            and (kind != INTERNAL or case.team_id in user.scope.managed_team_ids):
        by_id[chosen] = case  # a resumed draft's case stays on offer whatever the search says
    st.selectbox(
        "Case reference", list(by_id), key=state.bind("case_id", None, list(by_id)), index=None,
        format_func=lambda case_id: f"{by_id[case_id].reference} · {by_id[case_id].team}",
        placeholder="Type the case reference to find it", filter_mode="contains",
        help="The person id from the case-management system. Managers see the cases of the teams they manage.",
    )
    show_messages(problems, "case")
    case = by_id.get(state.get("case_id"))
    if case is not None:
        st.caption(f"Team: {plain(case.team)} · allocated practitioner: {plain(case.practitioner or 'none recorded')}")
    _new_case(user, state, kind)
    return case


@refusable
def _create_case(scope: Scope, kind: str) -> None:
    reference = st.session_state.get(field_key("new_case.reference")) or ""
    team_id = st.session_state.get(field_key("new_case.team_id"))
    practitioner_id = st.session_state.get(field_key("new_case.practitioner_id"))
    try:
        with write_session() as session:
            case = create_case(session, scope, reference=reference, team_id=team_id,
                                        practitioner_id=practitioner_id, kind=kind)
    except ValueError as error:
        st.session_state[NEW_CASE_ERROR] = str(error)
        return
    st.session_state.pop(NEW_CASE_ERROR, None)
    forget_memo()  # the case list now has the new case
    st.session_state[field_key("case_id")] = case.id
    st.session_state[field_key("new_case.reference")] = ""
    st.session_state[NEW_CASE_ADDED] = f"Case {plain(case.reference)} added to {plain(case.team)}."


def _new_case(user: SignedInUser, state: FormState, kind: str) -> None:
    added = st.session_state.pop(NEW_CASE_ADDED, None)
    if added:
        st.success(added)
    with st.expander("Not in the list? Add a new case reference"):
        st.caption("Use the pseudonymised person id from the case-management system. Never a child's name, date of "
                   "birth or address: those are refused.")
        st.text_input("New case reference", key=state.bind("new_case.reference", ""), max_chars=20)
        teams = {t.id: t.name for t in memo("teams", user.scope, kind, load=lambda: team_options(user.scope, kind))}
        st.selectbox("Team", list(teams), key=state.bind("new_case.team_id", None, list(teams)), index=None,
                     format_func=teams.get, placeholder="Choose the team")
        team_id = state.get("new_case.team_id")
        practitioners = {p.id: p.name for p in memo_practitioners(team_id)} if team_id else {}
        st.selectbox("Allocated practitioner", list(practitioners),
                     key=state.bind("new_case.practitioner_id", None, list(practitioners)), index=None,
                     format_func=practitioners.get, placeholder="Choose the allocated social worker",
                     disabled=not team_id)
        error = st.session_state.get(NEW_CASE_ERROR)
        if error:
            st.error(plain(error), icon=":material/error:")
        st.button("Add case", key="audit_entry_new_case_add", on_click=_create_case, args=(user.scope, kind))


def theme_and_dates(state: FormState, problems: dict[str, list[str]]) -> tuple[str | None, list[QuestionRule] | None]:
    """Theme and the two dates. Returns the theme's name and the questions the form shows:
    those of the audit's own template version, or the newest version for a new choice."""
    themes = {t.id: t for t in memo("themes", load=theme_options)}
    left, middle, right = st.columns(3)
    if state.submitted:
        theme_id = state.meta["theme_id"]
        left.markdown(f"**Theme** {plain(themes[theme_id].name) if theme_id in themes else ''}")
    else:
        left.selectbox("Theme", list(themes), key=state.bind("theme_id", None, list(themes)), index=None,
                       format_func=lambda t: themes[t].name, placeholder="Choose the theme")
        with left:
            show_messages(problems, "theme")
        theme_id = state.get("theme_id")
    middle.date_input("Date of the work audited", key=state.bind("work_date"), format="DD/MM/YYYY",
                      help="For example the date the assessment was completed.")
    with middle:
        show_messages(problems, "work_date")
    right.date_input("Audit date", key=state.bind("audit_date", widgets.today()), format="DD/MM/YYYY")
    with right:
        show_messages(problems, "audit_date")
    if theme_id is None:
        return None, None
    if theme_id == state.meta["theme_id"] and state.meta["template_version_id"]:
        version_id = state.meta["template_version_id"]
    elif theme_id in themes:
        version_id = themes[theme_id].template_version_id
    else:
        return None, None
    name = themes[theme_id].name if theme_id in themes else ""
    return name, memo_questions(version_id)


def _grade_widget(state: FormState, name: str, options: list[int], label: str, where=None) -> int | None:
    return grade_buttons(label, state.bind(name, None, options), options, where)


def questions_section(state: FormState, questions: list[QuestionRule], problems: dict[str, list[str]],
                      user: SignedInUser | None = None) -> None:
    """The questions, one fragment per domain: a grade or a rationale reruns its own group only."""
    domains: dict[str, list[QuestionRule]] = {}
    for q in sorted(questions, key=lambda q: q.position):
        domains.setdefault(q.domain, []).append(q)
    for domain in domains:
        st.subheader(plain(domain), anchor=False)
        form_part(user, "questions", questions, domain=domain)


def _question_group(state: FormState, group: list[QuestionRule], problems: dict[str, list[str]]) -> None:
    for q in group:
        with st.container(border=True, key=f"audit_entry_question_{q.key}"):
            st.markdown(f"**{q.position}. {plain(q.text)}**")
            note = " · a limiting question: Inadequate here usually limits the overall grade" if q.limiting else ""
            st.caption(f"Good looks like: {plain(q.guidance)}{note}")
            options = question_grades(q.allow_na)
            _grade_widget(state, f"q.{q.key}.grade", options, f"Grade for question {q.position}")
            show_messages(problems, f"q{q.id}.grade")
            st.text_area(f"Rationale for question {q.position}", key=state.bind(f"q.{q.key}.rationale", ""),
                         height=80, placeholder="What in the record shows this grade?")
            show_messages(problems, f"q{q.id}.rationale")


# A part never reruns the whole page by itself (st.rerun): a rerun of the page requested while the
# auditor's next clicks are still queued drops those clicks (seen in the browser: grades chosen
# and shown as chosen, never received). So what one part shows about another is drawn in the part
# that depends on it, and refreshed when that part or the page next reruns: the overall judgement,
# the safeguarding concern and the actions are one part (a Red overall asks at once why there is
# no action); the limiting-judgement warning is computed whenever the overall part reruns.
@st.fragment
def form_part(user: SignedInUser | None, part: str, questions: list[QuestionRule],
              case: CaseChoice | None = None, domain: str | None = None) -> None:
    """One part of the form (a question group; lived experience; the judgement: overall,
    safeguarding, actions and learning), rerun on its own when one of its widgets changes; then
    autosave."""
    state = FormState(st.session_state[CURRENT])
    today = widgets.today()
    problems = live_problems(state, questions, today)
    if part == "questions":
        _question_group(state, [q for q in questions if q.domain == domain], problems)
    elif part == "lived":
        lived_experience_section(state, questions, problems)
    elif part == "judgement":
        overall_section(state, questions, problems)
        safeguarding_section(state, problems)
        actions_section(state, case, questions, problems)
        learning_section(state)
    if user is not None and autosave(user, state, questions):
        # Said where the auditor is working (the page's own status line is redrawn on the next full run).
        st.caption(f"Draft saved automatically at {uk_time(state.data['autosaved_at'])} (UK time).")


def lived_experience_section(state: FormState, questions: list[QuestionRule], problems: dict[str, list[str]]) -> None:
    st.header("The child's lived experience", anchor=False)
    st.caption(
        "What is life like for this child, as evidenced in the record: their day, who they are with, what they "
        "say and show, and what it means for them. A Good or Outstanding on a lived-experience question needs "
        "a narrative of real substance (25 words or more, not a placeholder)."
    )
    st.text_area("What life is like for this child", key=state.bind("lived_experience", ""), height=140)
    form = state.collect(questions)
    count = len(words(form.lived_experience))
    grade = lived_experience_grade(form, questions)
    graded = f" · best lived-experience grade so far: {Grade(grade).label}" if grade is not None else ""
    st.caption(f"{count} words{graded}")
    show_messages(problems, "lived_experience")


def overall_section(state: FormState, questions: list[QuestionRule], problems: dict[str, list[str]]) -> None:
    st.header("Overall judgement", anchor=False)
    st.caption("Your judgement, not an average. An Inadequate on lived experience or risk usually limits it.")
    _grade_widget(state, "overall_grade", [int(g) for g in OVERALL_GRADES], "Overall grade")
    show_messages(problems, "overall_grade")
    st.text_area("Rationale for the overall grade", key=state.bind("overall_rationale", ""), height=90)
    show_messages(problems, "overall_rationale")
    st.text_area("What difference has the work made for the child?", key=state.bind("impact_for_child", ""),
                 height=90)
    show_messages(problems, "impact_for_child")
    form = state.collect(questions)
    if needs_limiting_override(form, questions) or state.get("limiting_override_reason"):
        limiting = limiting_inadequate(form, questions)
        if limiting:
            st.warning(
                "The overall grade is Good or better although "
                + ", ".join(f"question {q.position}" for q in limiting)
                + " (a limiting question) is Inadequate. Give the reason for overriding the limiting judgement, "
                "or lower the overall grade.", icon=":material/priority_high:")
        st.text_area("Reason for overriding the limiting judgement", key=state.bind("limiting_override_reason", ""),
                     height=80)
    show_messages(problems, "limiting_override_reason")


def learning_section(state: FormState) -> None:
    st.header("Learning points", anchor=False)
    st.text_area("Learning points / what good looks like", key=state.bind("learning_points", ""), height=80)
