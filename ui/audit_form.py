"""Streamlit pieces of audit entry: the form, its state, the save buttons and the
conflict view; the safeguarding-concerns banner; links to one audit.

Nothing typed is ever lost: every widget's value is copied, on every run, into a
plain ``st.session_state`` store per audit (``"new"`` or the audit id), and a
widget missing from the session (a hidden field, a page switch) starts again
from that store. A failed rule, a refused save or a save conflict leave the
store untouched. Grades are live widgets (not an ``st.form``) so that each RAG
badge changes as soon as a grade is chosen.
"""
from __future__ import annotations

import os
import time
from datetime import date, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.audit_rules import (
    EXTERNAL,
    INTERNAL,
    ActionInput,
    AnswerInput,
    AuditInput,
    QuestionRule,
    date_problems,
    differences,
    draft_problems,
    entry_kinds,
    lived_experience_grade,
    needs_limiting_override,
    needs_no_action_reason,
    problems_by_field,
    submission_problems,
    words,
)
from core.authz import Scope
from core.autosave import DEFAULT_SECONDS, autosave_due, changed_fields, uk_time
from core.grades import OVERALL_GRADES, Grade, rag_of
from core.workdays import default_due_date
from db.audits.choices import (
    CaseChoice,
    Choice,
    ThemeChoice,
    case_choice,
    create_case,
    find_cases,
    practitioner_choices,
    question_rules,
    team_choices,
    theme_choices,
)
from db.audits.detail import record_view
from db.audits.my_audits import MyAuditFilters, my_audits
from db.audits.safeguarding import acknowledge_concern, acknowledgement_refusal, unacknowledged_concerns
from db.audits.saving import EditableAudit, SaveResult, amend, load_for_edit, save_draft, submit
from db.models import utcnow
from db.engine import read_session, write_session
from db.users import SignedInUser
from ui import widgets
from ui.cache import cached_query
from db.engine import WriteRefused
from ui.errors import UNAVAILABLE_MESSAGE, is_unavailable, refusable
from ui.widgets import rag_badge
from ui.text import plain

WIDGET = "ae."  # prefix of every form widget key (one form is on screen at a time)
ACTION = "ae.action."  # prefix of the action rows' widget keys: ae.action.<row id>.<part>
STORE = "_audit_entry_store"  # {form id: form data}; a plain key, so it survives page switches
CURRENT = "_audit_entry_current"  # the form id the widgets currently show
VIEWED = "_audit_view_logged"  # audit ids whose viewing this session has logged
MEMO = "_audit_entry_memo"  # what the form reads from the database, kept for this session's reruns
SUBMITTED = "_audit_entry_submitted"  # the confirmation of the audit just submitted
FIELDS = (
    "case_id", "theme_id", "kind", "work_date", "audit_date", "lived_experience", "overall_grade",
    "overall_rationale", "impact_for_child", "limiting_override_reason", "safeguarding_concern",
    "safeguarding_action", "safeguarding_told", "no_action_reason", "learning_points",
)
GRADE_WORDS = {
    Grade.OUTSTANDING: "Outstanding", Grade.GOOD: "Good", Grade.REQUIRES_IMPROVEMENT: "Requires improvement",
    Grade.INADEQUATE: "Inadequate", Grade.NOT_APPLICABLE: "N/A",
}


# ------------------------------------------------------------------ cached reads
# Up to this many cases the select box holds them all and filters as one types; beyond it
# (a large council) one types part of the reference first and the database finds matches.
CASE_LIST_LIMIT = 5000
CASE_SEARCH_LIMIT = 200


@cached_query
def case_options(scope: Scope, kind: str, query: str = "", limit: int = CASE_LIST_LIMIT) -> list[CaseChoice]:
    with read_session() as session:
        return find_cases(session, scope, kind, query, limit=limit)


@cached_query
def theme_options() -> list[ThemeChoice]:
    with read_session() as session:
        return theme_choices(session)


@cached_query
def questions_of(template_version_id: int) -> list[QuestionRule]:
    with read_session() as session:
        return question_rules(session, template_version_id)


@cached_query
def team_options(scope: Scope, kind: str) -> list[Choice]:
    with read_session() as session:
        return team_choices(session, scope, kind)


@cached_query
def practitioner_options(team_id: int) -> list[Choice]:
    with read_session() as session:
        return practitioner_choices(session, team_id)


def one_case(case_id: int) -> CaseChoice | None:
    with read_session() as session:
        return case_choice(session, case_id)


def memo(name: str, *args, load):
    """``load()``'s result, read once per session and form: a rerun that changed nothing
    queries nothing. Forgotten when another form is opened, a new one started or a case added,
    so a list is never older than the form on screen."""
    store = st.session_state.setdefault(MEMO, {})
    key = (name, *args)
    if key not in store:
        store[key] = load()
    return store[key]


def forget_memo() -> None:
    st.session_state.pop(MEMO, None)


def memo_questions(template_version_id: int) -> list[QuestionRule]:
    # A template version never changes once published: its questions are kept for the session.
    return memo("questions", template_version_id, load=lambda: questions_of(template_version_id))


def memo_practitioners(team_id: int) -> list[Choice]:
    return memo("practitioners", team_id, load=lambda: practitioner_options(team_id))


# ------------------------------------------------------------------ links
def audit_link(audit_id: int, label: str, *, page: str = "pages/audit_view.py", icon: str | None = None,
               container=None) -> None:
    """A link to one audit. Run outside the router (a page on its own, as in AppTest) a
    page link cannot resolve, so the same link is drawn as a plain markdown link."""
    where = container or st
    try:
        where.page_link(page, label=label, icon=icon, query_params={"audit": str(audit_id)})
    except StreamlitAPIException:
        url_path = page.removeprefix("pages/").removesuffix(".py")
        where.markdown(f"[{label}]({url_path}?audit={audit_id})")


