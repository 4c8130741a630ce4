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
from db.actions import ActionConflict, ActionError, ActionFilters, FilterOptions
from db.engine import read_session, write_session
from db.events import record
from db.users import SignedInUser
from ui.cache import cached_query
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
def as_text(value: str | None) -> str:
    """User text for st.markdown, with Markdown's special characters escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|>~<$:])", r"\\\1", value or "")


def flash(message: str, kind: str = "success") -> None:
    """A message that survives the rerun after a save."""
    st.session_state[FLASH] = (kind, message)


def show_flash() -> None:
    kind, message = st.session_state.pop(FLASH, (None, None))
    if message:
        getattr(st, kind)(message)


def show_problems(problems: dict[str, list[str]]) -> None:
    for field_name, messages in problems.items():
        for message in messages:
            label = FIELD_LABELS.get(field_name, field_name)
            st.error(f"{label}: {message}" if field_name != "row" else message)


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
@cached_query
def load_options(scope: Scope) -> FilterOptions:
    with read_session() as session:
        return db_actions.filter_options(session, scope)


@cached_query
def load_actions(scope: Scope, filters: ActionFilters, today: date) -> list[ActionView]:
    with read_session() as session:
        return db_actions.list_actions(session, scope, filters, today)


@cached_query
def load_counts(scope: Scope, today: date) -> tuple[list[ActionCounts], list[ActionCounts]]:
    with read_session() as session:
        return db_actions.counts_by_team(session, scope, today), db_actions.counts_by_practitioner(session, scope, today)


@cached_query
def load_chase(scope: Scope, today: date, include_due_this_week: bool) -> list[ActionView]:
    with read_session() as session:
        return db_actions.chase_list(session, scope, today, include_due_this_week=include_due_this_week)


@cached_query
def load_charts(scope: Scope, today: date) -> ActionCharts:
    with read_session() as session:
        return db_actions.charts(session, scope, today)


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


def actions_frame(views: list[ActionView], today: date, *, with_audit_links: bool) -> pd.DataFrame:
    rows = []
    for v in views:
        row = {
            "Due": urgency(v.status, v.due_on, today),
            "Case": v.case_reference,
            "Action": v.description,
            "Owner": v.owner_label,
            "Team": v.team,
            "Theme": v.theme,
            "Raised by": v.raised_by,
            "Raised on": v.raised_on,
            "Due on": v.due_on,
            "Working days overdue": v.days_overdue,
            "Status": ActionStatus(v.status).label,
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
    elif row["Status"] == ActionStatus.VERIFIED.label:
        style = VERIFIED_STYLE
    else:
        style = ""
    return [style + ("; font-weight: 600" if column == "Due" and style == OVERDUE_STYLE else "") for column in row.index]


def show_actions_table(views: list[ActionView], today: date, *, with_audit_links: bool, key: str) -> None:
    frame = actions_frame(views, today, with_audit_links=with_audit_links)
    config = {
        "Due": st.column_config.TextColumn("Due", help="Overdue counts working days past the due date", width="medium"),
        "Action": st.column_config.TextColumn("Action", width="large"),
        "Raised on": st.column_config.DateColumn("Raised on", format="ddd D MMM"),
        "Due on": st.column_config.DateColumn("Due on", format="ddd D MMM YYYY"),
        "Working days overdue": st.column_config.NumberColumn("Working days overdue", format="%d"),
        "Action no.": st.column_config.NumberColumn("Action no.", format="%d"),
    }
    if with_audit_links:
        config["Audit"] = st.column_config.LinkColumn("Audit", display_text="Open audit")
    st.dataframe(frame.style.apply(_row_style, axis=1), hide_index=True, width="stretch",
                 column_config=config, key=key, height=min(38 * (len(frame) + 1) + 3, 560))


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
    label = f"Audit {view.audit_id} · {view.case_reference} · {view.theme}"
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
    st.markdown(f"{status_badge(view, today)} &nbsp; **{as_text(view.case_reference)}** · {as_text(view.team)}")
    st.markdown(as_text(view.description))
    audit_link(user, view)
    c1, c2, c3, c4 = st.columns(4)
    c1.markdown(f"**Owner**  \n{as_text(view.owner_label)}")
    c2.markdown(f"**Raised**  \n{view.raised_on:%a %d %b %Y} by {as_text(view.raised_by)}")
    c3.markdown(f"**Due**  \n{view.due_on:%a %d %b %Y}")
    c4.markdown(f"**Status**  \n{ActionStatus(view.status).label}")
    if view.completion_note:
        st.markdown(f"**What was done** ({view.completed_on:%d %b %Y}): {as_text(view.completion_note)}")
    if view.verified_on:
        st.markdown(f"**Verified** {view.verified_on:%d %b %Y} by {as_text(view.verified_by or '')}")
    if view.reopen_reason and view.status == ActionStatus.REOPENED.value:
        st.markdown(f"**Reopened because:** {as_text(view.reopen_reason)}")

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
                    _run(db_actions.change_due_date, f"Due date changed to {new_due:%a %d %b %Y}.", view,
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


def bulk_editor(user: SignedInUser, views: list[ActionView], filters: ActionFilters, today: date) -> None:
    """Several actions at once. The editor shows a snapshot of the list taken when it was opened, so
    that edits never slide onto another row when someone else's save reorders the list."""
    scope = user.scope
    sequence = st.session_state.setdefault(BULK_SEQUENCE, 0)
    signature = (sequence, repr(filters))
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
        "Action": st.column_config.TextColumn("Action", disabled=True, width="medium"),
        "Status": st.column_config.SelectboxColumn(
            "Status", options=statuses, required=True, format_func=lambda s: EDITOR_STATUS_LABELS.get(s, s)),
        "What was done": st.column_config.TextColumn("What was done", width="medium",
                                                     help="Needed to mark done: what changed in the case record"),
        "Done on": st.column_config.DateColumn("Done on", format="DD/MM/YYYY", max_value=today),
        "Due on": st.column_config.DateColumn("Due on", format="DD/MM/YYYY"),
        "Reason for new due date": st.column_config.TextColumn("Reason for new due date"),
        "Reason for reopening": st.column_config.TextColumn("Reason for reopening") if can_reopen else None,
        "Problem": st.column_config.TextColumn("Problem", disabled=True, width="large"),
    }
    has_problems = bool((frame["Problem"] != "").any())
    order = ["Action no.", "Case", "Owner", *(["Problem"] if has_problems else []), "Due",
             *(c for c in EDITABLE if can_reopen or c != "Reason for reopening"), "Action"]
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
        column_config={"Due on": st.column_config.DateColumn("Due on", format="ddd D MMM YYYY"),
                       "Action no.": st.column_config.NumberColumn("Action no.", format="%d"),
                       "Action": st.column_config.TextColumn("Action", width="large")},
    )


