"""The tracker's list tab: one page of the filtered list, its pager, and one action with its forms and history."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.actions import OUTSTANDING, ActionStatus, Transition, available_transitions, urgency
from core.action_views import ActionView
from core.authz import Scope, may_open, page
from core.exports import XLSX_MIME
from db import actions as db_actions
from db.actions import ActionConflict, ActionError
from db.engine import write_session
from db.queries.actions import ActionFilters, ActionPage
from db.users import SignedInUser
from ui.actions import (
    PLAIN_TAG, VERIFIED_TAG, download, due_tag, due_tags, list_csv_file, list_xlsx_file, load_history, load_one, pager,
    show_problems,
)

from ui.flash import flash
from ui.text import plain
from ui.widgets import tag_column


# ------------------------------------------------------------------ the list
def audit_url_allowed(user: SignedInUser) -> bool:
    try:
        page("audit_view")
    except KeyError:
        return False
    return may_open(user.roles, "audit_view")


# Shorter than ActionStatus.label, so that the status fits its column at 1366 px.
TABLE_STATUS = {"open": "Open", "reopened": "Reopened", "done": "Done, to verify", "verified": "Verified"}


def status_shade(status: str) -> str:
    """A status's tag: verified green, the rest plain."""
    return VERIFIED_TAG if status == TABLE_STATUS["verified"] else PLAIN_TAG


def due_text(view: ActionView, today: date) -> str:
    """How urgent an outstanding action is, in words; empty once the work is done (its status says so)."""
    return urgency(view.status, view.due_on, today) if ActionStatus(view.status) in OUTSTANDING else ""


def actions_frame(views: list[ActionView], today: date, *, with_audit_links: bool) -> pd.DataFrame:
    columns = {
        "Due on": [v.due_on for v in views],
        "Due": [due_text(v, today) for v in views],
        "Status": [TABLE_STATUS[v.status] for v in views],
        "Owner": [v.owner_label for v in views],
        "Action": [v.description for v in views],
        "Case": [v.case_reference for v in views],
        "Team": [v.team for v in views],
        "Theme": [v.theme for v in views],
        "Raised by": [v.raised_by for v in views],
        "Raised on": [v.raised_on for v in views],
        "Working days overdue": [v.days_overdue for v in views],
        "Action no.": [v.id for v in views],
    }
    if with_audit_links:
        columns["Audit"] = [f"audit_view?audit={v.audit_id}" for v in views]
    return pd.DataFrame(columns)  # by column: a third of the time of a list of row dicts


def _open_selected_row(ids: list[int], key: str) -> None:
    """on_select of the list: a clicked row opens its action (through the same picker as the select box)."""
    rows = st.session_state[key].selection.rows
    if rows and rows[0] < len(ids):
        st.session_state["actions_list_pick"] = ids[rows[0]]


def show_actions_table(views: list[ActionView], today: date, *, with_audit_links: bool, key: str) -> None:
    """The page of actions. Laid out for 1366 and 1440 px screens: due date, urgency, status, owner and
    the action's text come first and fit without scrolling sideways; the rest follows to the right."""
    frame = actions_frame(views, today, with_audit_links=with_audit_links)
    frame["Due"], due = tag_column("Due", list(frame["Due"]), due_tags(views, today, due_tag), width=200,
                                   help="Overdue counts working days past the due date")
    frame["Status"], status = tag_column("Status", list(frame["Status"]), status_shade, width=120)
    config = {
        "Due on": st.column_config.DateColumn("Due on", format="DD/MM/YYYY", width=92),
        "Due": due,
        "Status": status,
        "Owner": st.column_config.TextColumn("Owner", width=140),
        "Action": st.column_config.TextColumn("Action", width=400),
        "Raised on": st.column_config.DateColumn("Raised on", format="DD/MM/YYYY"),
        "Working days overdue": st.column_config.NumberColumn("Working days overdue", format="%d"),
        "Action no.": st.column_config.NumberColumn("Action no.", format="%d"),
    }
    if with_audit_links:
        config["Audit"] = st.column_config.LinkColumn("Audit", display_text="Open audit")
    ids = [v.id for v in views]
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config=config, key=key, height=min(35 * (len(frame) + 1) + 3, 480),
                 on_select=lambda: _open_selected_row(ids, key), selection_mode="single-row")


def status_badge(view: ActionView, today: date) -> str:
    """Colour and words, never colour alone (all text here is ours, not the user's)."""
    text = urgency(view.status, view.due_on, today)
    status = ActionStatus(view.status)
    if view.overdue:
        return f":red-badge[:material/warning: {text}]"
    if status is ActionStatus.VERIFIED:
        return f":green-badge[:material/verified: {text}]"
    if status is ActionStatus.DONE:
        return f":blue-badge[{text}]"
    if status is ActionStatus.REOPENED:
        return f":orange-badge[Reopened] :gray-badge[{text}]"
    return f":orange-badge[{text}]" if text == "Due today" else f":gray-badge[{text}]"


