"""What the user sees when the database is unreachable or refuses writes.

An outage must not look like a crash, and must not cost anyone their typed input:
widget values live in session_state across reruns, so the page only has to stop
cleanly with a clear message; the next rerun after the database is back works.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = (
    "The database cannot be reached or cannot save right now. Nothing you typed on this page has been lost: "
    "keep this tab open and try again in a minute. If it persists, tell your system administrator."
)


def is_unavailable(error: BaseException) -> bool:
    return isinstance(error, (OperationalError, InterfaceError))


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn a database outage inside the block into a clear message and a clean stop."""
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        log.warning("database unavailable: %s", error.__class__.__name__)
        st.error(UNAVAILABLE_MESSAGE, icon=":material/cloud_off:")
        st.stop()
