"""Streamlit glue for the remedial-action tracker: cached loaders, tables, forms, the bulk editor, charts.

Rules live in ``core.actions`` and SQL in ``db.actions``; this module only draws
and collects input. Text typed by users is always shown as text (escaped).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.actions import (
    OUTSTANDING,
    ActionCharts,
    actions_csv,
    actions_xlsx,
    chase_csv,
    chase_xlsx,
    this_week,
    ActionCounts,
    ActionStatus,
    ActionView,
    BulkEdit,
    Transition,
    available_transitions,
    settable_statuses,
    urgency,
)
from core.authz import Scope, may_open, page
from core.workdays import ACTION_DUE_WORKING_DAYS
from db import actions as db_actions
from db.actions import ActionConflict, ActionError, ActionFilters, ActionPage, FilterOptions
from db.engine import read_session, write_session
from db.events import record
from db.users import SignedInUser
from ui.cache import cached_query
from ui.errors import refusable
from ui.text import plain
from ui.widgets import chart_table

FLASH = "actions_flash"
BULK_SNAPSHOT = "actions_bulk_snapshot"
BULK_KEY = "actions_bulk_key"  # the current editor's widget key (tests seed its edits through it)
BULK_PENDING = "actions_bulk_pending"
BULK_SEQUENCE = "actions_bulk_sequence"

OVERDUE_STYLE = "background-color: #fde2e1; color: #7a1212"
DUE_SOON_STYLE = "background-color: #fff4d6"
VERIFIED_STYLE = "color: #2e6b3a"
EDITOR_STATUS_LABELS = {"open": "Open", "done": "Done", "verified": "Verified", "reopened": "Reopened"}
FIELD_LABELS = {
    "row": "Row", "status": "Status", "note": "What was done", "completed_on": "Done on", "due_on": "Due on",
    "due_reason": "Reason for new due date", "reopen_reason": "Reason for reopening",
}


# ------------------------------------------------------------------ small helpers
def flash(message: str, kind: str = "success") -> None:
    """A message that survives the rerun after a save."""
    st.session_state[FLASH] = (kind, message)


def show_flash() -> None:
    kind, message = st.session_state.pop(FLASH, (None, None))
    if message:
        getattr(st, kind)(plain(message))


def show_problems(problems: dict[str, list[str]]) -> None:
    for field_name, messages in problems.items():
        for message in messages:
            label = FIELD_LABELS.get(field_name, field_name)
            st.error(plain(f"{label}: {message}" if field_name != "row" else message))


@refusable
def log_export(username: str, file_name: str, rows: int) -> None:
    """on_click of a download: every export is attributable to a person."""
    with write_session() as session:
        record(session, username, "export", "remedial_action", "", after={"file": file_name, "rows": rows})


def download(label: str, data: Callable[[], bytes], file_name: str, mime: str, username: str, rows: int,
             key: str) -> None:
    st.download_button(
        label, data=data, file_name=file_name, mime=mime, key=key, icon=":material/download:",
        on_click=log_export, args=(username, file_name, rows),
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ------------------------------------------------------------------ cached reads
PAGE_SIZE = 50  # rows a person reads on one screen; the rest are counted, never loaded


@cached_query
def load_options(scope: Scope) -> FilterOptions:
    with read_session() as session:
        return db_actions.filter_options(session, scope)


@cached_query
def load_headline(scope: Scope, today: date) -> ActionCounts:
    with read_session() as session:
        return db_actions.headline(session, scope, today)


@cached_query
def load_page(scope: Scope, filters: ActionFilters, today: date, offset: int) -> ActionPage:
    with read_session() as session:
        return db_actions.page_of_actions(session, scope, filters, today, offset=offset, limit=PAGE_SIZE)


@cached_query
def load_counts(scope: Scope, today: date) -> tuple[list[ActionCounts], list[ActionCounts]]:
    with read_session() as session:
        return db_actions.counts_by_team(session, scope, today), db_actions.counts_by_practitioner(session, scope, today)


@cached_query
def load_chase(scope: Scope, today: date, include_due_this_week: bool, team_ids: tuple[int, ...] = ()
               ) -> list[ActionView]:
    with read_session() as session:
        return db_actions.chase_list(session, scope, today, include_due_this_week=include_due_this_week,
                                     team_ids=team_ids)


@cached_query
def load_chase_teams(scope: Scope, today: date) -> list:
    with read_session() as session:
        return db_actions.chase_teams(session, scope, today)


@cached_query
def load_charts(scope: Scope, today: date, filters: ActionFilters) -> ActionCharts:
    with read_session() as session:
        return db_actions.charts(session, scope, today, filters)


# Files are built when the user clicks (st.download_button runs these then), never on a rerun.
def list_csv_file(scope: Scope, filters: ActionFilters, today: date) -> bytes:
    with read_session() as session:
        return actions_csv(db_actions.list_actions(session, scope, filters, today))


def list_xlsx_file(scope: Scope, filters: ActionFilters, today: date) -> bytes:
    with read_session() as session:
        views = db_actions.list_actions(session, scope, filters, today)
        team_counts = db_actions.counts_by_team(session, scope, today)
    return actions_xlsx(views, team_counts)


def chase_csv_file(scope: Scope, today: date, include_due_this_week: bool) -> bytes:
    return chase_csv(load_chase.uncached(scope, today, include_due_this_week), today)


def chase_xlsx_file(scope: Scope, today: date, include_due_this_week: bool) -> bytes:
    return chase_xlsx(load_chase.uncached(scope, today, include_due_this_week), today)


def load_one(scope: Scope, action_id: int, today: date) -> ActionView | None:
    with read_session() as session:
        return db_actions.get_action(session, scope, action_id, today)


def load_history(scope: Scope, action_id: int) -> list:
    with read_session() as session:
        return db_actions.history(session, scope, action_id)


# ------------------------------------------------------------------ the list
def audit_url_allowed(user: SignedInUser) -> bool:
    try:
        page("audit_view")
    except KeyError:
        return False
    return may_open(user.roles, "audit_view")


# Shorter than ActionStatus.label, so that the status fits its column at 1366 px.
TABLE_STATUS = {"open": "Open", "reopened": "Reopened", "done": "Done, to verify", "verified": "Verified"}


def due_text(view: ActionView, today: date) -> str:
    """How urgent an outstanding action is, in words; empty once the work is done (its status says so)."""
    return urgency(view.status, view.due_on, today) if ActionStatus(view.status) in OUTSTANDING else ""


def actions_frame(views: list[ActionView], today: date, *, with_audit_links: bool) -> pd.DataFrame:
    rows = []
    for v in views:
        row = {
            "Due on": v.due_on,
            "Due": due_text(v, today),
            "Status": TABLE_STATUS[v.status],
            "Owner": v.owner_label,
            "Action": v.description,
            "Case": v.case_reference,
            "Team": v.team,
            "Theme": v.theme,
            "Raised by": v.raised_by,
            "Raised on": v.raised_on,
            "Working days overdue": v.days_overdue,
            "Action no.": v.id,
        }
        if with_audit_links:
            row["Audit"] = f"audit_view?audit={v.audit_id}"
        rows.append(row)
    return pd.DataFrame(rows)


def _row_style(row: pd.Series) -> list[str]:
    due = str(row["Due"])
    if due.startswith("OVERDUE"):
        style = OVERDUE_STYLE
    elif due.startswith("Due"):
        style = DUE_SOON_STYLE if due == "Due today" or re.match(r"Due in [1-3] ", due) else ""
    elif row["Status"] == TABLE_STATUS["verified"]:
        style = VERIFIED_STYLE
    else:
        style = ""
    return [style + ("; font-weight: 600" if column == "Due" and style == OVERDUE_STYLE else "") for column in row.index]


def _open_selected_row(ids: list[int], key: str) -> None:
    """on_select of the list: a clicked row opens its action (through the same picker as the select box)."""
    rows = st.session_state[key].selection.rows
    if rows and rows[0] < len(ids):
        st.session_state["action_pick"] = ids[rows[0]]


def show_actions_table(views: list[ActionView], today: date, *, with_audit_links: bool, key: str) -> None:
    """The page of actions. Laid out for 1366 and 1440 px screens: due date, urgency, status, owner and
    the action's text come first and fit without scrolling sideways; the rest follows to the right."""
    frame = actions_frame(views, today, with_audit_links=with_audit_links)
    config = {
        "Due on": st.column_config.DateColumn("Due on", format="DD/MM/YYYY", width=92),
        "Due": st.column_config.TextColumn("Due", help="Overdue counts working days past the due date", width=175),
        "Status": st.column_config.TextColumn("Status", width=110),
        "Owner": st.column_config.TextColumn("Owner", width=140),
        "Action": st.column_config.TextColumn("Action", width=430),
        "Raised on": st.column_config.DateColumn("Raised on", format="DD/MM/YYYY"),
        "Working days overdue": st.column_config.NumberColumn("Working days overdue", format="%d"),
        "Action no.": st.column_config.NumberColumn("Action no.", format="%d"),
    }
    if with_audit_links:
        config["Audit"] = st.column_config.LinkColumn("Audit", display_text="Open audit")
    ids = [v.id for v in views]
    # Only this page's rows are styled (50 at most): the Styler's cell limit is never near.
    st.dataframe(frame.style.apply(_row_style, axis=1), hide_index=True, width="stretch",
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
    flash(success)
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
        with st.form(f"done_{view.id}"):
            st.markdown("**Mark done**")
            note = st.text_area("What was done in the case record", key=f"done_note_{view.id}",
                                help="Say what changed in the record, e.g. 'Chronology updated with the 2024 referrals'.")
            done_on = st.date_input("Done on", value=today, max_value=today, key=f"done_on_{view.id}",
                                    format="DD/MM/YYYY")
            if st.form_submit_button("Mark done", type="primary"):
                _run(db_actions.mark_done, "Marked done. An auditor will verify it against the record.", view,
                     note=note, completed_on=done_on, **common)
    if Transition.VERIFY in transitions or Transition.REOPEN in transitions:
        left, right = st.columns(2)
        if Transition.VERIFY in transitions:
            with left.form(f"verify_{view.id}"):
                st.markdown("**Verify**")
                checked = st.checkbox("I have checked the case record and the work is there",
                                      key=f"verify_checked_{view.id}")
                if st.form_submit_button("Verify", type="primary"):
                    if not checked:
                        st.error("Tick the box to confirm that you checked the record.")
                    else:
                        _run(db_actions.verify, "Verified: the loop is closed.", view, **common)
        if Transition.REOPEN in transitions:
            with right.form(f"reopen_{view.id}"):
                st.markdown("**Reopen**")
                reason = st.text_area("Why is it reopened? What is still missing from the record?",
                                      key=f"reopen_reason_{view.id}")
                if st.form_submit_button("Reopen"):
                    _run(db_actions.reopen, "Reopened; the owner has to do it again.", view, reason=reason, **common)
    if Transition.CHANGE_DUE in transitions:
        with st.expander("Change the due date"):
            with st.form(f"due_{view.id}"):
                new_due = st.date_input("New due date", value=view.due_on, key=f"due_new_{view.id}",
                                        format="DD/MM/YYYY")
                reason = st.text_input("Reason for the new due date", key=f"due_reason_{view.id}")
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


# ------------------------------------------------------------------ the bulk editor
def _editor_rows(views: list[ActionView], today: date) -> dict[int, dict]:
    return {
        v.id: {
            "Action no.": v.id, "Due": urgency(v.status, v.due_on, today), "Case": v.case_reference,
            "Owner": v.owner_label, "Action": v.description, "Status": v.status,
            "What was done": v.completion_note, "Done on": v.completed_on, "Due on": v.due_on,
            "Reason for new due date": "", "Reason for reopening": "", "Problem": "",
        }
        for v in views
    }


EDITABLE = ("Status", "What was done", "Done on", "Due on", "Reason for new due date", "Reason for reopening")


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value):
        return date.fromisoformat(value[:10])
    return value


