"""Moderation: the queue and reproducible samples, my assignments, blind grading, then the
side-by-side comparison, agreed grades and reflective feedback.

While a moderation is open (``?moderation=<id>``) nothing else is drawn, and until its
blind grades are in nothing of the first audit's judgement is loaded at all.
"""
from ui.guard import require

user = require("moderation")

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.authz import Role  # noqa: E402
from core.moderation import SampleMethod  # noqa: E402
from db.engine import write_session  # noqa: E402
from db.moderation.common import ModerationError  # noqa: E402
from db.moderation.grading import complete, load_blind, load_comparison, moderation_details, submit_blind  # noqa: E402
from db.moderation.queue import QueueFilter, assign_one, assignments, draw, filter_options, moderation_queue  # noqa: E402
from ui.moderation import (  # noqa: E402
    agreed_form,
    blind_form,
    case_details,
    open_moderation,
    open_moderation_id,
    show_comparison_table,
    side_by_side,
)
from ui.widgets import rag_badge, session, today  # noqa: E402
from ui.text import plain  # noqa: E402

FLASH = "moderation_flash"
STATUS_WORDS = {"assigned": "To grade, blind", "graded": "Graded: agree and give feedback", "completed": "Completed"}
KINDS = {"internal": "Internal audits (by managers)", "external": "External audits", "": "Both"}

scope = user.scope
st.title("Moderation")
if message := st.session_state.pop(FLASH, None):
    st.success(message)


def show_problems(error: ModerationError) -> None:
    for problem in error.problems:
        st.error(plain(problem))


# ------------------------------------------------------------------ one moderation open
open_id = open_moderation_id()
if open_id is not None:
    if st.button("Back to the moderation lists", icon=":material/arrow_back:"):
        open_moderation(None)
        st.rerun()
    with session() as s:
        try:
            details = moderation_details(s, scope, open_id)
            blind = comparison = None
            if details.status == "assigned" and details.moderator_id == user.id:
                blind = load_blind(s, scope, open_id)
            elif details.status != "assigned":
                comparison = load_comparison(s, scope, open_id)
        except ModerationError as error:
            st.info(plain(str(error)))
            st.stop()

    if blind is not None:
        st.subheader(f"Blind grading: {plain(details.case_reference)}")
        st.info("Grade every question and the overall judgement from the case record. The first auditor's grades "
                "and rationales open only after you submit yours.", icon=":material/visibility_off:")
        case_details(details)
        submitted, grades, rationales, overall, overall_rationale = blind_form(blind)
        if submitted:
            try:
                with write_session() as w:
                    submit_blind(w, scope, open_id, grades=grades, rationales=rationales, overall=overall,
                                 overall_rationale=overall_rationale)
            except ModerationError as error:
                show_problems(error)
            else:
                st.session_state[FLASH] = "Your blind grades are saved. Here is the comparison."
                st.rerun()
        st.stop()

    if comparison is None:
        st.subheader(f"Moderation of {plain(details.case_reference)}")
        case_details(details)
        st.info(f"Waiting for {plain(details.moderator)}'s blind grades. The comparison opens once they are in.")
        st.stop()

    st.subheader(f"Comparison: {plain(details.case_reference)}")
    case_details(details)
    n = len(comparison.lines)
    largest = max((line.size for line in comparison.lines), default=0)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Questions in agreement", f"{n - comparison.disagreements} of {n}")
    c2.metric("Disagreements", comparison.disagreements)
    c3.metric("Largest disagreement", f"{largest} grade{'s' if largest != 1 else ''}")
    difference = comparison.overall_difference
    c4.metric("Overall: first minus moderator", "-" if difference is None else f"{difference:+d}")
    st.markdown(
        f"**Overall judgement.** First: {rag_badge(comparison.first_overall)} · "
        f"Moderator: {rag_badge(comparison.moderator_overall)}"
        + (f" · Agreed: {rag_badge(comparison.agreed_overall)}" if comparison.agreed_overall is not None else "")
    )
    left, right = st.columns(2)
    with left:
        st.caption("First auditor's overall rationale")
        st.text(comparison.first_overall_rationale or "-")
    with right:
        st.caption(f"{plain(comparison.moderator)}'s overall rationale")
        st.text(comparison.moderator_overall_rationale or "-")
    show_comparison_table(comparison)

    if details.status == "graded" and details.moderator_id == user.id:
        st.subheader("Agreed grades and reflective feedback")
        submitted, agreed, agreed_overall, feedback = agreed_form(comparison)
        if submitted:
            try:
                with write_session() as w:
                    complete(w, scope, open_id, agreed=agreed, agreed_overall=agreed_overall, feedback=feedback)
            except ModerationError as error:
                show_problems(error)
            else:
                st.session_state[FLASH] = "Agreed grades and feedback recorded: reporting now uses the agreed grades."
                st.rerun()
    elif details.status == "completed":
        st.subheader("Question by question")
        side_by_side(comparison, editable=False)
        st.subheader("Reflective feedback")
        with st.container(border=True):
            st.text(comparison.feedback)
        if comparison.acknowledged_at:
            st.caption(f"Acknowledged by {plain(comparison.acknowledged_by)} on {comparison.acknowledged_at:%d %b %Y}.")
        else:
            st.caption("Not yet acknowledged by the first auditor or their manager.")
    else:
        st.info(f"{plain(details.moderator)} is recording the agreed grades and feedback.")
        side_by_side(comparison, editable=False)
    st.stop()


