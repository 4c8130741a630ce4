"""Moderation: the queue and reproducible samples, my assignments, blind grading, then the
side-by-side comparison, agreed grades and reflective feedback.

While a moderation is open (``?moderation=<id>``) nothing else is drawn, and until its
blind grades are in nothing of the first audit's judgement is loaded at all.
"""
from ui.guard import require

user = require("moderation")

import streamlit as st  # noqa: E402

from ui.moderation import FLASH, open_moderation_id, show_open_moderation  # noqa: E402
from ui.moderation_lists import cached_lists, in_progress_tab, my_assignments_tab, queue_tab  # noqa: E402

scope = user.scope
st.title("Moderation", anchor=False)
if message := st.session_state.pop(FLASH, None):
    st.success(message)

open_id = open_moderation_id()
if open_id is not None:
    show_open_moderation(user, open_id)
    st.stop()

mine_tab, queue_and_sampling, progress_tab = st.tabs(["My assignments", "Queue and sampling", "All in progress"])
lists = cached_lists(scope)
with mine_tab:
    my_assignments_tab(lists.mine, lists.done_by_me)
with queue_and_sampling:
    queue_tab(user, lists.options)
with progress_tab:
    in_progress_tab(user, lists.in_progress)
