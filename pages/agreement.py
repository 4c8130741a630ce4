"""Moderation agreement: how far first grades agree with moderated ones (exact, within one,
weighted kappa, direction), per first auditor and over time; the reflective-feedback log;
and the feedback on the user's own (and their teams') audits, to acknowledge.
"""
from ui.guard import require

user = require("agreement")

import streamlit as st  # noqa: E402

from core.periods import counted  # noqa: E402
from ui.agreement import cached_choices, cached_feedback, feedback_log_tab, my_feedback_tab  # noqa: E402
from ui.agreement import statistics_tab  # noqa: E402
from ui.flash import stable_slot  # noqa: E402

scope = user.scope
st.title("Moderation agreement", anchor=False)
options, questions, programme_start = cached_choices(scope)
mine = cached_feedback(scope, "", (), (), mine_only=True)
waiting = [row for row in mine if row.acknowledged_on is None]
st.caption("Completed moderations of " + ("all teams" if scope.team_ids is None else "the teams you manage")
           + ". Grades compared on the 1 to 4 scale; not applicable is left out.")
waiting_note = stable_slot()  # drawn every run, so the tabs below keep their place (and the keyboard focus)
if waiting:
    waiting_note.warning(f"{counted(len(waiting), 'moderated audit')} of yours or your teams' with feedback to read "
                         "and acknowledge: see **Feedback on my audits**.", icon=":material/feedback:")

# Stateful tabs: only the open tab is drawn (a rerun draws one tab, not three), and it stays open
# after an acknowledgement or a filter change.
tabs = st.tabs(["Statistics", "Feedback log", "Feedback on my audits"], key="agreement_tab", on_change="rerun")
drawers = (
    lambda: statistics_tab(scope, options, questions, programme_start),
    lambda: feedback_log_tab(user, scope, options),
    lambda: my_feedback_tab(scope, mine),
)
for tab, draw in zip(tabs, drawers):
    if tab.open:
        with tab:
            draw()