def weekly_chart(charts: ActionCharts) -> alt.Chart:
    frame = pd.DataFrame([
        {"Week": f"{w.week:%d %b}", "What": what, "Actions": n}
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
def list_tab(user: SignedInUser, views: list[ActionView], team_counts: list[ActionCounts], today: date) -> None:
    """The filtered list (overdue first), its downloads, and one action to work on."""
    scope = user.scope
    shown_overdue = sum(v.overdue for v in views)
    st.markdown(f"**{len(views)} action{'s' if len(views) != 1 else ''}**"
                + (f" · :red[{shown_overdue} overdue]" if shown_overdue else ""))
    if not views:
        st.info("No action matches these filters.")
    else:
        with st.container(horizontal=True):
            download("Download list (CSV)", lambda: actions_csv(views), f"remedial-actions-{today}.csv", "text/csv",
                     user.username, len(views), "download_actions_csv")
            download("Download list (Excel)", lambda: actions_xlsx(views, team_counts),
                     f"remedial-actions-{today}.xlsx", XLSX, user.username, len(views), "download_actions_xlsx")
        show_actions_table(views, today, with_audit_links=audit_url_allowed(user), key="actions_table")

    st.subheader("Work on one action")
    requested = st.query_params.get("action")
    by_id = {v.id: v for v in views}
    picked = None
    if requested is not None:
        # A link to one action (from an audit, say): found only within this user's scope.
        picked = load_one(scope, int(requested), today) if str(requested).isdigit() else None
        if picked is None:
            st.warning(f"Action {requested} was not found among the actions you may see.")
        elif st.button("Back to the list", icon=":material/arrow_back:"):
            del st.query_params["action"]
            st.rerun()
    elif by_id:
        choice = st.selectbox(
            "Action", options=list(by_id), key="action_pick", index=None,
            placeholder="Choose an action from the list above",
            format_func=lambda i: f"{i} · {by_id[i].case_reference} · {by_id[i].owner_label} · "
                                  f"{urgency(by_id[i].status, by_id[i].due_on, today)} · {by_id[i].description[:60]}",
        )
        if choice is not None:
            # Re-read through the scope: a widget value is never trusted to be in scope.
            picked = load_one(scope, int(choice), today)
            if picked is None:
                st.warning(f"Action {choice} was not found among the actions you may see.")
    if picked is not None:
        with st.container(border=True):
            action_detail(user, picked, today)
            with st.expander("History of this action"):
                show_history(scope, picked.id)


def bulk_tab(user: SignedInUser, views: list[ActionView], filters: ActionFilters, today: date) -> None:
    st.markdown(
        "Change **Status**, **What was done**, **Done on**, **Due on** and the reasons, then **Save changes**. "
        "Each row is checked on its own: rows with a problem are not saved at all and come back with the reason; "
        "the others are saved. Marking done needs what was done and the date; a new due date needs a reason."
    )
    st.caption("The table is the list as it was when you opened it (filters above apply); verified actions are final "
               "and not shown. Changing a filter or the tab discards unsaved edits.")
    bulk_editor(user, views, filters, today)


def chase_tab(user: SignedInUser, today: date) -> None:
    """The weekly chase list: overdue actions grouped by team and owner, to download for the meeting."""
    include_week = st.toggle("Also list actions due by the end of this week", key="chase_include_week")
    chase = load_chase(user.scope, today, include_week)
    late = sum(v.overdue for v in chase)
    if not chase:
        st.success("Nothing to chase: no action is overdue.")
        return
    sunday = this_week(today)[1]
    st.markdown(f"**{late} overdue action{'s' if late != 1 else ''}**"
                + (f" and {len(chase) - late} due by {sunday:%a %d %b}" if include_week else "")
                + f" across {len({v.team for v in chase})} teams, grouped by team and owner, for the weekly meeting.")
    with st.container(horizontal=True):
        download("Download chase list (CSV)", lambda: chase_csv(chase, today), f"chase-list-{today}.csv",
                 "text/csv", user.username, len(chase), "download_chase_csv")
        download("Download chase list (Excel)", lambda: chase_xlsx(chase, today), f"chase-list-{today}.xlsx",
                 XLSX, user.username, len(chase), "download_chase_xlsx")
    for team in sorted({v.team for v in chase}):
        rows = [v for v in chase if v.team == team]
        team_late = sum(v.overdue for v in rows)
        st.markdown(f"**{as_text(team)}** · :red[{team_late} overdue]" if team_late else
                    f"**{as_text(team)}** · none overdue")
        show_chase_table(rows, today, key=f"chase_{team}")


def counts_tab(team_counts: list[ActionCounts], practitioner_counts: list[ActionCounts]) -> None:
    left, right = st.columns([2, 3])
    with left:
        st.subheader("By team")
        show_counts(team_counts, practitioners=False, key="counts_team")
    with right:
        st.subheader("By owner")
        show_counts(practitioner_counts, practitioners=True, key="counts_owner")


def charts_tab(scope: Scope, today: date) -> None:
    charts = load_charts(scope, today)
    if not charts.by_week:
        st.info("No actions yet.")
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
