"""After Submit: what was submitted and the next steps; and, on an empty new form, the user's
unfinished drafts to resume (a restored draft says when it was last saved)."""
from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.autosave import uk_time
from db.audits.my_audits import MyAuditFilters, my_audits
from db.audits.saving import EditableAudit
from db.engine import read_session
from db.users import SignedInUser
from ui.audit_form.grades import rag_words
from ui.audit_form.reads import practitioner_options
from ui.audit_form.state import STORE, SUBMITTED, FormState, autosave_view, blank_form, start_new_audit
from ui.audit_form.view import audit_link, requested_audit_id
from ui.text import plain
from ui.widgets import rag_badge


def confirmation_of(loaded: EditableAudit) -> dict:
    """What the confirmation of a submitted audit shows (kept in the session for the next runs)."""
    owners = {p.id: p.name for p in practitioner_options(loaded.case.team_id)}
    return {
        "audit_id": loaded.audit_id, "case": loaded.case.reference, "team": loaded.case.team, "theme": loaded.theme,
        "theme_id": loaded.form.theme_id, "kind": loaded.kind, "overall_grade": loaded.form.overall_grade,
        "concern": loaded.form.safeguarding_concern,
        "actions": [(a.description, owners.get(a.owner_id, "a practitioner of another team"), a.due_on)
                    for a in loaded.form.actions],
    }


def _another_of_the_same_list(kind: str, theme_id: int) -> None:
    """Callback: a new audit of the same kind and theme (the same case list), the rest empty."""
    start_new_audit()
    data = blank_form(kind)
    data["values"]["theme_id"] = theme_id
    data["baseline"] = autosave_view(data)
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
    with st.container(border=True, key="audit_entry_confirmation"):
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
        another.button(f"Audit another {plain(done['theme'])} case", key="audit_entry_confirmation_another", type="primary",
                       icon=":material/add:", on_click=_another_of_the_same_list,
                       args=(done["kind"], done["theme_id"]), width="stretch")
        try:
            mine.page_link("pages/my_audits.py", label="My audits", icon=":material/list:")
        except StreamlitAPIException:
            mine.markdown("[My audits](my_audits)")
        audit_link(done["audit_id"], "View the audit", icon=":material/description:", container=view)
        amend.button("Amend it", key="audit_entry_confirmation_amend", icon=":material/edit_note:", on_click=_amend_submitted,
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
    with st.container(border=True, key="audit_entry_drafts"):
        st.markdown(f"**Your unfinished draft{'s' if len(drafts) != 1 else ''}**: resume one, or start a new audit "
                    "below.")
        for draft in drafts:
            audit_link(draft.audit_id, f"{draft.case_reference} · {draft.theme} · saved {uk_time(draft.updated_at)}",
                       page="pages/audit_entry.py", icon=":material/restore:")