def requested_audit_id() -> int | None:
    raw = st.query_params.get("audit")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


# ------------------------------------------------------------------ safeguarding concerns
@refusable
def _acknowledge(scope: Scope, audit_id: int) -> None:
    with write_session() as session:
        problem = acknowledge_concern(session, scope, audit_id)
    st.session_state["_concern_message"] = problem or "Concern acknowledged. It is recorded in the audit's trail."


def flash_acknowledgement() -> None:
    """The outcome of the last Acknowledge click, once."""
    message = st.session_state.pop("_concern_message", None)
    if message:
        (st.success if message.startswith("Concern acknowledged") else st.warning)(plain(message))


@st.fragment
def concerns_banner(user: SignedInUser) -> None:
    """Unacknowledged safeguarding concerns, at the top of the page, each with its own Acknowledge button.

    Only those who can act see a concern in full: the team's manager or an auditor who may
    acknowledge it, and its author (awaiting someone else). Anyone else (business support) is
    told that concerns are with the managers and auditors, without the case or its text.
    A fragment: acknowledging reruns the banner, not the page under it."""
    with read_session() as session:
        concerns = unacknowledged_concerns(session, user.scope)
    flash_acknowledgement()
    shown = [c for c in concerns if c.raised_by_id == user.id
             or acknowledgement_refusal(user.scope, c.team_id, c.raised_by_id) is None]
    others = len(concerns) - len(shown)
    if others and not shown:
        st.info(f"{others} safeguarding concern{'s are' if others != 1 else ' is'} awaiting acknowledgement by the "
                "team's manager or an auditor, who see it at the top of their pages. Nothing is needed from you.",
                icon=":material/shield:")
    if not shown:
        return
    st.error(f"**{len(shown)} safeguarding concern(s) not yet acknowledged**", icon=":material/warning:")
    for concern in shown:
        with st.container(border=True, key=f"concern-{concern.audit_id}"):
            text, link, button = st.columns([6, 2, 2], vertical_alignment="center")
            text.markdown(
                f"**{plain(concern.case_reference)}** · {plain(concern.team)} · audit of "
                f"{concern.audit_date:%d/%m/%Y} by {plain(concern.raised_by)}" if concern.audit_date else
                f"**{plain(concern.case_reference)}** · {plain(concern.team)} · raised by "
                f"{plain(concern.raised_by)}"
            )
            text.text(f"What was done: {concern.action_taken}\nWho was told: {concern.who_was_told}")
            audit_link(concern.audit_id, "Open the audit", icon=":material/description:", container=link)
            acknowledge_control(user, concern.audit_id, concern.team_id, concern.raised_by_id, button)


def acknowledge_control(user: SignedInUser, audit_id: int, team_id: int, raised_by_id: int, where=None) -> None:
    """The Acknowledge button of one concern, for those who may press it."""
    where = where or st
    if acknowledgement_refusal(user.scope, team_id, raised_by_id) is None:
        where.button("Acknowledge", key=f"acknowledge-{audit_id}", type="primary", icon=":material/done:",
                     on_click=_acknowledge, args=(user.scope, audit_id))
    elif raised_by_id == user.id:
        where.caption("You raised this: awaiting the team's manager or another auditor.")


# ------------------------------------------------------------------ the form's state
def _blank(kind: str) -> dict:
    values = {"kind": kind, "audit_date": widgets.today(), "safeguarding_concern": False}
    return {
        "meta": {"audit_id": None, "version": None, "status": "new", "theme_id": None, "template_version_id": None},
        "values": values,
        "actions": [],
        "next_row": 1,
        "saved": _fingerprint(values, []),
        "show_problems": False,
        "result": None,
        "conflict": None,
        "baseline": _autosave_view({"values": values, "actions": []}),  # as last saved, for autosave
        "pending_since": None,  # monotonic time of the first change not yet saved
        "autosaved_at": None,  # when autosave last wrote (UTC)
        "autosave_problem": None,  # why autosave could not write (shown; the user can still Save draft)
        "restored_at": None,  # when the draft opened from the database was last saved
    }


def _autosave_view(data: dict) -> dict:
    """The form's values as autosave compares them with the last save."""
    view = {k: v for k, v in data["values"].items() if not k.startswith("new_case.") and k != "case_search"}
    view["actions"] = tuple((r["action_id"], r["description"], r["owner_id"], repr(r["due_on"]))
                            for r in data["actions"]) or None
    return view


def _values_from(form: AuditInput, questions: list[QuestionRule]) -> tuple[dict, list[dict]]:
    values = {name: getattr(form, name) for name in FIELDS}
    for q in questions:
        answer = form.answers.get(q.id) or AnswerInput()
        values[f"q.{q.key}.grade"] = answer.grade
        values[f"q.{q.key}.rationale"] = answer.rationale
    rows = []
    for number, action in enumerate(form.actions, start=1):
        rows.append({
            "row": number, "action_id": action.action_id, "status": action.status, "description": action.description,
            "owner_id": action.owner_id, "due_on": action.due_on, "due_default": None,
        })
    return values, rows


