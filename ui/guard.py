"""The role guard that is every page's first statement, and the check every write makes.

Streamlit serves files in ``pages/`` directly to a fresh server's first visitor,
without the router (``through_the_router`` sends that visitor back through it);
so each page checks, itself, that someone is signed in and that their roles
(re-read from the database) allow this page. Otherwise it shows the sign-in form
or a refusal, logs the refusal (once per visit), and stops.

Widget callbacks run *before* the page's script, so before its guard: a click on
Save after the idle time, after a deactivation or after losing the role would
write. Hence ``check_write``, installed into ``db.engine.write_session`` so that
no write can forget it: in the same rerun and before writing, it re-reads the user
and refuses unless this session is still signed in, the account active, not
signed out elsewhere, not idle, and its roles still open the page the write comes
from. A refused write raises ``db.engine.WriteRefused`` with the reason; the
page shows it (``ui.errors``) and nothing typed is lost.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from core.authz import may_open, page
from db.engine import WriteRefused, read_session, set_write_check, write_session
from db.events import record
from db.models import utcnow
from db.users import SignedInUser, load_signed_in
from ui import oidc
from ui.auth import current_user, ready_settings, session_problem
from ui.errors import REFUSED_WRITE, database_errors, show_refused_write
from ui.heap import freeze_long_lived_objects

PAGE_KEY = "_guard_page"  # the page this session last opened with the guard's consent
GRANTS = "_guard_grants"  # the roles and managed teams that page was drawn with
_REFUSAL_LOGGED = "_guard_refusal_logged"
KEPT = "Nothing you typed is lost: it stays in this tab"


def through_the_router() -> None:
    """Run this page again, through ``app.py``, if Streamlit ran it on its own.

    Streamlit (1.67) treats a ``pages/`` folder beside the main script as a multipage app of the
    first kind, every file a page of its own, until some run calls ``st.navigation``, which turns
    that off for the whole process. So on a server that has just started, a first visitor who
    opens a page by its address (a bookmark, a link in an email) ran that file alone: no router,
    no Sign out, every page file's name in the menu, and so for every later visitor until someone
    opened the app's root. The page's guard turns it off as ``st.navigation`` does and reruns:
    the rerun starts at ``app.py``, whose router opens the page asked for (or refuses it)."""
    if getattr(PagesManager, "uses_pages_directory", False):  # a private flag: a later Streamlit may drop it
        PagesManager.uses_pages_directory = False
        st.rerun()


def require(page_key: str) -> SignedInUser:
    """Return the signed-in user if they may open ``page_key``; otherwise stop the script."""
    through_the_router()
    freeze_long_lived_objects()
    with database_errors():
        user = current_user(render_form=True)
    if user is None:
        st.session_state.pop(PAGE_KEY, None)
        st.session_state.pop(GRANTS, None)
        st.stop()
    if not may_open(user.roles, page_key):
        st.session_state.pop(PAGE_KEY, None)
        show_refused_write()
        # Once per visit: the reruns of the same refused page (the cookie component's,
        # a widget's) are not new attempts.
        if st.session_state.get(_REFUSAL_LOGGED) != page_key:
            with database_errors(), write_session(checked=False) as session:
                record(session, user.username, "page.refused", "page", page_key)
            st.session_state[_REFUSAL_LOGGED] = page_key
        st.error(f"You do not have access to {page(page_key).title}.")
        st.stop()
    st.session_state.pop(_REFUSAL_LOGGED, None)
    st.session_state[PAGE_KEY] = page_key
    st.session_state[GRANTS] = (user.roles, user.managed_team_ids)
    show_refused_write()
    if user.must_change_password and page_key != "account":
        st.warning("You must choose a new password before going on.")
        st.page_link("pages/account.py", label="Change your password", icon=":material/key:")
        st.stop()
    return user


def grants_kept(user: SignedInUser, grants: tuple[frozenset, frozenset] | None) -> bool:
    """Whether ``user`` still holds every role and managed team a page was drawn with (``GRANTS``)."""
    roles, teams = grants or (frozenset(), frozenset())
    return roles <= user.roles and teams <= user.managed_team_ids


def _refuse(reason: str) -> None:
    st.session_state[REFUSED_WRITE] = reason
    raise WriteRefused(reason)


def check_write() -> None:
    """Refuse (``WriteRefused``) a write this Streamlit session may not make now. Outside a
    Streamlit script run (the CLI, the data-layer tests) there is no session to check."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return
    config = ready_settings()
    # A session signed in through the council's identity provider is checked by its own rules
    # (idle, signed out everywhere, deactivated, unlinked: ui.oidc); a local one by the cookie's.
    user = oidc.provider_user(config)
    if user is None:
        username = st.session_state.get("username") if st.session_state.get("authentication_status") else None
        if not username:
            _refuse(f"Not saved: you are not signed in. {KEPT}: sign in again and save again.")
        with read_session() as session:
            user = load_signed_in(session, username)
        problem = session_problem(user, config)
        if problem:
            _refuse(f"Not saved. {problem} {KEPT}: sign in again and save again.")
    page_key = st.session_state.get(PAGE_KEY)
    if not page_key or not may_open(user.roles, page_key):
        where = page(page_key).title if page_key else "this page"
        _refuse(f"Not saved: your roles no longer include {where}. {KEPT}; ask your administrator.")
    # A callback carries the scope the page was drawn with: if a role or a managed team has
    # been taken away since, that scope is stale and the write is refused.
    if not grants_kept(user, st.session_state.get(GRANTS)):
        _refuse(f"Not saved: your roles or teams changed since this page was opened. {KEPT}; "
                "reload the page to carry on with what you may do now.")
    if user.must_change_password and page_key != "account":
        _refuse(f"Not saved: you must choose a new password first. {KEPT}.")