# ------------------------------------------------------------------ the lists
def assignment_frame(rows, *, with_moderator: bool = False) -> pd.DataFrame:
    return pd.DataFrame([
        {**({"Moderator": r.moderator} if with_moderator else {}), "Case": r.case_reference, "Team": r.team,
         "Theme": r.theme, "First auditor": r.first_auditor, "Status": STATUS_WORDS[r.status],
         "Assigned on": r.assigned_on, "Sample": r.sample_label}
        for r in rows
    ])


mine_tab, queue_tab, progress_tab = st.tabs(["My assignments", "Queue and sampling", "All in progress"])
with session() as s:
    options = filter_options(s, scope)
    mine = assignments(s, scope, moderator_id=user.id, statuses=("assigned", "graded"))
    done_by_me = assignments(s, scope, moderator_id=user.id, statuses=("completed",))
    in_progress = assignments(s, scope, statuses=("assigned", "graded"))

with mine_tab:
    if not mine:
        st.info("Nothing is waiting for you. Take an audit from the queue, or draw a sample.")
    else:
        st.dataframe(assignment_frame(mine), hide_index=True, width="stretch")
        labels = {r.moderation_id: f"{r.case_reference} · {r.team} · {r.theme} ({STATUS_WORDS[r.status]})" for r in mine}
        chosen = st.selectbox("Moderation to open", list(labels), format_func=labels.get, key="open_choice")
        if st.button("Open moderation", type="primary", key="open_button"):
            open_moderation(chosen)
            st.rerun()
    if done_by_me:
        with st.expander(f"Completed by you ({len(done_by_me)})"):
            st.dataframe(assignment_frame(done_by_me), hide_index=True, width="stretch")
            labels = {r.moderation_id: f"{r.case_reference} · {r.team} · {r.theme}" for r in done_by_me}
            chosen = st.selectbox("Completed moderation to open", list(labels), format_func=labels.get,
                                  key="open_done_choice")
            if st.button("Open completed moderation", key="open_done_button"):
                open_moderation(chosen)
                st.rerun()