def _data_from(loaded: EditableAudit) -> dict:
    data = _blank(loaded.kind)
    values, rows = _values_from(loaded.form, loaded.questions)
    data["meta"] = {"audit_id": loaded.audit_id, "version": loaded.version, "status": loaded.status,
                    "theme_id": loaded.form.theme_id, "template_version_id": loaded.template_version_id}
    data["values"] = values
    data["actions"] = rows
    data["next_row"] = len(rows) + 1
    data["saved"] = _fingerprint(values, rows)
    data["baseline"] = _autosave_view(data)
    data["restored_at"] = loaded.saved_at if loaded.status == "draft" else None
    return data


def _fingerprint(values: dict, rows: list[dict]) -> tuple:
    """What the user entered, for telling whether anything changed since the last save (an
    empty field and a field not yet drawn are the same)."""
    return (
        tuple(sorted((k, repr(v)) for k, v in values.items()
                     if not k.startswith("new_case.") and not (v is None or v == "" or v is False))),
        tuple((r["action_id"], r["description"], r["owner_id"], repr(r["due_on"])) for r in rows),
    )


def _dirty(data: dict) -> bool:
    return data["saved"] != _fingerprint(data["values"], data["actions"])


def _clear_widgets() -> None:
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(WIDGET)]:
        del st.session_state[key]


class FormState:
    """The form on screen: its stored values, its action rows and its save metadata."""

    def __init__(self, form_id: str):
        self.form_id = form_id
        self.data: dict = st.session_state[STORE][form_id]

    # -------------------------------------------------------------- plumbing
    @property
    def meta(self) -> dict:
        return self.data["meta"]

    @property
    def rows(self) -> list[dict]:
        return self.data["actions"]

    @property
    def is_new(self) -> bool:
        return self.meta["audit_id"] is None

    @property
    def submitted(self) -> bool:
        return self.meta["status"] == "submitted"

    def bind(self, name: str, default: Any = None, allowed: list | None = None) -> str:
        """The widget key of field ``name``, seeded from the store when the widget is new."""
        key = WIDGET + name
        if key not in st.session_state:
            value = self.data["values"].get(name, default)
            if allowed is not None and value not in allowed:
                value = default if default in allowed else None
            st.session_state[key] = value
        return key

    def bind_action(self, row: dict, part: str, allowed: list | None = None) -> str:
        key = f"{ACTION}{row['row']}.{part}"
        if key not in st.session_state:
            value = row.get(part)
            if allowed is not None and value not in allowed:
                value = None
            st.session_state[key] = value
        return key

    def get(self, name: str, default: Any = None) -> Any:
        key = WIDGET + name
        if key in st.session_state:
            return st.session_state[key]
        return self.data["values"].get(name, default)

    def set(self, name: str, value: Any) -> None:
        """Change a field before its widget is drawn (or in a callback)."""
        self.data["values"][name] = value
        st.session_state[WIDGET + name] = value

    def sync(self) -> None:
        """Copy every widget's current value into the store (called on every run and before every save)."""
        rows = {str(r["row"]): r for r in self.rows}
        for key in list(st.session_state):
            if not isinstance(key, str) or not key.startswith(WIDGET):
                continue
            if key.startswith(ACTION):
                number, _, part = key[len(ACTION):].partition(".")
                if number in rows and part in ("description", "owner_id", "due_on"):
                    rows[number][part] = st.session_state[key]
            else:
                self.data["values"][key[len(WIDGET):]] = st.session_state[key]

    def dirty(self) -> bool:
        """Changed since it was loaded or last saved."""
        self.sync()
        return _dirty(self.data)

    def collect(self, questions: list[QuestionRule]) -> AuditInput:
        """The form as the rules and the database see it."""
        self.sync()
        values = self.data["values"]
        answers = {}
        for q in questions:
            grade = values.get(f"q.{q.key}.grade")
            rationale = values.get(f"q.{q.key}.rationale") or ""
            if grade is not None or rationale.strip():
                answers[q.id] = AnswerInput(grade, rationale)
        text = {name: values.get(name) or "" for name in (
            "lived_experience", "overall_rationale", "impact_for_child", "limiting_override_reason",
            "safeguarding_action", "safeguarding_told", "no_action_reason", "learning_points")}
        return AuditInput(
            case_id=values.get("case_id"), theme_id=values.get("theme_id"), kind=values.get("kind") or EXTERNAL,
            work_date=values.get("work_date"), audit_date=values.get("audit_date"), answers=answers,
            overall_grade=values.get("overall_grade"), safeguarding_concern=bool(values.get("safeguarding_concern")),
            actions=[
                ActionInput(r["description"] or "", r["owner_id"], r["due_on"], r["action_id"], r["status"])
                for r in self.rows
            ],
            **text,
        )

    def replace_with(self, data: dict) -> None:
        """Show ``data`` (e.g. the reloaded audit) in place of the current input."""
        st.session_state[STORE][self.form_id] = data
        self.data = data
        _clear_widgets()


def open_form(user: SignedInUser) -> FormState | None:
    """The form the URL asks for (``?audit=<id>``) or a new one; None (with a message) when
    that audit cannot be changed by this user."""
    store = st.session_state.setdefault(STORE, {})
    audit_id = requested_audit_id()
    current = st.session_state.get(CURRENT)
    if audit_id is None and current not in (None, "new") and current in store and (
            store[current]["meta"]["status"] == "draft" or _dirty(store[current])):
        # Back from another page (the menu link has no ?audit=): the draft being worked on, not an empty form.
        st.query_params["audit"] = current
        audit_id = int(current)
    form_id = str(audit_id) if audit_id is not None else "new"
    switching = st.session_state.get(CURRENT) != form_id
    if audit_id is not None and (form_id not in store or (switching and not _dirty(store[form_id]))):
        with read_session() as session:
            loaded = load_for_edit(session, user.scope, audit_id)
        if loaded is None:
            st.error("This audit does not exist, or you cannot see it.")
            return None
        if not loaded.editable:
            st.info(loaded.refusal)
            audit_link(audit_id, "Open the audit read-only", icon=":material/description:")
            return None
        store[form_id] = _data_from(loaded)
    if form_id not in store:
        store[form_id] = _blank(entry_kinds(user.roles)[0])
    if switching:
        _clear_widgets()
        forget_memo()
        st.session_state[CURRENT] = form_id
    return FormState(form_id)


