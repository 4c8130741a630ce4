"""The Moderation page's lists: my assignments, the queue with sampling and assignment, and
every moderation in progress."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.authz import Role, Scope
from core.moderation import SampleMethod
from core.periods import counted
from db.engine import read_session, write_session
from db.moderation.common import ModerationError
from db.moderation.queue import (
    AssignmentRow,
    FilterOptions,
    QueueFilter,
    QueuePage,
    assign_one,
    assignments,
    draw,
    filter_options,
    queue_page,
)
from ui.cache import cached_query
from ui.moderation import FLASH, audit_filters, open_moderation
from ui.text import plain
from ui.widgets import today

STATUS_WORDS = {"assigned": "To grade, blind", "graded": "Graded: agree and give feedback", "completed": "Completed"}
KINDS = {"internal": "Internal audits (by managers)", "external": "External audits", "": "Both"}


@dataclass(frozen=True)
class Lists:
    options: FilterOptions
    mine: list[AssignmentRow]  # the user's to grade or agree
    done_by_me: list[AssignmentRow]
    in_progress: list[AssignmentRow]  # everyone's not yet completed


@cached_query(reads_drafts=False)
def cached_lists(scope: Scope) -> Lists:
    """The filter choices and the three lists of assignments (cached per data version: any write
    shows on the next run)."""
    with read_session() as s:
        return Lists(filter_options(s, scope),
                     assignments(s, scope, moderator_id=scope.user_id, statuses=("assigned", "graded")),
                     assignments(s, scope, moderator_id=scope.user_id, statuses=("completed",)),
                     assignments(s, scope, statuses=("assigned", "graded")))


@cached_query(reads_drafts=False)
def cached_queue(scope: Scope, filters: QueueFilter) -> QueuePage:
    with read_session() as s:
        return queue_page(s, scope, filters)


def assignment_frame(rows, *, with_moderator: bool = False) -> pd.DataFrame:
    return pd.DataFrame([
        {**({"Moderator": r.moderator} if with_moderator else {}), "Case": r.case_reference, "Team": r.team,
         "Theme": r.theme, "First auditor": r.first_auditor, "Status": STATUS_WORDS[r.status],
         "Assigned on": r.assigned_on, "Sample": r.sample_label}
        for r in rows
    ])


def my_assignments_tab(mine: list[AssignmentRow], done_by_me: list[AssignmentRow]) -> None:
    """The user's moderations to grade or agree, and those they completed; each opens by choice."""
    if not mine:
        st.info("Nothing is waiting for you. Take an audit from the queue, or draw a sample.")
    else:
        st.dataframe(assignment_frame(mine), hide_index=True, width="stretch")
        labels = {r.moderation_id: f"{r.case_reference} · {r.team} · {r.theme} ({STATUS_WORDS[r.status]})" for r in mine}
        chosen = st.selectbox("Moderation to open", list(labels), format_func=labels.get, key="moderation_mine_open_choice")
        if st.button("Open moderation", type="primary", key="moderation_mine_open_button"):
            open_moderation(chosen)
            st.rerun()
    if done_by_me:
        with st.expander(f"Completed by you ({len(done_by_me)})"):
            st.dataframe(assignment_frame(done_by_me), hide_index=True, width="stretch")
            labels = {r.moderation_id: f"{r.case_reference} · {r.team} · {r.theme}" for r in done_by_me}
            chosen = st.selectbox("Completed moderation to open", list(labels), format_func=labels.get,
                                  key="moderation_mine_done_choice")
            if st.button("Open completed moderation", key="moderation_mine_done_button"):
                open_moderation(chosen)
                st.rerun()


