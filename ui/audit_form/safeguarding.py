"""Safeguarding in audit entry: the form's concern section, the banner of concerns nobody has
acknowledged yet (at the top of the entry page, My audits and the Overview), and its Acknowledge
button (also on the audit's own page). The banner and the button take the key of the page they
are drawn on (``core.authz.PAGES``): their widget keys and message slot start with it."""
from __future__ import annotations

import streamlit as st

from core.authz import Scope
from core.periods import counted
from db.audits.safeguarding import Concern, acknowledge_concern, acknowledgement_refusal, unacknowledged_concerns
from db.engine import read_session, write_session
from db.users import SignedInUser
from ui.audit_form.state import FormState, show_messages
from ui.audit_form.view import audit_link
from ui.cache import cached_query
from ui.errors import refusable
from ui.flash import flash, show_flash
from ui.text import plain


CONCERNS_AT_ONCE = 10


@cached_query(reads_drafts=False)
def open_concerns(scope: Scope) -> list[Concern]:
    """The concerns ``scope`` may see that nobody has acknowledged: read once per data version (the
    banner is on several pages; an acknowledgement or a new concern is a write, so it shows at once)."""
    with read_session() as session:
        return unacknowledged_concerns(session, scope)


@refusable
def _acknowledge(scope: Scope, audit_id: int, page: str) -> None:
    with write_session() as session:
        problem = acknowledge_concern(session, scope, audit_id)
    if problem:
        flash(f"{page}_concern", problem, "warning")
    else:
        flash(f"{page}_concern", "Concern acknowledged. It is recorded in the audit's trail.")


def flash_acknowledgement(page: str) -> None:
    """The outcome of the last Acknowledge click on ``page``, once."""
    show_flash(f"{page}_concern")


@st.fragment
def concerns_banner(user: SignedInUser, page: str) -> None:
    """Unacknowledged safeguarding concerns, at the top of the page, each with its own Acknowledge button.

    Only those who can act see a concern in full: the team's manager or an auditor who may
    acknowledge it, and its author (awaiting someone else). Anyone else (business support) is
    told that concerns are with the managers and auditors, without the case or its text.
    A fragment: acknowledging reruns the banner, not the page under it."""
    concerns = open_concerns(user.scope)
    flash_acknowledgement(page)
    shown = [c for c in concerns if c.raised_by_id == user.id
             or acknowledgement_refusal(user.scope, c.team_id, c.raised_by_id) is None]
    others = len(concerns) - len(shown)
    if others and not shown:
        st.info(f"{others} safeguarding concern{'s are' if others != 1 else ' is'} awaiting acknowledgement by the "
                "team's manager or an auditor, who see it at the top of their pages. Nothing is needed from you.",
                icon=":material/shield:")
    if not shown:
        return
    st.error(f"**{counted(len(shown), 'safeguarding concern')} not yet acknowledged**", icon=":material/warning:")
    if len(shown) > CONCERNS_AT_ONCE:
        # A long list would push the page out of sight (and cost a second a rerun to draw); the oldest are
        # one click away, and the count above is always the whole number.
        if not st.toggle(f"Show all {len(shown)} (the {CONCERNS_AT_ONCE} newest are shown)",
                         key=f"{page}_concern_show_all"):
            shown = shown[:CONCERNS_AT_ONCE]
    for concern in shown:
        with st.container(border=True, key=f"{page}_concern_{concern.audit_id}"):
            text, link, button = st.columns([6, 2, 2], vertical_alignment="center")
            text.markdown(
                f"**{plain(concern.case_reference)}** · {plain(concern.team)} · audit of "
                f"{concern.audit_date:%d/%m/%Y} by {plain(concern.raised_by)}" if concern.audit_date else
                f"**{plain(concern.case_reference)}** · {plain(concern.team)} · raised by "
                f"{plain(concern.raised_by)}"
            )
            text.text(f"What was done: {concern.action_taken}\nWho was told: {concern.who_was_told}")
            audit_link(concern.audit_id, "Open the audit", icon=":material/description:", container=link)
            acknowledge_control(user, page, concern.audit_id, concern.team_id, concern.raised_by_id, button)


def acknowledge_control(user: SignedInUser, page: str, audit_id: int, team_id: int, raised_by_id: int,
                        where=None) -> None:
    """The Acknowledge button of one concern on ``page``, for those who may press it."""
    where = where or st
    if acknowledgement_refusal(user.scope, team_id, raised_by_id) is None:
        where.button("Acknowledge", key=f"{page}_concern_acknowledge_{audit_id}", type="primary",
                     icon=":material/done:", on_click=_acknowledge, args=(user.scope, audit_id, page))
    elif raised_by_id == user.id:
        where.caption("You raised this: awaiting the team's manager or another auditor.")


def safeguarding_section(state: FormState, problems: dict[str, list[str]]) -> None:
    st.header("Immediate safeguarding concern", anchor=False)
    st.radio("Is there an immediate safeguarding concern?", [False, True], horizontal=True,
             key=state.bind("safeguarding_concern", False, [False, True]), format_func=lambda v: "Yes" if v else "No")
    if state.get("safeguarding_concern"):
        st.warning("The team's manager and the auditors will see this concern at the top of their pages until "
                   "someone acknowledges it.", icon=":material/campaign:")
        st.text_area("What was done", key=state.bind("safeguarding_action", ""), height=80)
        show_messages(problems, "safeguarding_action")
        st.text_input("Who was told", key=state.bind("safeguarding_told", ""), placeholder="Name and role")
        show_messages(problems, "safeguarding_told")
