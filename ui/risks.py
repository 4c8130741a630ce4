"""The Risks and issues page's three tabs: the log, the suggested agenda and a new entry.

The page file only guards and lays out the tabs; what each tab reads, draws and
writes is here. Rules live in ``core.risks`` and ``core.agenda``, reads and writes in
``db.risks`` and ``db.queries.agenda``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from core.agenda import RULES, AgendaWeek, agenda_sections, default_agenda_week, fmt
from core.risks import SEVERITIES, STATUSES, RiskDraft, next_review
from db.engine import write_session
from db.queries.agenda import AgendaError, turn_into_entries
from db.risks import RiskConflict, RiskError, create_risk, risk_log, update_many
from db.users import SignedInUser
from ui.flash import flash
from ui.meetings import (
    agenda_for, agenda_weeks, choices_for, editor_edits, editor_state, generation, md_escape, next_generation,
    programme_dates, show_problems, week_label,
)
from ui.widgets import session

SEVERITY_BADGES = {"high": ":red-badge[High]", "medium": ":orange-badge[Medium]", "low": ":blue-badge[Low]"}
AGENDA_ITEMS_PER_RULE = 10  # what one weekly meeting can discuss under one heading


@dataclass(frozen=True)
class RiskContext:
    """What every tab of the page needs, read once per run."""

    user: SignedInUser
    today: date
    teams: dict[int, str]
    practitioners: dict[int, str]
    people: dict[int, str]
    programme_start: date | None

    @property
    def default_owner_index(self) -> int:
        return list(self.people).index(self.user.id) if self.user.id in self.people else 0


def risk_context(user: SignedInUser, today: date) -> RiskContext:
    choices = choices_for(user.scope)
    programme_start, _ = programme_dates()
    return RiskContext(user, today, choices.teams, choices.practitioners, choices.people, programme_start)


# ------------------------------------------------------------------ the log
def log_tab(ctx: RiskContext) -> None:
    scope, today, teams, people = ctx.user.scope, ctx.today, ctx.teams, ctx.people
    f1, f2, f3 = st.columns(3)
    f4, f5 = st.columns([3, 1], vertical_alignment="bottom")
    statuses = f1.multiselect("Status", list(STATUSES), default=["open", "monitoring"], format_func=STATUSES.get,
                              key="risks_log_status", placeholder="Any status")
    severities = f2.multiselect("Severity", list(SEVERITIES), format_func=SEVERITIES.get, key="risks_log_severity",
                                placeholder="Any severity")
    team = f3.selectbox("Team", [None, *teams], format_func=lambda t: "All teams" if t is None else teams[t],
                        key="risks_log_team")
    search = f4.text_input("Search descriptions", key="risks_log_search", placeholder="Words in the description")
    due_only = f5.toggle("Due for review only", key="risks_log_due", help=f"Review date on or before {fmt(today)}.")

    def fetch():
        with session() as s:
            return risk_log(s, scope, statuses=statuses, severities=severities, team_id=team,
                            review_due_by=today if due_only else None, search=search)

    editor = editor_state(repr((statuses, severities, team, due_only, search.strip().lower())), fetch)
    rows = editor.rows
    if editor.discarded:
        st.info("The filters changed, so your unsaved changes to the table were discarded.")
    m1, m2, m3 = st.columns(3)
    m1.metric("Entries shown", len(rows))
    m2.metric("Due for review", sum(r.review_due(today) for r in rows),
              help=f"Open or monitored, review on or before {fmt(today)}")
    m3.metric("High severity, not closed", sum(r.severity == "high" and r.status != "closed" for r in rows))
    if not rows:
        st.info("No entries match these filters.")
        return
    frame = pd.DataFrame([
        {
            "#": r.id,
            "Team": r.team or "",
            "Practitioner": r.practitioner or "",
            "Severity": SEVERITIES.get(r.severity, r.severity),
            "Status": STATUSES.get(r.status, r.status),
            "Review on": r.review_on,
            "Owner": people.get(r.owner_id, r.owner or "") if r.owner_id else "",
            "Description": r.description,
            "Raised": r.raised_on,
            "Suggested by": RULES.get(r.source, r.source),
            "Meeting": r.meeting_held_on,
        }
        for r in rows
    ])
    st.caption("Change severity, status, review date or owner in the table, then save. Other columns are read-only.")
    st.data_editor(
        frame,
        key=editor.key,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        disabled=["#", "Raised", "Team", "Practitioner", "Description", "Suggested by", "Meeting"],
        column_config={
            "#": st.column_config.NumberColumn(width="small", format="%d"),
            "Raised": st.column_config.DateColumn(format="DD/MM/YYYY"),
            "Description": st.column_config.TextColumn(width="large"),
            "Severity": st.column_config.SelectboxColumn(options=list(SEVERITIES.values()), required=True),
            "Status": st.column_config.SelectboxColumn(options=list(STATUSES.values()), required=True),
            "Review on": st.column_config.DateColumn(format="DD/MM/YYYY"),
            "Owner": st.column_config.SelectboxColumn(options=list(people.values())),
            "Meeting": st.column_config.DateColumn(format="DD/MM/YYYY"),
        },
    )
    edits = editor_edits((st.session_state.get(editor.key) or {}).get("edited_rows"), rows, people)
    if not edits:
        return
    save, discard, _ = st.columns([2, 2, 4])
    label = f"Save changes to {len(edits)} entr{'y' if len(edits) == 1 else 'ies'}"
    if save.button(label, type="primary", icon=":material/save:", key="risks_log_save"):
        try:
            with write_session() as w:
                changed = update_many(w, scope, edits, today)
        except RiskConflict as error:
            show_problems(error.problems + ["Discard your changes to load the log as it is now."])
        except RiskError as error:
            show_problems(error.problems)
        else:
            flash("risks", "Saved changes to " + ", ".join(f"#{i}" for i in changed) + ".")
            next_generation("risks_log")
            st.rerun()
    if discard.button("Discard my changes", key="risks_log_discard"):
        next_generation("risks_log")
        st.rerun()


# ------------------------------------------------------------------ the suggested agenda
def agenda_tab(ctx: RiskContext) -> None:
    scope, today, people = ctx.user.scope, ctx.today, ctx.people
    weeks = agenda_weeks(today, ctx.programme_start)
    default = default_agenda_week(today)
    week = st.selectbox(
        "Week to review", weeks, index=weeks.index(default) if default in weeks else 0,
        format_func=lambda d: week_label(d, today, ctx.programme_start), key="risks_agenda_week",
    )
    as_of = AgendaWeek(week, today).as_of
    items = agenda_for(scope, week, today)
    st.caption(
        f"Drafted from the data on {fmt(as_of)}. Red means Inadequate overall, using the moderated grade where an "
        "audit was moderated; a practitioner's Red audits are counted over the four weeks ending with this week. "
        "Tick what the meeting discusses: each ticked item becomes an entry of the log, linked to this week's "
        "risks-and-issues meeting. An item already open in the log gets a new review date instead of a duplicate."
    )
    if not items:
        st.success("Nothing for the agenda this week: no rule found anything to discuss.")
        return
    g = generation("risks_agenda")
    sections = agenda_sections(items, AGENDA_ITEMS_PER_RULE)
    shown = [item for section in sections for item in section.shown]
    with st.form(f"risks_agenda_form_{g}"):
        for section in sections:
            if not section.shown:
                continue
            st.markdown(f"##### {section.heading} ({section.found})")
            for item in section.shown:
                st.checkbox(md_escape(item.title), key=f"risks_agenda_item_{g}_{week}_{item.key}")
                note = SEVERITY_BADGES.get(item.severity, "") + " " + md_escape(item.reason)
                if item.existing_risk_id is not None and item.rule != "risk_review":
                    note += f" Already in the log as #{item.existing_risk_id}: ticking sets its next review."
                st.markdown(note)  # not a caption: a caption fades the badge to 2.85:1
            if section.not_shown:
                st.caption(f"{section.not_shown} more found by this rule, less serious than those above: "
                           "deal with these first, or add the others to the log by hand.")
        empty = [section.heading for section in sections if not section.found]
        if empty:
            st.caption("Nothing this week for: " + "; ".join(empty) + ".")
        st.divider()
        c1, c2, c3 = st.columns(3)
        meeting_on = c1.date_input("Meeting held on", value=today, min_value=week, max_value=today,
                                   format="DD/MM/YYYY", key=f"risks_agenda_meeting_on_{g}")
        review_on = c2.date_input("Next review", value=None, format="DD/MM/YYYY", key=f"risks_agenda_review_on_{g}",
                                  help="Leave empty for a week after the meeting.")
        agenda_owner = c3.selectbox("Owner of new entries", list(people), format_func=people.get,
                                    index=ctx.default_owner_index, key=f"risks_agenda_owner_{g}")
        submitted = st.form_submit_button("Add ticked items to the log", type="primary",
                                          icon=":material/playlist_add:")
    if not submitted:
        return
    keys = [item.key for item in shown if st.session_state.get(f"risks_agenda_item_{g}_{week}_{item.key}")]
    try:
        with write_session() as w:
            outcome = turn_into_entries(
                w, scope, week_start=week, today=today, keys=keys, meeting_on=meeting_on,
                review_on=review_on or next_review(meeting_on), owner_id=agenda_owner,
            )
    except (AgendaError, RiskError) as error:
        show_problems(error.problems)
        return
    parts = []
    if outcome.created:
        parts.append(f"added {len(outcome.created)} entr{'y' if len(outcome.created) == 1 else 'ies'} "
                     f"({', '.join(f'#{i}' for i in outcome.created)})")
    if outcome.reviewed:
        parts.append("set the next review of " + ", ".join(f"#{i}" for i in outcome.reviewed))
    meeting = "recorded the risks-and-issues meeting" if outcome.meeting_created else "linked to the meeting"
    flash("risks", f"Done: {' and '.join(parts)}; {meeting} of {meeting_on:%d/%m/%Y}. See the Log tab.")
    next_generation("risks_agenda")
    st.rerun()


# ------------------------------------------------------------------ add an entry by hand
def add_tab(ctx: RiskContext) -> None:
    scope, today, teams, practitioners, people = (ctx.user.scope, ctx.today, ctx.teams, ctx.practitioners,
                                                  ctx.people)
    g = generation("risks_add")
    with st.form(f"risks_add_form_{g}"):
        c1, c2 = st.columns(2)
        new_team = c1.selectbox("Team", [None, *teams], format_func=lambda t: "Choose a team" if t is None else teams[t],
                                key=f"risks_add_team_{g}")
        new_practitioner = c2.selectbox(
            "Practitioner (optional)", [None, *practitioners],
            format_func=lambda p: "None: the entry is about the team" if p is None else practitioners[p],
            key=f"risks_add_practitioner_{g}",
        )
        description = st.text_area("Description", key=f"risks_add_description_{g}", max_chars=2000,
                                   help="No children's names, dates of birth or addresses: use case references.")
        c1, c2, c3 = st.columns(3)
        severity = c1.selectbox("Severity", list(SEVERITIES), index=1, format_func=SEVERITIES.get,
                                key=f"risks_add_severity_{g}")
        new_owner = c2.selectbox("Owner", list(people), format_func=people.get, key=f"risks_add_owner_{g}",
                                 index=ctx.default_owner_index)
        review = c3.date_input("Review on", value=next_review(today), min_value=today, format="DD/MM/YYYY",
                               key=f"risks_add_review_{g}")
        add = st.form_submit_button("Add to the log", type="primary", icon=":material/add:")
    if not add:
        return
    draft = RiskDraft(description=description, severity=severity, raised_on=today, review_on=review,
                      team_id=new_team, practitioner_id=new_practitioner, owner_id=new_owner)
    try:
        with write_session() as w:
            risk = create_risk(w, scope, draft, today)
    except RiskError as error:
        show_problems(error.problems)
    else:
        flash("risks", f"Added entry #{risk.id} to the log.")
        next_generation("risks_add")
        st.rerun()