def _text(value) -> str:
    value = _clean(value)
    return "" if value is None else str(value)


def _problem_text(problems: dict[str, list[str]]) -> str:
    return " · ".join(
        (f"{FIELD_LABELS.get(k, k)}: {m}" if k != "row" else m) for k, messages in problems.items() for m in messages
    )


def bulk_editor(user: SignedInUser, views: list[ActionView], filters: ActionFilters, today: date,
                offset: int = 0) -> None:
    """Several actions at once. The editor shows a snapshot of the list taken when it was opened, so
    that edits never slide onto another row when someone else's save reorders the list."""
    scope = user.scope
    sequence = st.session_state.setdefault(BULK_SEQUENCE, 0)
    signature = (sequence, repr(filters), offset)
    snapshot = st.session_state.get(BULK_SNAPSHOT)
    if snapshot is None or snapshot["signature"] != signature:
        editable = [v for v in views if v.status != ActionStatus.VERIFIED.value]
        pending = st.session_state.pop(BULK_PENDING, {})
        original = _editor_rows(editable, today)
        shown = {action_id: dict(row) for action_id, row in original.items()}
        for action_id, entry in pending.items():
            if action_id in shown:
                shown[action_id].update(entry["input"])
                shown[action_id]["Problem"] = entry["problem"]
        snapshot = {
            "signature": signature, "key": f"actions_bulk_editor_{sequence}_{abs(hash(repr(filters))) % 10**8}",
            "original": original, "shown": shown, "versions": {v.id: v.version for v in editable},
        }
        st.session_state[BULK_SNAPSHOT] = snapshot
    st.session_state[BULK_KEY] = snapshot["key"]
    if not snapshot["shown"]:
        st.info("No action in this list can still change (verified actions are final). Change the filters above.")
        return

    # Rows with problems first, so they are seen.
    ordered = sorted(snapshot["shown"].values(), key=lambda r: (r["Problem"] == "",))
    frame = pd.DataFrame(ordered).set_index("Action no.", drop=False)
    can_reopen = ActionStatus.REOPENED in settable_statuses(scope)
    statuses = [s.value for s in ActionStatus if s in settable_statuses(scope) or s.value in set(frame["Status"])]
    config = {
        "Action no.": st.column_config.NumberColumn("Action no.", disabled=True, format="%d"),
        "Due": st.column_config.TextColumn("Due", disabled=True),
        "Case": st.column_config.TextColumn("Case", disabled=True),
        "Owner": st.column_config.TextColumn("Owner", disabled=True),
        "Action": st.column_config.TextColumn("Action", disabled=True, width=300),
        "Status": st.column_config.SelectboxColumn(
            "Status", options=statuses, required=True, format_func=lambda s: EDITOR_STATUS_LABELS.get(s, s),
            width=105),
        "What was done": st.column_config.TextColumn("What was done", width=200,
                                                     help="Needed to mark done: what changed in the case record"),
        "Done on": st.column_config.DateColumn("Done on", format="DD/MM/YYYY", max_value=today, width=105),
        "Due on": st.column_config.DateColumn("Due on", format="DD/MM/YYYY", width=105),
        "Reason for new due date": st.column_config.TextColumn("Reason for new due date"),
        "Reason for reopening": st.column_config.TextColumn("Reason for reopening") if can_reopen else None,
        "Problem": st.column_config.TextColumn("Problem", disabled=True, width=260),
    }
    has_problems = bool((frame["Problem"] != "").any())
    if has_problems:
        # Readable in full above the table (a cell cuts long text), each with the row it belongs to.
        for row in ordered:
            if row["Problem"]:
                st.error(f"Action {row['Action no.']} · {plain(row['Case'])} · {plain(row['Owner'])}: "
                         f"{plain(row['Problem'])}", icon=":material/error:")
    # The Problem first, then what the row is (the action's text), then what can be changed; the
    # reference columns last. Fits 1366 px up to "Due on" without scrolling sideways.
    order = [*(["Problem"] if has_problems else []), "Action", "Status", "What was done", "Done on", "Due on",
             *(c for c in EDITABLE[4:] if can_reopen or c != "Reason for reopening"), "Due", "Owner", "Case",
             "Action no."]
    with st.form("actions_bulk_form", border=False):
        edited = st.data_editor(frame, key=snapshot["key"], hide_index=True, width="stretch", column_order=order,
                                column_config=config, num_rows="fixed", height=min(36 * (len(frame) + 1) + 3, 600))
        submitted = st.form_submit_button("Save changes", type="primary", icon=":material/save:")
    if submitted:
        _save_bulk(user, snapshot, edited, today)


