"""Enter an audit: auditors enter external audits, managers internal audits of their teams' cases.

``?audit=<id>`` opens the user's own draft, or their submitted audit to amend until it is moderated.
Each part of the form reruns on its own (``ui.audit_form.sections.form_part``) and the draft saves
itself as the auditor works (autosave); after Submit the page confirms what was submitted and offers
the next steps.
"""
from ui.guard import require

user = require("audit_entry")

import streamlit as st  # noqa: E402

from ui.audit_form.autosave import autosave  # noqa: E402
from ui.audit_form.buttons import clear_result, save_buttons  # noqa: E402
from ui.audit_form.confirmation import restored_note, submitted_confirmation, unfinished_drafts  # noqa: E402
from ui.audit_form.safeguarding import concerns_banner  # noqa: E402
from ui.audit_form.sections import case_section, form_part, questions_section, theme_and_dates  # noqa: E402
from ui.audit_form.state import live_problems, open_form  # noqa: E402
from ui.widgets import rag_legend, today  # noqa: E402
from ui.text import plain  # noqa: E402

st.title("Enter an audit", anchor=False)
concerns_banner(user, "audit_entry")

# Everything above the form's parts is drawn in one container: its notes come and go (the draft's
# number once autosave has made one, the drafts to resume, a case just added), and the parts below
# must keep their place. A part's fragment is known by where it is drawn: had a note moved the parts
# down, a part rerun queued by a quick click before the move was drawn where it used to be, over
# another part, and the form showed a question twice (seen in the browser journey).
with st.container():
    if submitted_confirmation():
        st.stop()
    state = open_form(user)
    if state is None:
        st.stop()
    if state.submitted:
        st.info("Amending a submitted audit. Anyone else sees it read-only.", icon=":material/edit_note:")
    elif not state.is_new:
        st.caption(f"Draft {state.meta['audit_id']} · resume it any time from My audits.")
    restored_note(state)
    unfinished_drafts(user, state)

    problems = live_problems(state, [], today())
    case = case_section(user, state, problems)
    theme, questions = theme_and_dates(state, problems)
    if case is None or questions is None:
        st.info("Choose the case and the theme to see the audit's questions.", icon=":material/arrow_upward:")
        state.sync()
        st.stop()

problems = live_problems(state, questions, today())
st.header(f"{plain(theme)} questions", anchor=False)
rag_legend()
questions_section(state, questions, problems, user)
form_part(user, "lived", questions)
form_part(user, "judgement", questions, case=case)
save_buttons(user, state, case, questions, problems)
autosave(user, state, questions)
state.sync()
clear_result(state)