def start_new_audit() -> None:
    """Callback: leave the current form (it stays stored) and start an empty one."""
    st.session_state[STORE].pop("new", None)
    st.query_params.clear()
    st.session_state.pop(CURRENT, None)
    st.session_state.pop(SUBMITTED, None)
    _clear_widgets()
    forget_memo()


# ------------------------------------------------------------------ field messages
def show_messages(problems: dict[str, list[str]], name: str, where=None) -> None:
    for message in problems.get(name, []):
        (where or st).error(message, icon=":material/error:")


def live_problems(state: FormState, questions: list[QuestionRule], today: date) -> dict[str, list[str]]:
    """After a first submit attempt every rule is shown (and disappears once met); before it,
    only values that are wrong rather than missing (dates)."""
    form = state.collect(questions)
    if state.data.get("show_problems"):
        return problems_by_field(submission_problems(form, questions, today))
    return problems_by_field(date_problems(form, today))


# ------------------------------------------------------------------ sections
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
    reference = st.session_state.get(WIDGET + "new_case.reference") or ""
    team_id = st.session_state.get(WIDGET + "new_case.team_id")
    practitioner_id = st.session_state.get(WIDGET + "new_case.practitioner_id")
    try:
        with write_session() as session:
            case = create_case(session, scope, reference=reference, team_id=team_id,
                                        practitioner_id=practitioner_id, kind=kind)
    except ValueError as error:
        st.session_state["_new_case_error"] = str(error)
        return
    st.session_state.pop("_new_case_error", None)
    forget_memo()  # the case list now has the new case
    st.session_state[WIDGET + "case_id"] = case.id
    st.session_state[WIDGET + "new_case.reference"] = ""
    st.session_state["_new_case_added"] = f"Case {plain(case.reference)} added to {plain(case.team)}."


def _new_case(user: SignedInUser, state: FormState, kind: str) -> None:
    added = st.session_state.pop("_new_case_added", None)
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
        error = st.session_state.get("_new_case_error")
        if error:
            st.error(plain(error), icon=":material/error:")
        st.button("Add case", key="ae_btn_add_case", on_click=_create_case, args=(user.scope, kind))


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


QUESTION_GRADES = [int(g) for g in (Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE)]


def grade_buttons(label: str, key: str, options: list[int] | None = None, where=None,
                  disabled: bool = False) -> int | None:
    """One-click grade buttons with the RAG badge right beside them, changing with the choice:
    colour and words, never colour alone. The one grade widget of audit entry and moderation.
    ``key`` is the session-state key holding the grade (an int of ``core.grades.Grade`` or None)."""
    options = options if options is not None else QUESTION_GRADES
    with (where or st).container(horizontal=True, vertical_alignment="bottom"):
        st.segmented_control(label, options, key=key, format_func=lambda g: GRADE_WORDS[Grade(g)], disabled=disabled)
        grade = st.session_state.get(key)
        st.markdown(rag_badge(grade), width="content")
    return grade


def _grade_widget(state: FormState, name: str, options: list[int], label: str, where=None) -> int | None:
    return grade_buttons(label, state.bind(name, None, options), options, where)


def questions_section(state: FormState, questions: list[QuestionRule], problems: dict[str, list[str]],
                      user: SignedInUser | None = None) -> None:
    """The questions, one fragment per domain: a grade or a rationale reruns its own group only."""
    domains: dict[str, list[QuestionRule]] = {}
    for q in sorted(questions, key=lambda q: q.position):
        domains.setdefault(q.domain, []).append(q)
    for domain in domains:
        st.subheader(plain(domain))
        form_part(user, "questions", questions, domain=domain)


def _question_group(state: FormState, group: list[QuestionRule], problems: dict[str, list[str]]) -> None:
    for q in group:
        with st.container(border=True, key=f"question-{q.key}"):
            st.markdown(f"**{q.position}. {plain(q.text)}**")
            note = " · a limiting question: Inadequate here usually limits the overall grade" if q.limiting else ""
            st.caption(f"Good looks like: {plain(q.guidance)}{note}")
            options = QUESTION_GRADES + ([int(Grade.NOT_APPLICABLE)] if q.allow_na else [])
            _grade_widget(state, f"q.{q.key}.grade", options, f"Grade for question {q.position}")
            show_messages(problems, f"q{q.id}.grade")
            st.text_area(f"Rationale for question {q.position}", key=state.bind(f"q.{q.key}.rationale", ""),
                         height=80, placeholder="What in the record shows this grade?")
            show_messages(problems, f"q{q.id}.rationale")


# ------------------------------------------------------------------ the parts of the form, as fragments
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
    st.header("The child's lived experience")
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
    st.header("Overall judgement")
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
        limiting = [q for q in questions if q.limiting and form.answer(q.id).grade == Grade.INADEQUATE]
        if limiting:
            st.warning(
                "The overall grade is Good or better although "
                + ", ".join(f"question {q.position}" for q in limiting)
                + " (a limiting question) is Inadequate. Give the reason for overriding the limiting judgement, "
                "or lower the overall grade.", icon=":material/priority_high:")
        st.text_area("Reason for overriding the limiting judgement", key=state.bind("limiting_override_reason", ""),
                     height=80)
    show_messages(problems, "limiting_override_reason")