with queue_tab:
    teams, themes, auditors = dict(options.teams), dict(options.themes), dict(options.first_auditors)
    f1, f2, f3 = st.columns(3)
    team_ids = f1.multiselect("Team", list(teams), format_func=teams.get, key="queue_teams")
    theme_ids = f2.multiselect("Theme", list(themes), format_func=themes.get, key="queue_themes")
    auditor_ids = f3.multiselect("First auditor", list(auditors), format_func=auditors.get, key="queue_auditors")
    f4, f5, f6 = st.columns(3)
    date_from = f4.date_input("Audited from", value=None, key="queue_from")
    date_to = f5.date_input("Audited to", value=None, key="queue_to")
    kind = f6.selectbox("Kind", list(KINDS), format_func=KINDS.get, key="queue_kind")
    filters = QueueFilter(tuple(team_ids), tuple(theme_ids), tuple(auditor_ids), date_from, date_to, kind or None)
    with session() as s:
        queue = moderation_queue(s, scope, filters)
    st.caption(f"{len(queue)} submitted audit(s) not yet moderated.")
    if queue:
        st.dataframe(
            pd.DataFrame([{"Case": r.case_reference, "Team": r.team, "Theme": r.theme, "First auditor": r.first_auditor,
                           "Kind": r.kind, "Work date": r.work_date, "Audit date": r.audit_date} for r in queue]),
            hide_index=True, width="stretch", height=min(400, 38 + 35 * len(queue)),
        )
    moderator_names = dict(options.moderators)
    default_moderator = list(moderator_names).index(user.id) if user.id in moderator_names else None

    st.subheader("Assign one audit")
    if not queue or not moderator_names:
        st.caption("Nothing to assign with these filters.")
    else:
        a1, a2, a3 = st.columns([3, 2, 1], vertical_alignment="bottom")
        queued = {r.audit_id: f"{r.case_reference} · {r.team} · {r.theme} · by {r.first_auditor}" for r in queue}
        audit_id = a1.selectbox("Audit", list(queued), format_func=queued.get, key="assign_audit")
        moderator_id = a2.selectbox("Moderator", list(moderator_names), index=default_moderator,
                                    format_func=moderator_names.get, key="assign_moderator")
        if a3.button("Assign", key="assign_button"):
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

    st.subheader("Draw a sample from this queue")
    st.caption("Random but reproducible: the same seed on the same queue draws the same audits. The seed is stored "
               "on every moderation of the sample. A moderator's own audits are never drawn for them.")
    with st.form("sample"):
        s1, s2, s3, s4 = st.columns(4)
        method = s1.radio("Method", list(SampleMethod), format_func=lambda m: m.label, key="sample_method")
        amount = s2.number_input("Percentage, or number per first auditor", min_value=1, max_value=100, value=10,
                                 key="sample_amount")
        sample_moderator = s3.selectbox("Moderator", list(moderator_names), index=default_moderator,
                                        format_func=moderator_names.get, key="sample_moderator")
        seed = s4.text_input("Seed", value=today().isoformat(), key="sample_seed")
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
            by_id = {r.audit_id: r for r in queue}
            left_out = (f" {result.own_audits_left_out} of the moderator's own audit(s) left out."
                        if result.own_audits_left_out else "")
            if assign and result.audit_ids:
                st.session_state[FLASH] = (f"Assigned {len(result.audit_ids)} audit(s) to "
                                           f"{plain(moderator_names[sample_moderator])} · {plain(result.label)}.{left_out}")
                st.rerun()
            st.markdown(f"**{len(result.audit_ids)} audit(s) drawn** · {plain(result.label)}.{left_out}")
            if result.audit_ids:
                st.dataframe(
                    pd.DataFrame([{"Case": by_id[i].case_reference, "Team": by_id[i].team, "Theme": by_id[i].theme,
                                   "First auditor": by_id[i].first_auditor, "Audit date": by_id[i].audit_date}
                                  for i in result.audit_ids]),
                    hide_index=True, width="stretch",
                )

with progress_tab:
    if not in_progress:
        st.info("No moderation is in progress.")
    else:
        st.caption("Every moderation not yet completed, by moderator. Grades stay with the moderator until then.")
        st.dataframe(assignment_frame(in_progress, with_moderator=True), hide_index=True, width="stretch")
    if Role.ADMIN in user.roles and Role.AUDITOR not in user.roles:
        st.caption("Administrators organise moderation; auditors do the grading.")
