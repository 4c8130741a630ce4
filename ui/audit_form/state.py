"""The audit form's state: a plain ``st.session_state`` store per form (``"new"`` or the audit
id) that every widget's value is copied into on every run, ``FormState`` over it, opening a
form from the URL, starting a new one, and the messages shown next to fields."""
from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from core.audit_rules import (
    EXTERNAL,
    ActionInput,
    AnswerInput,
    AuditInput,
    QuestionRule,
    date_problems,
    entry_kinds,
    problems_by_field,
    submission_problems,
)
from db.audits.saving import EditableAudit, load_for_edit
from db.engine import read_session
from db.users import SignedInUser
from ui import widgets
from ui.audit_form.reads import forget_memo
from ui.audit_form.view import audit_link, requested_audit_id

WIDGET = "audit_entry_form_"  # prefix of every form field's widget key (one form is on screen at a time)
ACTION = WIDGET + "action_"  # prefix of the action rows' widget keys: audit_entry_form_action_<part>_<row id>
STORE = "audit_entry_store"  # {form id: form data}; a plain key, so it survives page switches
CURRENT = "audit_entry_current"  # the form id the widgets currently show
SUBMITTED = "audit_entry_submitted"  # the confirmation of the audit just submitted
FIELDS = (
    "case_id", "theme_id", "kind", "work_date", "audit_date", "lived_experience", "overall_grade",
    "overall_rationale", "impact_for_child", "limiting_override_reason", "safeguarding_concern",
    "safeguarding_action", "safeguarding_told", "no_action_reason", "learning_points",
)


_QUESTION_PARTS = ("grade", "rationale")


def field_key(name: str) -> str:
    """The widget key of the form's field ``name`` (as the store names it: ``case_id``,
    ``new_case.team_id``, ``q.<question key>.grade``): ``audit_entry_form_`` and the name in
    snake_case, the question's key last (``audit_entry_form_question_grade_<question key>``)."""
    if name.startswith("q."):
        _, question, part = name.split(".")
        return f"{WIDGET}question_{part}_{question}"
    return WIDGET + name.replace(".", "_")


def field_name(key: str) -> str:
    """The field a widget key of ``field_key`` is for (its inverse)."""
    rest = key[len(WIDGET):]
    for part in _QUESTION_PARTS:
        if rest.startswith(f"question_{part}_"):
            return f"q.{rest[len(f'question_{part}_'):]}.{part}"
    if rest.startswith("new_case_"):
        return "new_case." + rest[len("new_case_"):]
    return rest


def action_key(number: int, part: str) -> str:
    """The widget key of action row ``number``'s ``part`` (description, owner_id, due_on)."""
    return f"{ACTION}{part}_{number}"


def blank_form(kind: str) -> dict:
    values = {"kind": kind, "audit_date": widgets.today(), "safeguarding_concern": False}
    return {
        "meta": {"audit_id": None, "version": None, "status": "new", "theme_id": None, "template_version_id": None},
        "values": values,
        "actions": [],
        "next_row": 1,
        "saved": fingerprint(values, []),
        "show_problems": False,
        "result": None,
        "conflict": None,
        "baseline": autosave_view({"values": values, "actions": []}),  # as last saved, for autosave
        "pending_since": None,  # monotonic time of the first change not yet saved
        "autosaved_at": None,  # when autosave last wrote (UTC)
        "autosave_problem": None,  # why autosave could not write (shown; the user can still Save draft)
        "restored_at": None,  # when the draft opened from the database was last saved
    }


def autosave_view(data: dict) -> dict:
    """The form's values as autosave compares them with the last save."""
    view = {k: v for k, v in data["values"].items() if not k.startswith("new_case.") and k != "case_search"}
    view["actions"] = tuple((r["action_id"], r["description"], r["owner_id"], repr(r["due_on"]))
                            for r in data["actions"]) or None
    return view


def values_from(form: AuditInput, questions: list[QuestionRule]) -> tuple[dict, list[dict]]:
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


