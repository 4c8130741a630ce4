"""Moderation agreement: how far first grades agree with moderated ones (exact, within one,
weighted kappa, direction), per first auditor and over time; the reflective-feedback log;
and the feedback on the user's own (and their teams') audits, to acknowledge.
"""
from ui.guard import require

user = require("agreement")

import streamlit as st  # noqa: E402

from ui.agreement import cached_choices, cached_feedback, feedback_log_tab, my_feedback_tab  # noqa: E402
from ui.agreement import statistics_tab  # noqa: E402

scope = user.scope
st.title("Moderation agreement")
options, questions, programme_start = cached_choices(scope)
mine = cached_feedback(scope, "", (), (), mine_only=True)
waiting = [row for row in mine if row.acknowledged_on is None]
st.caption("Completed moderations of " + ("all teams" if scope.team_ids is None else "the teams you manage")
           + ". Grades compared on the 1 to 4 scale; not applicable is left out.")
if waiting:
    st.warning(f"{len(waiting)} moderated audit(s) of yours or your teams' with feedback to read and acknowledge: "
               "see **Feedback on my audits**.", icon=":material/feedback:")

stats_tab, log_tab, mine_tab = st.tabs(["Statistics", "Feedback log", "Feedback on my audits"])
with stats_tab:
    statistics_tab(scope, options, questions, programme_start)
with log_tab:
    feedback_log_tab(user, scope, options)
with mine_tab:
    my_feedback_tab(scope, mine)