def audit_link(user: SignedInUser, view: ActionView) -> None:
    """A link to the action's audit (the audit page is another feature: do without it if it is missing)."""
    label = f"Audit {view.audit_id} · {plain(view.case_reference)} · {plain(view.theme)}"
    if audit_url_allowed(user):
        try:
            st.page_link("pages/audit_view.py", label=label, icon=":material/description:",
                         query_params={"audit": view.audit_id})
            return
        except StreamlitAPIException:
            pass
    st.caption(f"{label} (the audit page is not available)")


# ------------------------------------------------------------------ one action
def _seen_key(action_id: int) -> str:
    return f"actions_seen_version_{action_id}"


def _run(command: Callable, success: str, view: ActionView, **kwargs) -> None:
    """Run a command in one write transaction; on success flash and rerun, otherwise show why."""
    try:
        with write_session() as session:
            updated = command(session, **kwargs)
    except ActionConflict as exc:
        show_problems(exc.problems)
        st.info("Your input is still in the form: check the action as it is now, then submit again if it still applies.")
        return
    except ActionError as exc:
        show_problems(exc.problems)
        return
    st.session_state[_seen_key(view.id)] = (updated.status, updated.version)
    flash("actions", success)
    st.rerun()


def action_detail(user: SignedInUser, view: ActionView, today: date) -> None:
    """One action: what it is, where it stands, its audit, and the forms for what this user may do."""
    scope = user.scope
    # The status and version this user last saw. The forms are those of what they saw, so that a
    # submission made while someone else saved is not silently dropped: it fails as a conflict instead.
    seen_status, seen = st.session_state.get(_seen_key(view.id), (view.status, view.version))
    st.markdown(f"{status_badge(view, today)} &nbsp; **{plain(view.case_reference)}** · {plain(view.team)}")
    st.markdown(plain(view.description))
    audit_link(user, view)
    c1, c2, c3, c4 = st.columns(4)
    c1.markdown(f"**Owner**  \n{plain(view.owner_label)}")
    c2.markdown(f"**Raised**  \n{view.raised_on:%d/%m/%Y} by {plain(view.raised_by)}")
    c3.markdown(f"**Due**  \n{view.due_on:%d/%m/%Y}")
    c4.markdown(f"**Status**  \n{ActionStatus(view.status).label}")
    if view.completion_note:
        st.markdown(f"**What was done** ({view.completed_on:%d/%m/%Y}): {plain(view.completion_note)}")
    if view.verified_on:
        st.markdown(f"**Verified** {view.verified_on:%d/%m/%Y} by {plain(view.verified_by or '')}")
    if view.reopen_reason and view.status == ActionStatus.REOPENED.value:
        st.markdown(f"**Reopened because:** {plain(view.reopen_reason)}")

    transitions = available_transitions(scope, seen_status, view.team_id)
    if not transitions:
        st.caption("Nothing for you to do on this action." if view.status != "verified" else
                   "This action is verified: the loop is closed.")
    common = {"scope": scope, "action_id": view.id, "version": seen, "today": today}
    if Transition.DONE in transitions:
        with st.form(f"actions_detail_done_{view.id}"):
            st.markdown("**Mark done**")
            note = st.text_area("What was done in the case record", key=f"actions_detail_done_note_{view.id}",
                                help="Say what changed in the record, e.g. 'Chronology updated with the 2024 referrals'.")
            done_on = st.date_input("Done on", value=today, max_value=today, key=f"actions_detail_done_on_{view.id}",
                                    format="DD/MM/YYYY")
            if st.form_submit_button("Mark done", type="primary"):
                _run(db_actions.mark_done, "Marked done. An auditor will verify it against the record.", view,
                     note=note, completed_on=done_on, **common)
    if Transition.VERIFY in transitions or Transition.REOPEN in transitions:
        left, right = st.columns(2)
        if Transition.VERIFY in transitions:
            with left.form(f"actions_detail_verify_{view.id}"):
                st.markdown("**Verify**")
                checked = st.checkbox("I have checked the case record and the work is there",
                                      key=f"actions_detail_verify_checked_{view.id}")
                if st.form_submit_button("Verify", type="primary"):
                    if not checked:
                        st.error("Tick the box to confirm that you checked the record.")
                    else:
                        _run(db_actions.verify, "Verified: the loop is closed.", view, **common)
        if Transition.REOPEN in transitions:
            with right.form(f"actions_detail_reopen_{view.id}"):
                st.markdown("**Reopen**")
                reason = st.text_area("Why is it reopened? What is still missing from the record?",
                                      key=f"actions_detail_reopen_reason_{view.id}")
                if st.form_submit_button("Reopen"):
                    _run(db_actions.reopen, "Reopened; the owner has to do it again.", view, reason=reason, **common)
    if Transition.CHANGE_DUE in transitions:
        with st.expander("Change the due date"):
            with st.form(f"actions_detail_due_{view.id}"):
                new_due = st.date_input("New due date", value=view.due_on, key=f"actions_detail_due_new_{view.id}",
                                        format="DD/MM/YYYY")
                reason = st.text_input("Reason for the new due date", key=f"actions_detail_due_reason_{view.id}")
                if st.form_submit_button("Change the due date"):
                    _run(db_actions.change_due_date, f"Due date changed to {new_due:%d/%m/%Y}.", view,
                         due_on=new_due, reason=reason, **common)
    st.session_state[_seen_key(view.id)] = (view.status, view.version)


