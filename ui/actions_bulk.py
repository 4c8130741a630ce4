"""The tracker's "Update several" tab: the bulk editor over a snapshot of the list's page."""
from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from core.actions import ActionStatus, BulkEdit, settable_statuses, urgency
from core.action_views import ActionView
from core.periods import counted
from db import actions as db_actions
from db.engine import write_session
from db.queries.actions import ActionFilters, ActionPage
from db.users import SignedInUser
from ui.actions import FIELD_LABELS, pager
from ui.flash import flash
from ui.text import plain

BULK_SNAPSHOT = "actions_bulk_snapshot"
BULK_KEY = "actions_bulk_key"  # the current editor's widget key (tests seed its edits through it)
BULK_PENDING = "actions_bulk_pending"
BULK_SEQUENCE = "actions_bulk_sequence"
EDITOR_STATUS_LABELS = {"open": "Open", "done": "Done", "verified": "Verified", "reopened": "Reopened"}


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
        # Rows with problems first, so they are seen. The frame is built once per snapshot, not on every rerun.
        ordered = sorted(shown.values(), key=lambda r: (r["Problem"] == "",))
        snapshot = {
            "signature": signature, "key": f"actions_bulk_editor_{sequence}_{abs(hash(repr(filters))) % 10**8}",
            "original": original, "shown": shown, "versions": {v.id: v.version for v in editable},
            "ordered": ordered,
            "frame": pd.DataFrame(ordered).set_index("Action no.", drop=False) if ordered else None,
        }
        st.session_state[BULK_SNAPSHOT] = snapshot
    st.session_state[BULK_KEY] = snapshot["key"]
    if not snapshot["shown"]:
        st.info("No action in this list can still change (verified actions are final). Change the filters above.")
        return

    ordered, frame = snapshot["ordered"], snapshot["frame"]
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
    has_problems = any(row["Problem"] for row in ordered)
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
    saved = f"Saved {counted(len(result.updated), 'action')}."
    if result.rejected:
        flash("actions", f"{saved} {len(result.rejected)} row{'s were' if len(result.rejected) != 1 else ' was'} not saved "
              "(nothing of them was written): see the Problem column, fix and save again.", "warning")
    else:
        flash("actions", saved)
    st.rerun()


def bulk_tab(user: SignedInUser, page: ActionPage, filters: ActionFilters, today: date) -> None:
    st.markdown(
        "Change **Status**, **What was done**, **Done on**, **Due on** and the reasons, then **Save changes**. "
        "Each row is checked on its own: rows with a problem are not saved at all and come back with the reason; "
        "the others are saved. Marking done needs what was done and the date; a new due date needs a reason."
    )
    st.caption(f"The table is the list's page {page.offset // max(1, page.limit) + 1:,} (actions {page.shown_from:,} "
               f"to {page.shown_to:,} of {page.total:,}; the filters above apply) as it was when you opened it; "
               "verified actions are final and not shown. Changing a filter or the page discards unsaved edits; "
               "a look at another tab keeps them.")
    bulk_editor(user, page.rows, filters, today, page.offset)
    pager(page, key="actions_bulk_pager")