def data_from(loaded: EditableAudit) -> dict:
    data = blank_form(loaded.kind)
    values, rows = values_from(loaded.form, loaded.questions)
    data["meta"] = {"audit_id": loaded.audit_id, "version": loaded.version, "status": loaded.status,
                    "theme_id": loaded.form.theme_id, "template_version_id": loaded.template_version_id}
    data["values"] = values
    data["actions"] = rows
    data["next_row"] = len(rows) + 1
    data["saved"] = fingerprint(values, rows)
    data["baseline"] = autosave_view(data)
    data["restored_at"] = loaded.saved_at if loaded.status == "draft" else None
    return data


def fingerprint(values: dict, rows: list[dict]) -> tuple:
    """What the user entered, for telling whether anything changed since the last save (an
    empty field and a field not yet drawn are the same)."""
    return (
        tuple(sorted((k, repr(v)) for k, v in values.items()
                     if not k.startswith("new_case.") and not (v is None or v == "" or v is False))),
        tuple((r["action_id"], r["description"], r["owner_id"], repr(r["due_on"])) for r in rows),
    )


def is_dirty(data: dict) -> bool:
    return data["saved"] != fingerprint(data["values"], data["actions"])


def clear_widgets() -> None:
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
        key = field_key(name)
        if key not in st.session_state:
            value = self.data["values"].get(name, default)
            if allowed is not None and value not in allowed:
                value = default if default in allowed else None
            st.session_state[key] = value
        return key

    def bind_action(self, row: dict, part: str, allowed: list | None = None) -> str:
        key = action_key(row["row"], part)
        if key not in st.session_state:
            value = row.get(part)
            if allowed is not None and value not in allowed:
                value = None
            st.session_state[key] = value
        return key

    def get(self, name: str, default: Any = None) -> Any:
        key = field_key(name)
        if key in st.session_state:
            return st.session_state[key]
        return self.data["values"].get(name, default)

    def set(self, name: str, value: Any) -> None:
        """Change a field before its widget is drawn (or in a callback)."""
        self.data["values"][name] = value
        st.session_state[field_key(name)] = value

    def sync(self) -> None:
        """Copy every widget's current value into the store (called on every run and before every save)."""
        rows = {str(r["row"]): r for r in self.rows}
        for key in list(st.session_state):
            if not isinstance(key, str) or not key.startswith(WIDGET):
                continue
            if key.startswith(ACTION):
                part, _, number = key[len(ACTION):].rpartition("_")
                if number in rows and part in ("description", "owner_id", "due_on"):
                    rows[number][part] = st.session_state[key]
            else:
                self.data["values"][field_name(key)] = st.session_state[key]

    def dirty(self) -> bool:
        """Changed since it was loaded or last saved."""
        self.sync()
        return is_dirty(self.data)

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
        clear_widgets()


def open_form(user: SignedInUser) -> FormState | None:
    """The form the URL asks for (``?audit=<id>``) or a new one; None (with a message) when
    that audit cannot be changed by this user."""
    store = st.session_state.setdefault(STORE, {})
    audit_id = requested_audit_id()
    current = st.session_state.get(CURRENT)
    if audit_id is None and current not in (None, "new") and current in store and (
            store[current]["meta"]["status"] == "draft" or is_dirty(store[current])):
        # Back from another page (the menu link has no ?audit=): the draft being worked on, not an empty form.
        st.query_params["audit"] = current
        audit_id = int(current)
    form_id = str(audit_id) if audit_id is not None else "new"
    switching = st.session_state.get(CURRENT) != form_id
    if audit_id is not None and (form_id not in store or (switching and not is_dirty(store[form_id]))):
        with read_session() as session:
            loaded = load_for_edit(session, user.scope, audit_id)
        if loaded is None:
            st.error("This audit does not exist, or you cannot see it.")
            return None
        if not loaded.editable:
            st.info(loaded.refusal)
            audit_link(audit_id, "Open the audit read-only", icon=":material/description:")
            return None
        store[form_id] = data_from(loaded)
    if form_id not in store:
        store[form_id] = blank_form(entry_kinds(user.roles)[0])
    if switching:
        clear_widgets()
        forget_memo()
        st.session_state[CURRENT] = form_id
    return FormState(form_id)


def start_new_audit() -> None:
    """Callback: leave the current form (it stays stored) and start an empty one."""
    st.session_state[STORE].pop("new", None)
    st.query_params.clear()
    st.session_state.pop(CURRENT, None)
    st.session_state.pop(SUBMITTED, None)
    clear_widgets()
    forget_memo()


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