def _save_bulk(user: SignedInUser, snapshot: dict, edited: pd.DataFrame, today: date) -> None:
    edits: list[BulkEdit] = []
    inputs: dict[int, dict] = {}
    for action_id, row in edited.iterrows():
        action_id = int(action_id)
        original = snapshot["original"][action_id]
        values = {column: _clean(row[column]) if column in row else None for column in EDITABLE}
        changed = any(
            (_text(values[c]) != _text(original[c])) for c in EDITABLE if c in row
        )
        if not changed:
            continue
        inputs[action_id] = {c: values[c] for c in EDITABLE if c in row}
        edits.append(BulkEdit(
            action_id=action_id, version=snapshot["versions"][action_id], status=_text(values["Status"]),
            note=_text(values["What was done"]), completed_on=values["Done on"] or None,
            due_on=values["Due on"] or None, due_reason=_text(values["Reason for new due date"]),
            reopen_reason=_text(values.get("Reason for reopening")),
        ))
    if not edits:
        st.info("Nothing to save: no row was changed.")
        return
    with write_session() as session:
        result = db_actions.bulk_update(session, user.scope, edits, today)
    st.session_state[BULK_PENDING] = {
        action_id: {"input": inputs[action_id], "problem": _problem_text(problems)}
        for action_id, problems in result.rejected.items()
    }
    st.session_state[BULK_SEQUENCE] = st.session_state.get(BULK_SEQUENCE, 0) + 1
    saved = f"Saved {len(result.updated)} action{'s' if len(result.updated) != 1 else ''}."
    if result.rejected:
        flash(f"{saved} {len(result.rejected)} row{'s were' if len(result.rejected) != 1 else ' was'} not saved "
              "(nothing of them was written): see the Problem column, fix and save again.", "warning")
    else:
        flash(saved)
    st.rerun()