def queue_tab(user, options: FilterOptions) -> None:
    """The filtered queue of unmoderated audits; assign one, or draw a reproducible sample."""
    scope = user.scope
    chosen = audit_filters(options, "moderation_queue", ("team", "theme", "auditor"), st.columns(3))
    f4, f5, f6 = st.columns(3)
    date_from = f4.date_input("Audited from", value=None, format="DD/MM/YYYY", key="moderation_queue_from")
    date_to = f5.date_input("Audited to", value=None, format="DD/MM/YYYY", key="moderation_queue_to")
    kind = f6.selectbox("Kind", list(KINDS), format_func=KINDS.get, key="moderation_queue_kind")
    filters = QueueFilter(chosen["team"], chosen["theme"], chosen["auditor"], date_from, date_to, kind or None)
    page = cached_queue(scope, filters)
    queue = page.rows
    st.caption(f"{counted(page.total, 'submitted audit')} not yet moderated."
               + (f" The newest {len(queue)} are listed; the filters narrow the list, and a sample is drawn from all "
                  f"{page.total}." if page.total > len(queue) else ""))
    if queue:
        st.dataframe(
            pd.DataFrame([{"Case": r.case_reference, "Team": r.team, "Theme": r.theme, "First auditor": r.first_auditor,
                           "Kind": r.kind, "Work date": r.work_date, "Audit date": r.audit_date} for r in queue]),
            hide_index=True, width="stretch", height=min(400, 38 + 35 * len(queue)),
        )
    moderator_names = dict(options.moderators)
    default_moderator = list(moderator_names).index(user.id) if user.id in moderator_names else None

    st.subheader("Assign one audit", anchor=False)
    if not queue or not moderator_names:
        st.caption("Nothing to assign with these filters.")
    else:
        a1, a2, a3 = st.columns([3, 2, 1], vertical_alignment="bottom")
        queued = {r.audit_id: f"{r.case_reference} · {r.team} · {r.theme} · by {r.first_auditor}" for r in queue}
        audit_id = a1.selectbox("Audit", list(queued), format_func=queued.get, key="moderation_assign_audit")
        moderator_id = a2.selectbox("Moderator", list(moderator_names), index=default_moderator,
                                    format_func=moderator_names.get, key="moderation_assign_moderator")
        if a3.button("Assign", key="moderation_assign_button"):
            try:
                with write_session() as w:
                    moderation_id = assign_one(w, scope, audit_id, moderator_id)
            except (ModerationError, PermissionError) as error:
                st.error(plain(str(error)))
            else:
                if moderator_id == user.id:
                    open_moderation(moderation_id)  # your own assignment opens at once, blind
                st.session_state[FLASH] = (f"Assigned {plain(queued[audit_id].split(' · ')[0])} to "
                                           f"{plain(moderator_names[moderator_id])}.")
                st.rerun()

    st.subheader("Draw a sample from this queue", anchor=False)
    st.caption("Random but reproducible: the same seed on the same queue draws the same audits. The seed is stored "
               "on every moderation of the sample. A moderator's own audits are never drawn for them.")
    with st.form("moderation_sample_form"):
        s1, s2, s3, s4 = st.columns(4)
        method = s1.radio("Method", list(SampleMethod), format_func=lambda m: m.label, key="moderation_sample_method")
        amount = s2.number_input("Percentage, or number per first auditor", min_value=1, max_value=100, value=10,
                                 key="moderation_sample_amount")
        sample_moderator = s3.selectbox("Moderator", list(moderator_names), index=default_moderator,
                                        format_func=moderator_names.get, key="moderation_sample_moderator")
        seed = s4.text_input("Seed", value=today().isoformat(), key="moderation_sample_seed")
        b1, b2 = st.columns(2)
        preview = b1.form_submit_button("Preview the sample")
        assign = b2.form_submit_button("Draw and assign", type="primary")
    if preview or assign:
        try:
            if sample_moderator is None:
                raise ModerationError("Choose the moderator.")
            with write_session() as w:
                result = draw(w, scope, filters=filters, method=SampleMethod(method), amount=int(amount), seed=seed,
                              moderator_id=sample_moderator, today=today(), assign=bool(assign))
        except (ModerationError, PermissionError) as error:
            st.error(plain(str(error)))
        else:
            left_out = (f" {result.own_audits_left_out} of the moderator's own audits left out."
                        if result.own_audits_left_out else "")
            if assign and result.audit_ids:
                st.session_state[FLASH] = (f"Assigned {counted(len(result.audit_ids), 'audit')} to "
                                           f"{plain(moderator_names[sample_moderator])} · {plain(result.label)}.{left_out}")
                st.rerun()
            st.markdown(f"**{counted(len(result.audit_ids), 'audit')} drawn** · {plain(result.label)}.{left_out}")
            if result.audit_ids:
                st.dataframe(
                    pd.DataFrame([{"Case": r.case_reference, "Team": r.team, "Theme": r.theme,
                                   "First auditor": r.first_auditor, "Audit date": r.audit_date}
                                  for r in result.rows]),
                    hide_index=True, width="stretch",
                )


def in_progress_tab(user, in_progress: list[AssignmentRow]) -> None:
    """Every moderation not yet completed, by moderator (no grades)."""
    if not in_progress:
        st.info("No moderation is in progress.")
    else:
        st.caption("Every moderation not yet completed, by moderator. Grades stay with the moderator until then.")
        st.dataframe(assignment_frame(in_progress, with_moderator=True), hide_index=True, width="stretch")
    if Role.ADMIN in user.roles and Role.AUDITOR not in user.roles:
        st.caption("Administrators organise moderation; auditors do the grading.")