def safeguarding_section(state: FormState, problems: dict[str, list[str]]) -> None:
    st.header("Immediate safeguarding concern")
    st.radio("Is there an immediate safeguarding concern?", [False, True], horizontal=True,
             key=state.bind("safeguarding_concern", False, [False, True]), format_func=lambda v: "Yes" if v else "No")
    if state.get("safeguarding_concern"):
        st.warning("The team's manager and the auditors will see this concern at the top of their pages until "
                   "someone acknowledges it.", icon=":material/campaign:")
        st.text_area("What was done", key=state.bind("safeguarding_action", ""), height=80)
        show_messages(problems, "safeguarding_action")
        st.text_input("Who was told", key=state.bind("safeguarding_told", ""), placeholder="Name and role")
        show_messages(problems, "safeguarding_told")


def _add_action(case_practitioner_id: int | None) -> None:
    state = FormState(st.session_state[CURRENT])
    state.sync()
    audit_date = state.get("audit_date") or widgets.today()
    due = default_due_date(audit_date)
    number = state.data["next_row"]
    state.data["next_row"] = number + 1
    state.rows.append({"row": number, "action_id": None, "status": "open", "description": "",
                       "owner_id": case_practitioner_id, "due_on": due, "due_default": due})


def _remove_action(number: int) -> None:
    state = FormState(st.session_state[CURRENT])
    state.sync()
    state.data["actions"] = [r for r in state.rows if r["row"] != number]
    for part in ("description", "owner_id", "due_on"):
        st.session_state.pop(f"{ACTION}{number}.{part}", None)


def actions_section(state: FormState, case: CaseChoice, questions: list[QuestionRule],
                    problems: dict[str, list[str]]) -> None:
    st.header("Remedial actions")
    st.caption("Specific fixes on this case. The owner defaults to the allocated practitioner; the due date to 5 "
               "working days after the audit date (weekends and England and Wales bank holidays skipped).")
    owners = {p.id: p.name for p in memo_practitioners(case.team_id)}
    audit_date = state.get("audit_date") or widgets.today()
    default_due = default_due_date(audit_date)
    for index, row in enumerate(state.rows):
        if row["status"] != "open":
            st.markdown(f"**Action {index + 1}** · {row['status']} · due {row['due_on']:%d/%m/%Y} · "
                        f"owner: {plain(owners.get(row['owner_id'], 'not in this team'))}")
            st.text(row["description"])
            continue
        # A due date still at its default follows the audit date when that changes.
        due_key = f"{ACTION}{row['row']}.due_on"
        if row.get("due_default") and st.session_state.get(due_key, row["due_on"]) == row["due_default"] \
                and row["due_default"] != default_due:
            row["due_on"] = row["due_default"] = default_due
            st.session_state[due_key] = default_due
        with st.container(border=True, key=f"action-{row['row']}"):
            text, owner, due, remove = st.columns([7, 3, 2, 1.6], vertical_alignment="bottom")
            text.text_input(f"Action {index + 1}", key=state.bind_action(row, "description"),
                            placeholder="e.g. See the child alone and record their words")
            choices = list(owners) + ([row["owner_id"]] if row["owner_id"] and row["owner_id"] not in owners else [])
            owner.selectbox("Owner", choices, key=state.bind_action(row, "owner_id", choices), index=None,
                            format_func=lambda p: owners.get(p, "a practitioner of another team"),
                            placeholder="Choose the owner")
            due.date_input("Due", key=state.bind_action(row, "due_on"), format="DD/MM/YYYY")
            remove.button("Remove", key=f"ae_btn_remove_{row['row']}", icon=":material/delete:",
                          on_click=_remove_action, args=(row["row"],), width="stretch")
            for part in ("description", "owner", "due_on"):
                show_messages(problems, f"action{index}.{part}")
    st.button("Add an action", key="ae_btn_add_action", icon=":material/add:", on_click=_add_action,
              args=(case.practitioner_id,))
    form = state.collect(questions)
    if needs_no_action_reason(form) or state.get("no_action_reason"):
        st.text_area("Reason for raising no remedial action", key=state.bind("no_action_reason", ""), height=68,
                     help="A Red (Inadequate) audit with no remedial action needs the reason.")
    show_messages(problems, "no_action_reason")


def learning_section(state: FormState) -> None:
    st.header("Learning points")
    st.text_area("Learning points / what good looks like", key=state.bind("learning_points", ""), height=80)


# ------------------------------------------------------------------ saving
def field_label(name: str, questions: list[QuestionRule]) -> str:
    by_id = {q.id: q for q in questions}
    if name.startswith("q") and "." in name and name[1:].split(".")[0].isdigit():
        number, part = name[1:].split(".")
        q = by_id.get(int(number))
        return f"Question {q.position if q else number}: {'grade' if part == 'grade' else 'rationale'}"
    if name.startswith("action"):
        number, part = name[len("action"):].split(".")
        return f"Action {int(number) + 1}: {dict(owner='owner', due_on='due date').get(part, 'description')}"
    return {
        "case": "Case", "theme": "Theme", "work_date": "Date of the work", "audit_date": "Audit date",
        "lived_experience": "Lived experience", "overall_grade": "Overall grade",
        "overall_rationale": "Overall rationale", "impact_for_child": "Difference made for the child",
        "limiting_override_reason": "Override reason", "safeguarding_action": "What was done",
        "safeguarding_told": "Who was told", "no_action_reason": "Reason for no action",
    }.get(name, name)