def show_history(scope: Scope, action_id: int) -> None:
    events = load_history(scope, action_id)
    if not events:
        st.caption("No changes recorded since the action was raised.")
        return
    names = {"action.done": "Marked done", "action.verified": "Verified", "action.reopened": "Reopened",
             "action.due_changed": "Due date changed"}
    rows = []
    for event in events:
        after = event.after or {}
        detail = after.get("completion_note") or after.get("reopen_reason") or after.get("reason") or ""
        if event.action == "action.due_changed":
            detail = f"{(event.before or {}).get('due_on')} → {after.get('due_on')}: {detail}"
        rows.append({"When": event.at, "Who": event.username, "What": names.get(event.action, event.action),
                     "Detail": detail})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={"When": st.column_config.DatetimeColumn("When", format="D MMM YYYY HH:mm")})


# ------------------------------------------------------------------ the tabs
def list_tab(user: SignedInUser, page: ActionPage, filters: ActionFilters, today: date) -> None:
    """One page of the filtered list (overdue first), counts of the rest, downloads, and one action to work on."""
    scope = user.scope
    total = f"{page.total:,} action{'s' if page.total != 1 else ''}"
    overdue = f" · :red[{page.overdue:,} overdue]" if page.overdue else ""
    if page.total > len(page.rows):
        st.markdown(f"**{total}** match the filters{overdue} · showing {page.shown_from:,} to {page.shown_to:,}, "
                    f"{page.total - len(page.rows):,} not shown: narrow the filters or turn the page.")
    else:
        st.markdown(f"**{total}**{overdue}")
    if not page.rows:
        st.info("No action matches these filters.")
    else:
        with st.container(horizontal=True):
            download("Download list (CSV)", lambda: list_csv_file(scope, filters, today),
                     f"remedial-actions-{today}.csv", "text/csv", user.username, page.total, "actions_list_download_csv")
            download("Download list (Excel)", lambda: list_xlsx_file(scope, filters, today),
                     f"remedial-actions-{today}.xlsx", XLSX_MIME, user.username, page.total, "actions_list_download_xlsx")
        st.caption("Click a row to open its action. The downloads hold every action the filters match.")
        show_actions_table(page.rows, today, with_audit_links=audit_url_allowed(user), key="actions_list_table")
        pager(page)

    st.subheader("Work on one action", anchor=False)
    requested = st.query_params.get("action")
    by_id = {v.id: v for v in page.rows}
    picked = None
    if requested is not None:
        # A link to one action (from an audit, say): found only within this user's scope.
        picked = load_one(scope, int(requested), today) if str(requested).isdigit() else None
        if picked is None:
            st.warning(f"Action {requested} was not found among the actions you may see.")
        elif st.button("Back to the list", icon=":material/arrow_back:"):
            del st.query_params["action"]
            st.rerun()
    else:
        chosen = st.session_state.get("actions_list_pick")
        if chosen is not None and chosen not in by_id:
            # Opened from another page of the list (or set by hand): keep it, re-read through the scope below.
            found = load_one(scope, int(chosen), today) if str(chosen).isdigit() else None
            if found is not None:
                by_id[found.id] = found
            else:
                st.warning(f"Action {chosen} was not found among the actions you may see.")
                del st.session_state["actions_list_pick"]
        if by_id:
            choice = st.selectbox(
                "Action", options=list(by_id), key="actions_list_pick", index=None,
                placeholder="Click a row above, or choose an action of this page",
                format_func=lambda i: f"{i} · {by_id[i].case_reference} · {by_id[i].owner_label} · "
                                      f"{urgency(by_id[i].status, by_id[i].due_on, today)} · "
                                      f"{by_id[i].description[:60]}",
            )
            if choice is not None:
                # Re-read through the scope: a widget value is never trusted to be in scope.
                picked = by_id.get(choice) if choice in by_id else None
                picked = load_one(scope, int(choice), today) if picked is not None else None
                if picked is None:
                    st.warning(f"Action {choice} was not found among the actions you may see.")
    if picked is not None:
        with st.container(border=True):
            action_detail(user, picked, today)
            with st.expander("History of this action"):
                show_history(scope, picked.id)
