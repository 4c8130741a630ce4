"""What the user sees when the database is unreachable or refuses writes, or when a
write is refused because the session may no longer write.

An outage must not look like a crash, and must not cost anyone their typed input:
widget values live in session_state across reruns, so the page only has to stop
cleanly with a clear message; the next rerun after the database is back works.
The same holds for a write refused by the write check (``ui.guard.check_write``):
the message says why, and what was typed stays in the session.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st
from sqlalchemy.exc import InterfaceError, OperationalError

from db.engine import WriteRefused

log = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = (
    "The database cannot be reached or cannot save right now. Nothing you typed on this page has been lost: "
    "keep this tab open and try again in a minute. If it persists, tell your system administrator."
)
# Where a refused write leaves its reason for the next run to show (a callback cannot draw).
REFUSED_WRITE = "_refused_write"


def is_unavailable(error: BaseException) -> bool:
    return isinstance(error, (OperationalError, InterfaceError))


def show_refused_write() -> None:
    """Show (once) why the last write was refused, if one was."""
    message = st.session_state.pop(REFUSED_WRITE, None)
    if message:
        st.error(message, icon=":material/block:")


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn a database outage, or a refused write, inside the block into a clear message and a clean stop."""
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        log.warning("database unavailable: %s", error.__class__.__name__)
        st.error(UNAVAILABLE_MESSAGE, icon=":material/cloud_off:")
        st.stop()
    except WriteRefused as error:
        st.session_state.pop(REFUSED_WRITE, None)
        st.error(str(error), icon=":material/block:")
        st.stop()


def refusable(callback: Callable[..., Any]) -> Callable[..., Any]:
    """For widget callbacks that write: a refused write leaves its reason for the next run
    (``show_refused_write``, run by every page's guard and the sign-in form) instead of
    crashing the page. Callbacks run before the page's script, so they cannot draw."""

    @functools.wraps(callback)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except WriteRefused as error:
            st.session_state[REFUSED_WRITE] = str(error)
            return None

    return wrapper