def save_form(scope: Scope, action: str, questions: list[QuestionRule], *,
              autosave: bool = False) -> SaveResult:
    """The one way the form writes: Save draft, Submit, Save amendment and autosave all come
    here, so every check made before a write applies to each of them alike.

    A manual save reloads the saved audit into the form; an autosave changes nothing on
    screen (the auditor is typing) and only records what was saved."""
    state = FormState(st.session_state[CURRENT])
    form = state.collect(questions)
    meta = state.meta
    common = dict(scope=scope, today=widgets.today())
    write = {"draft": save_draft, "submit": submit}.get(action, amend)
    try:
        with write_session() as session:  # one user action, one transaction
            result = write(session, form, audit_id=meta["audit_id"], expected_version=meta["version"], **common)
    except WriteRefused as error:
        # Signed out, deactivated or without the role since the form was drawn: not saved, and
        # everything typed stays in the form for when the user is back (ui.guard.check_write).
        state.data["result"] = SaveResult("refused", message=str(error))
        return
    except Exception as error:
        if not is_unavailable(error):
            raise
        # The database is down or read-only: nothing was saved, everything typed stays in the form.
        result = SaveResult("refused", message=UNAVAILABLE_MESSAGE)
    if autosave:
        _after_autosave(scope, state, result)
        return result
    state.data["result"] = result
    if result.outcome == "invalid":
        state.data["show_problems"] = True
    elif result.outcome == "conflict":
        state.data["conflict"] = {"result": result, "action": action}
    elif result.ok:
        with read_session() as session:
            loaded = load_for_edit(session, scope, result.audit_id)
        form_id = str(result.audit_id)
        fresh = _data_from(loaded) if loaded is not None and loaded.editable else _blank(form.kind)
        fresh["result"] = result
        fresh["restored_at"] = None
        st.session_state[STORE].pop(state.form_id, None)
        st.session_state[STORE][form_id] = fresh
        st.session_state[CURRENT] = form_id
        _clear_widgets()
        forget_memo()
        st.query_params["audit"] = form_id
        if action == "submit" and loaded is not None:
            st.session_state[SUBMITTED] = _confirmation(loaded)
    return result


def _save(scope: Scope, action: str, questions: list[QuestionRule]) -> None:
    """Callback of the save buttons (the outcome is kept for the next run to show)."""
    save_form(scope, action, questions)


def _after_autosave(scope: Scope, state: FormState, result: SaveResult) -> None:
    data = state.data
    if result.outcome == "conflict":
        # Someone else saved this draft: stop autosaving and show both versions, as Save draft does.
        data["conflict"] = {"result": result, "action": "draft"}
        return
    if not result.ok:
        data["autosave_problem"] = result.message or "Not saved automatically: save a draft to keep your work."
        return
    meta = state.meta
    meta.update(audit_id=result.audit_id, version=result.version, status=result.status)
    if any(r["action_id"] is None and (r["description"] or "").strip() for r in state.rows):
        # The action rows just created now have ids: give them to their rows, or the next save adds them again.
        with read_session() as session:
            loaded = load_for_edit(session, scope, result.audit_id)
        known = {r["action_id"] for r in state.rows}
        fresh = iter(a.action_id for a in (loaded.form.actions if loaded else []) if a.action_id not in known)
        for row in state.rows:
            if row["action_id"] is None and (row["description"] or "").strip():
                row["action_id"] = next(fresh, None)
    data["saved"] = _fingerprint(data["values"], data["actions"])
    data["baseline"] = _autosave_view(data)
    data["pending_since"] = None
    data["autosave_problem"] = None
    data["autosaved_at"] = utcnow()
    if state.form_id != str(result.audit_id):
        # A new audit became a draft: the form is now that draft (the URL too, so a reload reopens it).
        store = st.session_state[STORE]
        store.pop(state.form_id, None)
        state.form_id = str(result.audit_id)
        store[state.form_id] = data
        st.session_state[CURRENT] = state.form_id
        st.query_params["audit"] = state.form_id


def autosave_seconds() -> float:
    """``AUDIT_AUTOSAVE_SECONDS``: the longest a change waits before autosave writes it."""
    try:
        return float(os.environ.get("AUDIT_AUTOSAVE_SECONDS", "") or DEFAULT_SECONDS)
    except ValueError:
        return DEFAULT_SECONDS


def autosave(user: SignedInUser, state: FormState, questions: list[QuestionRule] | None) -> bool:
    """Write the draft if the auditor has moved on to another section or changes have waited
    long enough (``core.autosave``). Called after each part of the form is drawn. True when it wrote."""
    if not questions or state.submitted or state.data.get("conflict"):
        return False
    state.sync()
    changed = changed_fields(state.data["baseline"], _autosave_view(state.data))
    if not changed:
        state.data["pending_since"] = None
        return False
    now = time.monotonic()
    if state.data.get("pending_since") is None:
        state.data["pending_since"] = now
    if draft_problems(state.collect(questions)):
        return False  # a draft needs its case and theme first
    domains = {q.key: q.domain for q in questions}
    if not autosave_due(changed, domains, now - state.data["pending_since"], autosave_seconds()):
        return False
    result = save_form(user.scope, "draft", questions, autosave=True)
    if result.outcome == "conflict":
        # Not st.rerun() (it would drop the clicks queued behind it): said here, compared at the bottom.
        st.warning("Not saved automatically: someone else saved this draft after you opened it. Nothing you "
                   "typed is lost: press Save draft to compare the two versions.", icon=":material/sync_problem:")
    return result.ok


