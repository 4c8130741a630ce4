"""``save_form``: the one way the audit form writes. Save draft, Submit, Save amendment and
autosave all come here, and each save is one transaction (``write_session``) around one
``db.audits.saving`` write."""
from __future__ import annotations

import streamlit as st

from core.audit_rules import QuestionRule
from core.authz import Scope
from db.audits.saving import SaveResult, amend, load_for_edit, save_draft, submit
from db.engine import WriteRefused, read_session, write_session
from db.models import utcnow
from ui import widgets
from ui.audit_form.confirmation import confirmation_of
from ui.audit_form.reads import forget_memo
from ui.audit_form.state import (
    CURRENT,
    STORE,
    SUBMITTED,
    FormState,
    autosave_view,
    blank_form,
    clear_widgets,
    data_from,
    fingerprint,
)
from ui.errors import UNAVAILABLE_MESSAGE, is_unavailable


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
        fresh = data_from(loaded) if loaded is not None and loaded.editable else blank_form(form.kind)
        fresh["result"] = result
        fresh["restored_at"] = None
        st.session_state[STORE].pop(state.form_id, None)
        st.session_state[STORE][form_id] = fresh
        st.session_state[CURRENT] = form_id
        clear_widgets()
        forget_memo()
        st.query_params["audit"] = form_id
        if action == "submit" and loaded is not None:
            st.session_state[SUBMITTED] = confirmation_of(loaded)
    return result


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
    data["saved"] = fingerprint(data["values"], data["actions"])
    data["baseline"] = autosave_view(data)
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
