"""The bottom of the audit form: the list of problems, the outcome of the last save, the save
buttons, and the conflict view (keep mine or take theirs) after someone else saved first."""
from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from core.audit_rules import QuestionRule, differences
from core.authz import Scope
from db.audits.choices import CaseChoice
from db.audits.saving import SaveResult
from db.users import SignedInUser
from ui.audit_form.autosave import autosave_seconds, autosave_status
from ui.audit_form.reads import memo_practitioners
from ui.audit_form.saving import save_form
from ui.audit_form.state import CURRENT, FormState, fingerprint, start_new_audit, values_from
from ui.audit_form.view import audit_link
from ui.text import plain


def field_label(name: str, questions: list[QuestionRule]) -> str:
    by_id = {q.id: q for q in questions}
    if name.startswith("q") and "." in name and name[1:].split(".")[0].isdigit():
        number, part = name[1:].split(".")
        q = by_id.get(int(number))
        return f"Question {q.position if q else number}: {'grade' if part == 'grade' else 'rationale'}"
    if name.startswith("action"):
        number, part = name[len("action"):].split(".")
        return f"Action {int(number) + 1}: {dict(owner='owner', due_on='due date').get(part, 'description')}"
    return {
        "case": "Case", "theme": "Theme", "work_date": "Date of the work", "audit_date": "Audit date",
        "lived_experience": "Lived experience", "overall_grade": "Overall grade",
        "overall_rationale": "Overall rationale", "impact_for_child": "Difference made for the child",
        "limiting_override_reason": "Override reason", "safeguarding_action": "What was done",
        "safeguarding_told": "Who was told", "no_action_reason": "Reason for no action",
    }.get(name, name)


def _save(scope: Scope, action: str, questions: list[QuestionRule]) -> None:
    """Callback of the save buttons (the outcome is kept for the next run to show)."""
    save_form(scope, action, questions)


def _keep_mine(scope: Scope, questions: list[QuestionRule]) -> None:
    state = FormState(st.session_state[CURRENT])
    conflict = state.data.pop("conflict")
    theirs = conflict["result"]
    state.meta["version"] = theirs.their_version
    state.meta["status"] = theirs.their_status
    action = "amend" if theirs.their_status == "submitted" else conflict["action"]
    _save(scope, action, questions)
    result = state.data.get("result")
    if result is not None and result.outcome == "refused":
        state.data["conflict"] = conflict  # not saved: the choice stays on offer, with both versions


def _take_theirs(questions: list[QuestionRule]) -> None:
    state = FormState(st.session_state[CURRENT])
    theirs = state.data.pop("conflict")["result"]
    values, rows = values_from(theirs.theirs, questions)
    data = dict(state.data)
    data.update(values=values, actions=rows, next_row=len(rows) + 1, saved=fingerprint(values, rows),
                show_problems=False, result=None, conflict=None)
    data["meta"] = dict(state.meta, version=theirs.their_version, status=theirs.their_status)
    state.replace_with(data)


def conflict_view(user: SignedInUser, state: FormState, case: CaseChoice,
                  questions: list[QuestionRule]) -> None:
    conflict = state.data.get("conflict")
    if not conflict:
        return
    result: SaveResult = conflict["result"]
    when = ""
    if result.saved_at:
        saved_at = result.saved_at if result.saved_at.tzinfo else result.saved_at.replace(tzinfo=timezone.utc)
        when = f" at {saved_at.astimezone(ZoneInfo('Europe/London')):%H:%M on %d %b}"  # the council's clock
    st.warning(f"**Not saved: this audit was saved by {plain(result.saved_by or 'someone else')}{when}, after you opened "
               f"it.** Nothing you typed is lost. Compare the two versions below, then keep yours (you can first "
               f"edit the form to merge in anything from theirs) or take theirs.", icon=":material/sync_problem:")
    owners = {p.id: p.name for p in memo_practitioners(case.team_id)}
    rows = differences(state.collect(questions), result.theirs, questions, owners)
    if rows:
        st.dataframe(pd.DataFrame([{"Field": d.label, "Saved version": d.theirs, "Yours (not saved)": d.mine}
                                   for d in rows]), hide_index=True, width="stretch")
    else:
        st.caption("The saved version and yours say the same.")
    keep, take = st.columns(2)
    keep.button("Keep mine: save it over the saved version", key="audit_entry_conflict_keep_mine", type="primary",
                on_click=_keep_mine, args=(user.scope, questions))
    take.button("Take the saved version (discard mine)", key="audit_entry_conflict_take_theirs", on_click=_take_theirs,
                args=(questions,))


def save_buttons(user: SignedInUser, state: FormState, case: CaseChoice, questions: list[QuestionRule],
                 problems: dict[str, list[str]]) -> None:
    st.divider()
    conflict_view(user, state, case, questions)
    result: SaveResult | None = state.data.get("result")
    if state.data.get("show_problems"):
        if problems:
            count = sum(len(v) for v in problems.values())
            st.error(f"**{count} thing{'s' if count != 1 else ''} to put right before this audit can be submitted** "
                     "(each is marked next to its field; nothing you typed is lost):", icon=":material/rule:")
            st.markdown("\n".join(f"- {field_label(name, questions)}: {message}"
                                  for name, messages in problems.items() for message in messages))
        else:
            st.info("Every rule is met: the audit is ready to submit.", icon=":material/check_circle:")
    elif result is not None and result.outcome == "refused":
        st.error(result.message)
    elif result is not None and result.ok:
        st.success(result.message + (" It now appears in My audits and the programme's figures."
                                     if result.status == "submitted" else " Resume it any time from My audits."),
                   icon=":material/check:")
        audit_link(result.audit_id, "View the audit", icon=":material/description:")
    if state.submitted:
        st.caption("A submitted audit can be amended by its author until it is moderated: change anything "
                   "above and save the amendment. Every change is in the audit's trail.")
        st.button("Save amendment", key="audit_entry_save_amend", type="primary", on_click=_save,
                  args=(user.scope, "amend", questions))
    else:
        draft, send = st.columns(2)
        draft.button("Save draft", key="audit_entry_save_draft", icon=":material/save:", on_click=_save,
                     args=(user.scope, "draft", questions), width="stretch")
        send.button("Submit audit", key="audit_entry_save_submit", type="primary", icon=":material/send:", on_click=_save,
                    args=(user.scope, "submit", questions), width="stretch")
    autosave_status(state)
    if state.dirty():
        st.caption("Unsaved changes: the draft is saved automatically as you move from one part of the form to "
                   f"the next, or {autosave_seconds():.0f} seconds after a change; Save draft saves it now.")
    st.button("Start another audit", key="audit_entry_start_another", on_click=start_new_audit)


def clear_result(state: FormState) -> None:
    """A saved/refused message belongs to the run after the click only."""
    result = state.data.get("result")
    if result is not None and result.outcome != "invalid":
        state.data["result"] = None
