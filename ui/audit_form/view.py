"""Links to one audit, and the read-only view's pieces: user text shown as text, and the
attributable log of who viewed which audit."""
from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.authz import Scope
from db.audits.detail import record_view
from db.engine import write_session
from ui.per_run import once_per_run

VIEWED = "audit_view_logged"  # audit ids whose viewing this session has logged


def audit_link(audit_id: int, label: str, *, page: str = "pages/audit_view.py", icon: str | None = None,
               container=None) -> None:
    """A link to one audit. Run outside the router (a page on its own, as in AppTest) a
    page link cannot resolve, so the same link is drawn as a plain markdown link (and, once one
    has failed, for the rest of the run without trying: a refused page link costs a traceback)."""
    where = container or st
    outside_router = once_per_run("audit_link_outside_router", dict)
    if not outside_router:
        try:
            where.page_link(page, label=label, icon=icon, query_params={"audit": str(audit_id)})
            return
        except StreamlitAPIException:
            outside_router["yes"] = True
    url_path = page.removeprefix("pages/").removesuffix(".py")
    where.markdown(f"[{label}]({url_path}?audit={audit_id})")


def requested_audit_id() -> int | None:
    raw = st.query_params.get("audit")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def show_text(label: str, text: str | None) -> None:
    """Free text from users: a bold label (ours) and the text shown as text, never markdown."""
    st.markdown(f"**{label}**")
    st.text(text.strip() if text and text.strip() else "-")


def log_view_once(scope: Scope, audit_id: int) -> None:
    """Views of audit data are attributable; once per session and audit keeps the log readable."""
    seen: set = st.session_state.setdefault(VIEWED, set())
    if audit_id not in seen:
        with write_session() as session:
            record_view(session, scope, audit_id)
        seen.add(audit_id)