# ------------------------------------------------------------------ counts, chase list, charts
def counts_frame(counts: list[ActionCounts], *, practitioners: bool) -> pd.DataFrame:
    rows = []
    for c in counts:
        row = {"Practitioner": c.label, "Team": c.team} if practitioners else {"Team": c.label}
        row.update({"Open": c.open, "Overdue": c.overdue, "Done, awaiting verification": c.done,
                    "Verified": c.verified, "Total": c.total})
        rows.append(row)
    return pd.DataFrame(rows)


def show_counts(counts: list[ActionCounts], *, practitioners: bool, key: str) -> None:
    frame = counts_frame(counts, practitioners=practitioners)
    if frame.empty:
        st.caption("No actions.")
        return
    styled = frame.style.apply(
        lambda column: [OVERDUE_STYLE + "; font-weight: 600" if v else "" for v in column], subset=["Overdue"])
    st.dataframe(styled, hide_index=True, width="stretch", key=key,
                 column_config={"Open": st.column_config.NumberColumn("Open", help="Open or reopened, overdue included")})


def chase_frame(views: list[ActionView], today: date) -> pd.DataFrame:
    return pd.DataFrame([
        {"Owner": v.owner_label, "Due": urgency(v.status, v.due_on, today), "Case": v.case_reference,
         "Action": v.description, "Due on": v.due_on, "Working days overdue": v.days_overdue, "Action no.": v.id}
        for v in views
    ])