def _keep_mine(scope: Scope, questions: list[QuestionRule]) -> None:
    state = FormState(st.session_state[CURRENT])
    conflict = state.data.pop("conflict")
    theirs = conflict["result"]
    state.meta["version"] = theirs.their_version
    state.meta["status"] = theirs.their_status
    action = "amend" if theirs.their_status == "submitted" else conflict["action"]
    _save(scope, action, questions)
    result = state.data.get("result")
    if result is not None and result.outcome == "refused":
        state.data["conflict"] = conflict  # not saved: the choice stays on offer, with both versions


def _take_theirs(questions: list[QuestionRule]) -> None:
    state = FormState(st.session_state[CURRENT])
    theirs = state.data.pop("conflict")["result"]
    values, rows = _values_from(theirs.theirs, questions)
    data = dict(state.data)
    data.update(values=values, actions=rows, next_row=len(rows) + 1, saved=_fingerprint(values, rows),
                show_problems=False, result=None, conflict=None)
    data["meta"] = dict(state.meta, version=theirs.their_version, status=theirs.their_status)
    state.replace_with(data)


def conflict_view(user: SignedInUser, state: FormState, case: CaseChoice,
                  questions: list[QuestionRule]) -> None:
    conflict = state.data.get("conflict")
    if not conflict:
        return
    result: SaveResult = conflict["result"]
    when = ""
    if result.saved_at:
        saved_at = result.saved_at if result.saved_at.tzinfo else result.saved_at.replace(tzinfo=timezone.utc)
        when = f" at {saved_at.astimezone(ZoneInfo('Europe/London')):%H:%M on %d %b}"  # the council's clock
    st.warning(f"**Not saved: this audit was saved by {plain(result.saved_by or 'someone else')}{when}, after you opened "
               f"it.** Nothing you typed is lost. Compare the two versions below, then keep yours (you can first "
               f"edit the form to merge in anything from theirs) or take theirs.", icon=":material/sync_problem:")
    owners = {p.id: p.name for p in memo_practitioners(case.team_id)}
    rows = differences(state.collect(questions), result.theirs, questions, owners)
    if rows:
        st.dataframe(pd.DataFrame([{"Field": d.label, "Saved version": d.theirs, "Yours (not saved)": d.mine}
                                   for d in rows]), hide_index=True, width="stretch")
    else:
        st.caption("The saved version and yours say the same.")
    keep, take = st.columns(2)
    keep.button("Keep mine: save it over the saved version", key="ae_btn_keep_mine", type="primary",
                on_click=_keep_mine, args=(user.scope, questions))
    take.button("Take the saved version (discard mine)", key="ae_btn_take_theirs", on_click=_take_theirs,
                args=(questions,))


def save_buttons(user: SignedInUser, state: FormState, case: CaseChoice, questions: list[QuestionRule],
                 problems: dict[str, list[str]]) -> None:
    st.divider()
    conflict_view(user, state, case, questions)
    result: SaveResult | None = state.data.get("result")
    if state.data.get("show_problems"):
        if problems:
            count = sum(len(v) for v in problems.values())
            st.error(f"**{count} thing{'s' if count != 1 else ''} to put right before this audit can be submitted** "
                     "(each is marked next to its field; nothing you typed is lost):", icon=":material/rule:")
            st.markdown("\n".join(f"- {field_label(name, questions)}: {message}"
                                  for name, messages in problems.items() for message in messages))
        else:
            st.info("Every rule is met: the audit is ready to submit.", icon=":material/check_circle:")
    elif result is not None and result.outcome == "refused":
        st.error(result.message)
    elif result is not None and result.ok:
        st.success(result.message + (" It now appears in My audits and the programme's figures."
                                     if result.status == "submitted" else " Resume it any time from My audits."),
                   icon=":material/check:")
        audit_link(result.audit_id, "View the audit", icon=":material/description:")
    if state.submitted:
        st.caption("A submitted audit can be amended by its author until it is moderated: change anything "
                   "above and save the amendment. Every change is in the audit's trail.")
        st.button("Save amendment", key="ae_btn_amend", type="primary", on_click=_save,
                  args=(user.scope, "amend", questions))
    else:
        draft, send = st.columns(2)
        draft.button("Save draft", key="ae_btn_draft", icon=":material/save:", on_click=_save,
                     args=(user.scope, "draft", questions), width="stretch")
        send.button("Submit audit", key="ae_btn_submit", type="primary", icon=":material/send:", on_click=_save,
                    args=(user.scope, "submit", questions), width="stretch")
    autosave_status(state)
    if state.dirty():
        st.caption("Unsaved changes: the draft is saved automatically as you move from one part of the form to "
                   f"the next, or {autosave_seconds():.0f} seconds after a change; Save draft saves it now.")
    st.button("Start another audit", key="ae_btn_new", on_click=start_new_audit)


# ------------------------------------------------------------------ after Submit; restored drafts
def _confirmation(loaded: EditableAudit) -> dict:
    """What the confirmation of a submitted audit shows (kept in the session for the next runs)."""
    owners = {p.id: p.name for p in practitioner_options(loaded.case.team_id)}
    return {
        "audit_id": loaded.audit_id, "case": loaded.case.reference, "team": loaded.case.team, "theme": loaded.theme,
        "theme_id": loaded.form.theme_id, "kind": loaded.kind, "overall_grade": loaded.form.overall_grade,
        "concern": loaded.form.safeguarding_concern,
        "actions": [(a.description, owners.get(a.owner_id, "a practitioner of another team"), a.due_on)
                    for a in loaded.form.actions],
    }


