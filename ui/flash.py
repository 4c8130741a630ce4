"""A message that survives the rerun after a save: the one way a page says what was saved (or why not).

``flash("actions", "Saved 3 actions.")`` before ``st.rerun()``; the page calls ``show_flash("actions")``
near its top and the message is drawn once, as plain text (``ui.text.plain``: messages quote what
users typed). Each page (or part of one) has its own slot, named after the page's key (``"actions"``,
``"overview_concern"``), so a message is never shown on another page; it waits in ``<slot>_flash``.
"""
from __future__ import annotations

from typing import Literal

import streamlit as st

from ui.text import plain

Kind = Literal["success", "info", "warning", "error"]
_ICONS = {"success": ":material/check_circle:", "info": ":material/info:", "warning": ":material/warning:",
          "error": ":material/error:"}


def _key(slot: str) -> str:
    return f"{slot}_flash"


def flash(slot: str, message: str, kind: Kind = "success") -> None:
    """Show ``message`` once, in ``slot``, on the next run."""
    st.session_state[_key(slot)] = (kind, message)


def show_flash(slot: str) -> None:
    """Draw the message waiting in ``slot``, if any, and forget it.

    The slot is drawn on every run, empty when there is no message (``stable_slot``)."""
    kind, message = st.session_state.pop(_key(slot), (None, None))
    where = stable_slot()
    if message:
        getattr(where, kind)(plain(message), icon=_ICONS[kind])


def stable_slot():
    """A place for something a page shows only sometimes (a message, a warning), drawn on every run
    whether or not it shows anything. Streamlit places elements by their position on the page: an
    element that comes and goes moves everything after it, and the widgets it moves are drawn anew,
    so the keyboard focus on one of them (a tab the user just chose with the arrow keys) is lost."""
    return st.empty()