def _chase_style(row: pd.Series) -> list[str]:
    style = OVERDUE_STYLE if str(row["Due"]).startswith("OVERDUE") else DUE_SOON_STYLE
    return [style for _ in row]


def show_chase_table(views: list[ActionView], today: date, *, key: str) -> None:
    frame = chase_frame(views, today)
    st.dataframe(
        frame.style.apply(_chase_style, axis=1), hide_index=True, width="stretch", key=key,
        column_config={"Due on": st.column_config.DateColumn("Due on", format="DD/MM/YYYY"),
                       "Action no.": st.column_config.NumberColumn("Action no.", format="%d"),
                       "Action": st.column_config.TextColumn("Action", width="large")},
    )


def weekly_chart(charts: ActionCharts) -> alt.Chart:
    frame = pd.DataFrame([
        {"Week": f"{w.week:%d/%m}", "What": what, "Actions": n}
        for w in charts.by_week
        for what, n in (("Raised", w.raised), ("Completed", w.completed), ("Verified", w.verified))
    ])
    order = ["Raised", "Completed", "Verified"]
    return (
        alt.Chart(frame, title="Actions raised, completed and verified per week")
        .mark_line(point=True)
        .encode(
            x=alt.X("Week:O", sort=None, title="Week beginning (Monday)", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("Actions:Q"),
            color=alt.Color("What:N", sort=order, scale=alt.Scale(domain=order, range=["#1d4f91", "#e69f00", "#2e8540"]),
                            title=None),
            strokeDash=alt.StrokeDash("What:N", sort=order, title=None),
            tooltip=["Week", "What", "Actions"],
        )
        .properties(height=280)
    )


def rate_chart(rates, *, title: str, what: str) -> alt.Chart:
    frame = pd.DataFrame([
        {"Team": r.team, "Share": r.rate or 0.0, "Label": f"{r.rate:.0%} of {r.whole}" if r.whole else "none",
         what: r.part, "Of": r.whole}
        for r in rates
    ])
    base = alt.Chart(frame, title=title).encode(
        y=alt.Y("Team:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("Share:Q", axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
                  scale=alt.Scale(domain=[0, 1.15]), title=None),
        tooltip=["Team", alt.Tooltip("Share:Q", format=".0%"), what, "Of"],
    )
    return (base.mark_bar(color="#1d4f91") + base.mark_text(align="left", dx=4).encode(text="Label:N")).properties(
        height=34 * max(1, len(frame)) + 40)



# ------------------------------------------------------------------ the tabs
OFFSET = "actions_offset"
OFFSET_FOR = "actions_offset_filters"


def page_offset(filters: ActionFilters) -> int:
    """The first row of the page being read; back to the first page whenever the filters change."""
    if st.session_state.get(OFFSET_FOR) != filters:
        st.session_state[OFFSET_FOR] = filters
        st.session_state[OFFSET] = 0
    return st.session_state.get(OFFSET, 0)


def _move(offset: int) -> None:
    st.session_state[OFFSET] = max(0, offset)


def pager(page: ActionPage) -> None:
    """Where this page sits in the list, what is not shown, and the way to the other pages."""
    if page.total <= page.limit:
        return
    pages = (page.total + page.limit - 1) // page.limit
    current = page.offset // page.limit + 1
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("Previous", key="actions_previous", icon=":material/chevron_left:", disabled=current == 1,
                  on_click=_move, args=(page.offset - page.limit,))
        st.markdown(f"Page {current:,} of {pages:,}")
        st.button("Next", key="actions_next", icon=":material/chevron_right:", disabled=current == pages,
                  on_click=_move, args=(page.offset + page.limit,))


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
                     f"remedial-actions-{today}.csv", "text/csv", user.username, page.total, "download_actions_csv")
            download("Download list (Excel)", lambda: list_xlsx_file(scope, filters, today),
                     f"remedial-actions-{today}.xlsx", XLSX, user.username, page.total, "download_actions_xlsx")
        st.caption("Click a row to open its action. The downloads hold every action the filters match.")
        show_actions_table(page.rows, today, with_audit_links=audit_url_allowed(user), key="actions_table")
        pager(page)

    st.subheader("Work on one action")
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
        chosen = st.session_state.get("action_pick")
        if chosen is not None and chosen not in by_id:
            # Opened from another page of the list (or set by hand): keep it, re-read through the scope below.
            found = load_one(scope, int(chosen), today) if str(chosen).isdigit() else None
            if found is not None:
                by_id[found.id] = found
            else:
                st.warning(f"Action {chosen} was not found among the actions you may see.")
                del st.session_state["action_pick"]
        if by_id:
            choice = st.selectbox(
                "Action", options=list(by_id), key="action_pick", index=None,
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


def bulk_tab(user: SignedInUser, page: ActionPage, filters: ActionFilters, today: date) -> None:
    st.markdown(
        "Change **Status**, **What was done**, **Done on**, **Due on** and the reasons, then **Save changes**. "
        "Each row is checked on its own: rows with a problem are not saved at all and come back with the reason; "
        "the others are saved. Marking done needs what was done and the date; a new due date needs a reason."
    )
    st.caption(f"The table is the list's page {page.offset // max(1, page.limit) + 1:,} (actions {page.shown_from:,} "
               f"to {page.shown_to:,} of {page.total:,}; the filters above apply) as it was when you opened it; "
               "verified actions are final and not shown. Changing a filter, the page or the tab discards unsaved "
               "edits.")
    bulk_editor(user, page.rows, filters, today, page.offset)
    pager(page)


def chase_tab(user: SignedInUser, today: date) -> None:
    """The weekly chase list: overdue actions grouped by team and owner, one team at a time on screen,
    every team in the downloads."""
    scope = user.scope
    include_week = st.toggle("Also list actions due by the end of this week", key="chase_include_week")
    teams = [t for t in load_chase_teams(scope, today) if t.overdue or include_week]
    late = sum(t.overdue for t in teams)
    soon = sum(t.due_this_week for t in teams) if include_week else 0
    if not teams:
        st.success("Nothing to chase: no action is overdue.")
        return
    sunday = this_week(today)[1]
    st.markdown(f"**{late:,} overdue action{'s' if late != 1 else ''}**"
                + (f" and {soon:,} due by {sunday:%a %d/%m}" if include_week else "")
                + f" across {len(teams)} teams, grouped by team and owner, for the weekly meeting.")
    with st.container(horizontal=True):
        download("Download chase list (CSV)", lambda: chase_csv_file(scope, today, include_week),
                 f"chase-list-{today}.csv", "text/csv", user.username, late + soon, "download_chase_csv")
        download("Download chase list (Excel)", lambda: chase_xlsx_file(scope, today, include_week),
                 f"chase-list-{today}.xlsx", XLSX, user.username, late + soon, "download_chase_xlsx")
    by_id = {t.team_id: t for t in teams}
    team_id = st.selectbox(
        "Team", options=list(by_id), key="chase_team",
        format_func=lambda i: f"{by_id[i].team} · {by_id[i].overdue} overdue"
                              + (f", {by_id[i].due_this_week} due this week" if include_week else ""),
        help="Teams with the most overdue actions first",
    )
    if team_id is None:
        return
    rows = load_chase(scope, today, include_week, (team_id,))
    team = by_id[team_id]
    st.markdown(f"**{plain(team.team)}** · :red[{team.overdue} overdue]" if team.overdue else
                f"**{plain(team.team)}** · none overdue")
    show_chase_table(rows, today, key=f"chase_{team_id}")


def counts_tab(scope: Scope, today: date) -> None:
    team_counts, practitioner_counts = load_counts(scope, today)
    left, right = st.columns([2, 3])
    with left:
        st.subheader("By team")
        show_counts(team_counts, practitioners=False, key="counts_team")
    with right:
        st.subheader("By owner")
        show_counts(practitioner_counts, practitioners=True, key="counts_owner")


def charts_tab(scope: Scope, today: date, filters: ActionFilters) -> None:
    charts = load_charts(scope, today, filters)
    if filters != ActionFilters():
        st.caption("The charts count the actions that match the filters above.")
    if not charts.by_week:
        st.info("No action matches these filters." if filters != ActionFilters() else "No actions yet.")
        return
    weekly = weekly_chart(charts)
    st.altair_chart(weekly, width="stretch")
    chart_table(weekly, pivot=("Week", "What", "Actions"))
    left, right = st.columns(2)
    with left:
        rate = charts.in_time.rate
        st.metric(f"Completed within {ACTION_DUE_WORKING_DAYS} working days", f"{rate:.0%}" if rate is not None else "-",
                  help=f"Of the actions done, or whose {ACTION_DUE_WORKING_DAYS} working days are over")
        in_time = rate_chart(charts.in_time_by_team,
                             title=f"Completed within {ACTION_DUE_WORKING_DAYS} working days, by team", what="In time")
        st.altair_chart(in_time, width="stretch")
        chart_table(in_time, columns={"Team": "Team", "Label": "In time"})
    with right:
        rate = charts.red_verified.rate
        st.metric("Red audits' actions verified", f"{rate:.0%}" if rate is not None else "-",
                  help="Closing the loop: of the actions raised by audits graded Inadequate (moderated grade where "
                       "moderated), the share an auditor has verified")
        verified = rate_chart(charts.red_verified_by_team, title="Red audits' actions verified, by team",
                              what="Verified")
        st.altair_chart(verified, width="stretch")
        chart_table(verified, columns={"Team": "Team", "Label": "Verified"})