set_write_check(check_write)


# ------------------------------------------------------------------ downloads built when clicked
class ExportRefused(Exception):
    """A file built on click that this person may no longer take; the reason is in the event log."""


def export_button(label: str, build: Callable[[], bytes], *, file_name: str, mime: str, username: str,
                  object_type: str, action: str = "export", object_id: str = "", after: dict | None = None,
                  key: str | None = None) -> None:
    """A download whose file is built when it is clicked, and the export logged then, by whom.

    The click does not rerun the page (``on_click="ignore"``). Streamlit (1.67) gives a file built
    on click a new name on every run, and forgets the last run's names when the next run ends; the
    browser sends a click's rerun *before* it asks for the file, so on a busy server the rerun could
    end first and the download fail ("Failed to generate file for download": a CI journey's chase
    list did, once in many runs). Without the rerun there is nothing to race.

    The file is built on a server thread outside any run, where the write check (``check_write``)
    has no session to read. So the file is refused (``ExportRefused``, logged as
    ``export.refused``) unless the account is still active, has not been signed out everywhere
    since the page was drawn, is not idle, and its roles and teams still cover what the page was
    drawn with: the rules ``check_write`` applies to a write."""
    page_key = st.session_state.get(PAGE_KEY)
    grants = st.session_state.get(GRANTS)
    drawn_at = utcnow()
    idle_minutes = ready_settings().idle_timeout_minutes

    def built() -> bytes:
        check_export(username, page_key, grants, drawn_at, idle_minutes, file_name)
        data = build()
        with write_session() as session:
            record(session, username, action, object_type, object_id, after={"file": file_name, **(after or {})})
        return data

    st.download_button(label, built, file_name=file_name, mime=mime, key=key, on_click="ignore",
                       icon=":material/download:")


def check_export(username: str, page_key: str | None, grants: tuple[frozenset, frozenset] | None,
                 drawn_at: datetime, idle_minutes: int, file_name: str, now: datetime | None = None) -> None:
    """Refuse (``ExportRefused``) a file built on click for a page drawn at ``drawn_at`` with
    ``grants`` (roles, managed teams), unless the person may still take it (``export_button``)."""
    with read_session() as session:
        user = load_signed_in(session, username)
    now = now or utcnow()
    if user is None:
        problem = "the account is no longer active"
    elif user.sessions_valid_after is not None and user.sessions_valid_after > drawn_at:
        problem = "the account was signed out everywhere since the page was drawn"
    elif now - max(drawn_at, user.last_active_at or drawn_at) > timedelta(minutes=idle_minutes):
        problem = f"no activity for more than {idle_minutes} minutes"
    elif not (page_key and may_open(user.roles, page_key) and grants_kept(user, grants)):
        problem = "the roles or teams changed since the page was drawn"
    else:
        problem = None
    if problem:
        with write_session(checked=False) as session:
            record(session, username, "export.refused", "export", file_name, after={"reason": problem})
        raise ExportRefused(problem)
