"""Autosave: the draft saves itself when the auditor moves on to another part of the form or a
change has waited long enough (the rule is ``core.autosave``)."""
from __future__ import annotations

import os
import time

import streamlit as st

from core.audit_rules import QuestionRule, draft_problems
from core.autosave import DEFAULT_SECONDS, autosave_due, changed_fields, uk_time
from db.users import SignedInUser
from ui.audit_form.saving import save_form
from ui.audit_form.state import FormState, autosave_view


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
    changed = changed_fields(state.data["baseline"], autosave_view(state.data))
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


def autosave_status(state: FormState) -> None:
    problem = state.data.get("autosave_problem")
    if problem:
        st.warning(f"Not saved automatically: {problem} Save a draft to keep your work.", icon=":material/cloud_off:")
    elif state.data.get("autosaved_at") is not None:
        st.caption(f"Draft saved automatically at {uk_time(state.data['autosaved_at'])} (UK time).")
