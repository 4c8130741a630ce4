"""The router: configure the page, sign in, show each role only its own pages, one run at a time
in this process (ui/turns.py).

Run with ``streamlit run app.py``. Pages live in ``pages/``; which roles may
open which page is decided in ``core.authz.PAGES`` (and re-checked by each page).
"""
from pathlib import Path

import streamlit as st

from core.authz import PAGES, pages_for
from ui.auth import authenticate, sign_in_form, sign_out
from ui.errors import database_errors
from ui.guard import check_write  # noqa: F401  (imported for its effect: every write is checked)
from ui.nodelay import send_at_once
from ui.text import plain
from ui.turns import in_turn

send_at_once()  # every message of a run sent when ready, not 40 ms later (ui/nodelay.py)


def route() -> None:
    """Sign the session in (or draw the sign-in form) and run the page asked for."""
    # The icon is served by the app itself: a Material icon name would make every browser fetch
    # it from fonts.gstatic.com, which the deployment's Content-Security-Policy blocks.
    st.set_page_config(page_title="Case audit", page_icon=str(Path(__file__).parent / "ui" / "favicon.png"),
                       layout="wide")

    with database_errors():
        user, authenticator = authenticate()
    if user is None:
        # Signed out, the only page is the sign-in form: no other page name or URL exists.
        st.navigation(
            [st.Page(lambda: sign_in_form(authenticator), title="Sign in", url_path="sign-in", default=True)],
            position="hidden",
        ).run()
        return

    # Each role's pages are in its menu. Every other page is registered too, hidden, so
    # that opening it by URL runs its guard: the user sees a refusal and it is logged.
    allowed = pages_for(user.roles)
    refused = [spec for spec in PAGES if spec not in allowed]
    sections: dict[str, list[st.Page]] = {}
    for spec in allowed + refused:
        section = spec.section if spec in allowed else allowed[0].section
        sections.setdefault(section, []).append(
            st.Page(
                spec.path, title=spec.title, icon=spec.icon, url_path=spec.key, default=spec.default,
                visibility="visible" if spec in allowed and not spec.hidden else "hidden",
            )
        )
    navigation = st.navigation(sections, expanded=True)  # every page in view, no 'View more'

    with st.sidebar:
        st.markdown(f"**{plain(user.display_name)}**")
        st.caption(", ".join(sorted(role.value for role in user.roles)))
        if st.button("Sign out", key="sign_out_button", icon=":material/logout:"):
            with database_errors():
                sign_out(user)
            st.rerun()

    with database_errors():
        navigation.run()


with in_turn():  # one run at a time in this process, each in its turn (ui/turns.py)
    route()
