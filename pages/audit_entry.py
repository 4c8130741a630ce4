"""Enter an audit: auditors enter external audits, managers internal audits of their teams' cases.

``?audit=<id>`` opens the user's own draft, or their submitted audit to amend until it is moderated.
Each part of the form reruns on its own (``ui.audit_form.form_part``) and the draft saves itself
as the auditor works (autosave); after Submit the page confirms what was submitted and offers
the next steps.
"""
from ui.guard import require

user = require("audit_entry")

import streamlit as st  # noqa: E402

from ui import audit_form as form  # noqa: E402
from ui.widgets import rag_legend, today  # noqa: E402
from ui.text import plain  # noqa: E402

st.title("Enter an audit")
form.concerns_banner(user)

if form.submitted_confirmation():
    st.stop()
state = form.open_form(user)
if state is None:
    st.stop()
if state.submitted:
    st.info("Amending a submitted audit. Anyone else sees it read-only.", icon=":material/edit_note:")
elif not state.is_new:
    st.caption(f"Draft {state.meta['audit_id']} · resume it any time from My audits.")
form.restored_note(state)
form.unfinished_drafts(user, state)

problems = form.live_problems(state, [], today())
case = form.case_section(user, state, problems)
theme, questions = form.theme_and_dates(state, problems)
if case is None or questions is None:
    st.info("Choose the case and the theme to see the audit's questions.", icon=":material/arrow_upward:")
    state.sync()
    st.stop()

problems = form.live_problems(state, questions, today())
st.header(f"{plain(theme)} questions")
rag_legend()
form.questions_section(state, questions, problems, user)
form.form_part(user, "lived", questions)
form.form_part(user, "judgement", questions, case=case)
form.save_buttons(user, state, case, questions, problems)
form.autosave(user, state, questions)
state.sync()
form.clear_result(state)
