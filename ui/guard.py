"""The role guard that is every page's first statement.

Streamlit serves files in ``pages/`` directly to a fresh server's first visitor,
without the router; so each page checks, itself, that someone is signed in and
that their roles (re-read from the database) allow this page. Otherwise it shows
the sign-in form or a refusal, logs the refusal, and stops: nothing else runs.
"""
from __future__ import annotations

import streamlit as st

from core.authz import may_open, page
from db.engine import write_session
from db.events import record
from db.users import SignedInUser
from ui.auth import current_user
from ui.errors import database_errors


def require(page_key: str) -> SignedInUser:
    """Return the signed-in user if they may open ``page_key``; otherwise stop the script."""
    with database_errors():
        user = current_user(render_form=True)
    if user is None:
        st.stop()
    if not may_open(user.roles, page_key):
        with database_errors(), write_session() as session:
            record(session, user.username, "page.refused", "page", page_key)
        st.error(f"You do not have access to {page(page_key).title}.")
        st.stop()
    if user.must_change_password and page_key != "account":
        st.warning("You must choose a new password before going on.")
        st.page_link("pages/account.py", label="Change your password", icon=":material/key:")
        st.stop()
    return user
