"""The remedial-action rows of the audit form: add, edit, remove (until someone acts on one)."""
from __future__ import annotations

import streamlit as st

from core.audit_rules import QuestionRule, needs_no_action_reason
from core.workdays import default_due_date
from db.audits.choices import CaseChoice
from ui import widgets
from ui.audit_form.reads import memo_practitioners
from ui.audit_form.state import CURRENT, FormState, action_key, show_messages
from ui.text import plain


def _add_action(case_practitioner_id: int | None) -> None:
    state = FormState(st.session_state[CURRENT])
    state.sync()
    audit_date = state.get("audit_date") or widgets.today()
    due = default_due_date(audit_date)
    number = state.data["next_row"]
    state.data["next_row"] = number + 1
    state.rows.append({"row": number, "action_id": None, "status": "open", "description": "",
                       "owner_id": case_practitioner_id, "due_on": due, "due_default": due})


def _remove_action(number: int) -> None:
    state = FormState(st.session_state[CURRENT])
    state.sync()
    state.data["actions"] = [r for r in state.rows if r["row"] != number]
    for part in ("description", "owner_id", "due_on"):
        st.session_state.pop(action_key(number, part), None)


def actions_section(state: FormState, case: CaseChoice, questions: list[QuestionRule],
                    problems: dict[str, list[str]]) -> None:
    st.header("Remedial actions", anchor=False)
    st.caption("Specific fixes on this case. The owner defaults to the allocated practitioner; the due date to 5 "
               "working days after the audit date (weekends and England and Wales bank holidays skipped).")
    owners = {p.id: p.name for p in memo_practitioners(case.team_id)}
    audit_date = state.get("audit_date") or widgets.today()
    default_due = default_due_date(audit_date)
    for index, row in enumerate(state.rows):
        if row["status"] != "open":
            st.markdown(f"**Action {index + 1}** · {row['status']} · due {row['due_on']:%d/%m/%Y} · "
                        f"owner: {plain(owners.get(row['owner_id'], 'not in this team'))}")
            st.text(row["description"])
            continue
        # A due date still at its default follows the audit date when that changes.
        due_key = action_key(row["row"], "due_on")
        if row.get("due_default") and st.session_state.get(due_key, row["due_on"]) == row["due_default"] \
                and row["due_default"] != default_due:
            row["due_on"] = row["due_default"] = default_due
            st.session_state[due_key] = default_due
        with st.container(border=True, key=f"audit_entry_action_{row['row']}"):
            # Wide enough at 1366 px for the whole date (dd/mm/yyyy) and the Remove button's icon and label.
            text, owner, due, remove = st.columns([5.5, 3, 2.5, 2], vertical_alignment="bottom")
            text.text_input(f"Action {index + 1}", key=state.bind_action(row, "description"),
                            placeholder="e.g. See the child alone and record their words")
            choices = list(owners) + ([row["owner_id"]] if row["owner_id"] and row["owner_id"] not in owners else [])
            owner.selectbox("Owner", choices, key=state.bind_action(row, "owner_id", choices), index=None,
                            format_func=lambda p: owners.get(p, "a practitioner of another team"),
                            placeholder="Choose the owner")
            due.date_input("Due", key=state.bind_action(row, "due_on"), format="DD/MM/YYYY")
            remove.button("Remove", key=f"audit_entry_action_remove_{row['row']}", icon=":material/delete:",
                          on_click=_remove_action, args=(row["row"],), width="stretch")
            for part in ("description", "owner", "due_on"):
                show_messages(problems, f"action{index}.{part}")
    st.button("Add an action", key="audit_entry_action_add", icon=":material/add:", on_click=_add_action,
              args=(case.practitioner_id,))
    form = state.collect(questions)
    if needs_no_action_reason(form) or state.get("no_action_reason"):
        st.text_area("Reason for raising no remedial action", key=state.bind("no_action_reason", ""), height=68,
                     help="A Red (Inadequate) audit with no remedial action needs the reason.")
    show_messages(problems, "no_action_reason")