def rag_words(grade: int | None) -> str:
    """A grade and its RAG in words: 'Red (Inadequate)'; the badge beside it adds the colour."""
    if grade is None:
        return "not graded"
    rag = rag_of(Grade(grade))
    return f"{rag.label} ({Grade(grade).label})" if rag else Grade(grade).label


def _another_of_the_same_list(kind: str, theme_id: int) -> None:
    """Callback: a new audit of the same kind and theme (the same case list), the rest empty."""
    start_new_audit()
    data = _blank(kind)
    data["values"]["theme_id"] = theme_id
    data["baseline"] = _autosave_view(data)
    st.session_state[STORE]["new"] = data


def _amend_submitted() -> None:
    st.session_state.pop(SUBMITTED, None)


def submitted_confirmation() -> bool:
    """The confirmation of the audit just submitted, with what happens next. True when shown
    (the page then shows nothing else); it stays until the auditor chooses a next step."""
    done = st.session_state.get(SUBMITTED)
    if not done or requested_audit_id() != done["audit_id"]:
        st.session_state.pop(SUBMITTED, None)
        return False
    with st.container(border=True, key="audit-submitted"):
        st.success(f"**Audit submitted:** case {plain(done['case'])} · {plain(done['team'])} · {plain(done['theme'])}. "
                   "It now appears in My audits and the programme's figures.", icon=":material/check_circle:")
        st.markdown(f"**Overall RAG: {rag_words(done['overall_grade'])}** {rag_badge(done['overall_grade'])}")
        if done["concern"]:
            st.warning("The safeguarding concern is now at the top of the team's manager's and the auditors' pages "
                       "until someone acknowledges it.", icon=":material/campaign:")
        if done["actions"]:
            st.markdown(f"**Remedial actions ({len(done['actions'])})**, now in the action tracker:")
            st.dataframe(pd.DataFrame([{"Action": text, "Owner": owner, "Due": f"{due:%d/%m/%Y}" if due else ""}
                                       for text, owner, due in done["actions"]]),
                         hide_index=True, width="stretch")
        else:
            st.markdown("**Remedial actions:** none raised.")
        st.markdown("**Next**")
        another, mine, view, amend = st.columns(4)
        another.button(f"Audit another {plain(done['theme'])} case", key="ae_btn_another", type="primary",
                       icon=":material/add:", on_click=_another_of_the_same_list,
                       args=(done["kind"], done["theme_id"]), width="stretch")
        try:
            mine.page_link("pages/my_audits.py", label="My audits", icon=":material/list:")
        except StreamlitAPIException:
            mine.markdown("[My audits](my_audits)")
        audit_link(done["audit_id"], "View the audit", icon=":material/description:", container=view)
        amend.button("Amend it", key="ae_btn_amend_submitted", icon=":material/edit_note:", on_click=_amend_submitted,
                     width="stretch")
    return True


def restored_note(state: FormState) -> None:
    """A draft opened from the database says when it was saved: the work since then was not."""
    restored_at = state.data.get("restored_at")
    if restored_at is not None and state.data.get("autosaved_at") is None:
        st.info(f"Draft restored from {uk_time(restored_at)} (UK time), when it was last saved.",
                icon=":material/restore:")


def unfinished_drafts(user: SignedInUser, state: FormState) -> None:
    """On an empty new form, the user's drafts (saved or autosaved) to resume."""
    if not state.is_new or state.dirty():
        return
    with read_session() as session:
        drafts = my_audits(session, user.scope, MyAuditFilters(status="draft"), limit=5)
    if not drafts:
        return
    with st.container(border=True, key="unfinished-drafts"):
        st.markdown(f"**Your unfinished draft{'s' if len(drafts) != 1 else ''}**: resume one, or start a new audit "
                    "below.")
        for draft in drafts:
            audit_link(draft.audit_id, f"{draft.case_reference} · {draft.theme} · saved {uk_time(draft.updated_at)}",
                       page="pages/audit_entry.py", icon=":material/restore:")


def autosave_status(state: FormState) -> None:
    problem = state.data.get("autosave_problem")
    if problem:
        st.warning(f"Not saved automatically: {problem} Save a draft to keep your work.", icon=":material/cloud_off:")
    elif state.data.get("autosaved_at") is not None:
        st.caption(f"Draft saved automatically at {uk_time(state.data['autosaved_at'])} (UK time).")


def clear_result(state: FormState) -> None:
    """A saved/refused message belongs to the run after the click only."""
    result = state.data.get("result")
    if result is not None and result.outcome != "invalid":
        state.data["result"] = None


# ------------------------------------------------------------------ the read-only view
def show_text(label: str, text: str | None) -> None:
    """Free text from users: a bold label (ours) and the text shown as text, never markdown."""
    st.markdown(f"**{label}**")
    st.text(text.strip() if text and text.strip() else "-")


def log_view_once(scope: Scope, audit_id: int) -> None:
    """Views of audit data are attributable; once per session and audit keeps the log readable."""
    seen: set = st.session_state.setdefault(VIEWED, set())
    if audit_id not in seen:
        with write_session() as session:
            record_view(session, scope, audit_id)
        seen.add(audit_id)


__all__ = [
    "FormState", "actions_section", "audit_link", "case_section",
    "clear_result", "concerns_banner", "learning_section", "lived_experience_section", "live_problems",
    "open_form", "overall_section", "questions_section", "requested_audit_id", "safeguarding_section",
    "save_buttons", "show_text", "start_new_audit", "theme_and_dates",
]
