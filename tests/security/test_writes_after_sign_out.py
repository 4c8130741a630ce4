"""Issue 14, point 1: a click that writes is checked, in the same rerun and before writing,
against the session: still signed in, not idle, the account active and not signed out
elsewhere, and still holding a role that opens the page. A refused write writes nothing,
says why, and keeps what was typed: the same click after signing in again saves it.

Every write button of the app is in WRITES below (written out by hand from the pages; a
new write button belongs here too). Callbacks (``on_click``) run before the page's guard,
which is how a Save after the idle sign-out used to write.

The check is one function that ``db.engine.write_session`` calls for every write, so the fast tier
runs it once per kind of click (a callback, a download built when clicked, a button read in the page's
script) and once per way the session ends; the full run and CI run every button and every pair."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import pytest
from sqlmodel import Session, col, func, select

from db.moderation import grading as mg
from db.moderation import queue as mq
from core.authz import Role
from db.admin_teams import set_practitioner_active, set_team_active
from db.engine import get_engine, write_session
from db.models import Event, Practitioner, Team, UserRole
from db.users import get_user, load_signed_in
from tests.app.conftest import download_file, page_test, sign_in, texts
from tests.app.test_audit_entry import a_case, complete_red_audit, start
from tests.app.test_moderation import assigned_manager_audit, fill_blind
from tests.conftest import DEMO_TODAY, matrix
from tests.writes import one_action
from ui.auth import LAST_ACTIVITY, SIGNED_IN_AT
from ui.guard import ExportRefused

# Bookkeeping of signing in and of refusals: not a write the refused click made.
SIGN_IN_BOOKKEEPING = ("login.success", "login.failure", "login.delayed", "page.refused", "export.refused", "logout")

def pick(at, action_id: int):
    """Open one action by its link (?action=<id>), as an audit's page does: it opens wherever the action
    falls in the paged list (the page re-reads it through the user's scope)."""
    at.query_params["action"] = str(action_id)
    return at.run()



def written(app_db) -> int:
    """Events of changes, views and exports (every write of the app logs one)."""
    with Session(get_engine(app_db)) as s:
        return s.exec(select(func.count()).select_from(Event).where(col(Event.action).not_in(SIGN_IN_BOOKKEEPING))).one()


def label(at, text: str):
    return next(b for b in at.button if b.label == text)


def download(at, text: str):
    return next(b for b in at.get("download_button") if b.proto.label == text)


def take(text: str) -> Callable:
    """The click on a download built when clicked: the browser asks for the file, the server builds
    it (and logs the export) outside any run of the page; a refused file is not downloaded."""

    def click(at) -> None:
        try:
            download_file(at, text)
        except ExportRefused:
            pass

    click.built_on_click = True
    return click


def ids(app_db, model, **where):
    with Session(get_engine(app_db)) as s:
        statement = select(model.id)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return list(s.exec(statement))


# ------------------------------------------------------------------ what spoils the session
def go_idle(at, app_db, username):
    past = datetime.now(timezone.utc) - timedelta(minutes=31)  # idle limit 30
    at.session_state[LAST_ACTIVITY] = past
    with write_session(get_engine(app_db)) as s:
        get_user(s, username).last_seen_at = past


def deactivate(at, app_db, username):
    with write_session(get_engine(app_db)) as s:
        get_user(s, username).active = False


def sign_out_elsewhere(at, app_db, username):
    with write_session(get_engine(app_db)) as s:
        get_user(s, username).sessions_valid_after = datetime.now(timezone.utc)


def lose_the_roles(at, app_db, username):
    with write_session(get_engine(app_db)) as s:
        user = get_user(s, username)
        for row in s.exec(select(UserRole).where(UserRole.user_id == user.id)):
            s.delete(row)
        s.add(UserRole(user_id=user.id, role=Role.SPONSOR.value))


def restore(app_db, username, roles):
    with write_session(get_engine(app_db)) as s:
        user = get_user(s, username)
        user.active, user.sessions_valid_after, user.last_seen_at = True, None, datetime.now(timezone.utc)
        for row in s.exec(select(UserRole).where(UserRole.user_id == user.id)):
            s.delete(row)
        s.flush()
        for role in roles:
            s.add(UserRole(user_id=user.id, role=role))


# ------------------------------------------------------------------ every write button
@dataclass(frozen=True)
class Write:
    name: str
    page: str
    username: str
    prepare: Callable  # (at, app_db) -> None: the page is ready, the input typed
    click: Callable  # (at) -> None
    query: dict | None = None


def _entry_ready(at, app_db):
    start(at, app_db, a_case(app_db, "auditor", "external", "Neglect and Long-term"))
    at.text_area(key="audit_entry_form_overall_rationale").input("Typed before the break.").run()


def _entry_complete(at, app_db):
    complete_red_audit(at, start(at, app_db, a_case(app_db, "auditor", "external", "Neglect and Long-term")))
    at.text_area(key="audit_entry_form_overall_rationale").input("Typed before the break.").run()


def _entry_submitted(at, app_db):
    _entry_complete(at, app_db)
    at.button(key="audit_entry_save_submit").click().run()
    at.button(key="audit_entry_confirmation_amend").click().run()  # the confirmation offers amending
    at.text_area(key="audit_entry_form_overall_rationale").input("Amended before the break.").run()


def _entry_conflict(at, app_db):
    first = page_test("pages/audit_entry.py", "auditor")
    start(first, app_db, a_case(app_db, "auditor", "external", "Neglect and Long-term"))
    first.text_area(key="audit_entry_form_overall_rationale").input("Started.")
    first.button(key="audit_entry_save_draft").click().run()
    at.query_params["audit"] = first.query_params["audit"]
    at.run()
    first.text_area(key="audit_entry_form_overall_rationale").input("Saved in another tab.")
    first.button(key="audit_entry_save_draft").click().run()
    at.text_area(key="audit_entry_form_overall_rationale").input("Typed before the break.")
    at.button(key="audit_entry_save_draft").click().run()
    assert at.button(key="audit_entry_conflict_keep_mine")


def _new_case(at, app_db):
    with Session(get_engine(app_db)) as s:
        team = s.exec(select(Team).where(Team.name == "Child Protection")).one()
        practitioner = s.exec(select(Practitioner.id).where(Practitioner.team_id == team.id)).first()
    at.text_input(key="audit_entry_form_new_case_reference").input("MOS-445566")
    at.selectbox(key="audit_entry_form_new_case_team_id").set_value(team.id).run()
    at.selectbox(key="audit_entry_form_new_case_practitioner_id").set_value(practitioner).run()


def _concern(at, app_db):
    from tests.app.test_audit_entry import neglect, scope
    from core.audit_rules import AnswerInput, AuditInput
    from db.audits.saving import submit
    case = a_case(app_db, "auditor", "external", "Assessment North")
    theme, questions = neglect(app_db)
    result = one_action(submit, AuditInput(
        case_id=case.id, theme_id=theme.id, work_date=DEMO_TODAY - timedelta(days=3), audit_date=DEMO_TODAY,
        answers={q.id: AnswerInput(1, "Not evidenced.") for q in questions}, lived_experience="Not described.",
        overall_grade=1, overall_rationale="Unsafe.", impact_for_child="Nothing yet.",
        no_action_reason="Case closed today by the court.", safeguarding_concern=True,
        safeguarding_action="Rang the duty manager.", safeguarding_told="Sam Patel"),
        scope=scope(app_db, "auditor"), today=DEMO_TODAY, engine=get_engine(app_db))
    at.session_state["_test_concern"] = result.audit_id
    at.run()


def _feedback(at, app_db):
    _, moderation_id = assigned_manager_audit(app_db, marked=False)
    with Session(get_engine(app_db)) as s:
        auditor = load_signed_in(s, "auditor").scope
        blind = mg.load_blind(s, auditor, moderation_id)
        grades = {q.question_id: 2 for q in blind.questions}
        mg.submit_blind(s, auditor, moderation_id, grades=grades, rationales={}, overall=2, overall_rationale="x")
        mg.complete(s, auditor, moderation_id, agreed=grades, agreed_overall=2,
                   feedback="Look for the child's own words in the record.")
        s.commit()
    at.session_state["_test_moderation"] = moderation_id
    at.run()


def _feedback_to_acknowledge(at, app_db):
    at.session_state["agreement_tab"] = "Feedback on my audits"  # only the open tab is drawn
    _feedback(at, app_db)


def _feedback_log(at, app_db):
    at.session_state["agreement_tab"] = "Feedback log"
    _feedback(at, app_db)


def _blind(at, app_db):
    _, moderation_id = assigned_manager_audit(app_db, marked=False)
    at.query_params["moderation"] = str(moderation_id)
    at.run()
    fill_blind(at, moderation_id, grade=2)
    at.session_state["_test_moderation"] = moderation_id


def _agreed(at, app_db):
    _blind(at, app_db)
    label(at, "Submit my grades and open the comparison").click().run()
    moderation_id = at.session_state["_test_moderation"]
    at.text_area(key=f"moderation_agreed_feedback_{moderation_id}").input("Look for the child's own words in the record, and say so.")


def _assign(at, app_db):
    with Session(get_engine(app_db)) as s:
        patel = next(r.audit_id for r in mq.moderation_queue(s, load_signed_in(s, "auditor").scope)
                     if r.first_auditor == "Sam Patel")
    at.selectbox(key="moderation_assign_audit").set_value(patel)


def _sample(at, app_db):
    at.text_input(key="moderation_sample_seed").input("board-week-12")
    at.number_input(key="moderation_sample_amount").set_value(10)


def _action(at, app_db, status="open", *, then=None):
    from db.models import RemedialAction

    with Session(get_engine(app_db)) as s:
        action = s.exec(select(RemedialAction).where(RemedialAction.status == status).order_by(RemedialAction.id)).first()
    pick(at, action.id)
    at.session_state["_test_action"] = action.id
    if then:
        then(at, action.id)


def _user_to_change(at, app_db):
    at.selectbox(key="admin_users_change_user").set_value("sponsor").run()


def _inactive_user(at, app_db):
    with write_session(get_engine(app_db)) as s:
        get_user(s, "sponsor").active = False
    at.selectbox(key="admin_users_change_user").set_value("sponsor").run()


# The arrangements below change teams and practitioners through the data layer, as an admin, so that
# each change is recorded as an event like every write of the app (the admin pages read their lists
# through the cache keyed by the newest event).
def _team(at, app_db, name="Assessment South", active=True):
    with write_session(get_engine(app_db)) as s:
        admin = load_signed_in(s, "admin").scope
        team = s.exec(select(Team).where(Team.name == name)).one()
        if not active or name == "Assessment South":
            for p in s.exec(select(Practitioner).where(Practitioner.team_id == team.id, Practitioner.active)):
                # a team can be deactivated once it has no active practitioners
                set_practitioner_active(s, scope=admin, practitioner_id=p.id, active=False)
        if not active:
            set_team_active(s, scope=admin, team_id=team.id, active=False)
    at.selectbox(key="admin_teams_change_team").set_value(team.id).run()
    at.session_state["_test_team"] = team.id


def _practitioner(at, app_db, active=True):
    with write_session(get_engine(app_db)) as s:
        p = s.exec(select(Practitioner).where(Practitioner.active == True).order_by(Practitioner.id)).first()  # noqa: E712
        if not active:
            set_practitioner_active(s, scope=load_signed_in(s, "admin").scope, practitioner_id=p.id, active=False)
    at.selectbox(key="admin_teams_change_practitioner").set_value(p.id).run()
    at.session_state["_test_practitioner"] = p.id
    at.session_state["_test_practitioner_name"] = p.name


def _import(at, app_db):
    with Session(get_engine(app_db)) as s:
        north = s.exec(select(Team.id).where(Team.name == "Assessment North")).one()
        worker = s.exec(select(Practitioner.name).where(Practitioner.team_id == north)).first()
    at.file_uploader[0].upload("cases.csv", ("Case reference,Team,Allocated practitioner,Service area\n"
                                             f"LCS900001,Assessment North,{worker},\n").encode(), "text/csv")
    at.run()


def _template(at, app_db):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "audit_templates/risk.v1.toml").read_text()
    at.file_uploader[0].set_value(("risk.v2.toml", text.replace("version = 1", "version = 2", 1).encode(),
                                   "application/toml"))
    at.run()


def _bulk(at, app_db):
    at.session_state["actions_tab"] = "Update several"
    at.run()
    key = at.session_state["actions_bulk_key"]
    at.session_state[key] = {"edited_rows": {0: {"Status": "done", "What was done": "Child seen alone; views recorded.",
                                                 "Done on": DEMO_TODAY.isoformat()}}, "added_rows": [], "deleted_rows": []}


def _risk_edit(at, app_db):
    at.session_state["risks_log_editor_0"] = {"edited_rows": {0: {"Status": "Closed"}}, "added_rows": [], "deleted_rows": []}
    at.run()


def _agenda(at, app_db):
    at.session_state["risks_tab"] = "Suggested agenda"
    at.run()
    tick = next(c for c in at.checkbox if c.key and c.key.startswith("risks_agenda_item_") and "overdue_actions" in c.key)
    tick.check()


def _risk_add(at, app_db):
    at.session_state["risks_tab"] = "Add an entry"
    at.run()
    at.text_area(key="risks_add_description_0").input("Supervision records are missing for two months.")
    at.selectbox(key="risks_add_team_0").select_index(1)


def _report(at, app_db):
    at.button(key="progress_prepare_report").click().run()


def _demo_events(at, app_db):
    # The demo's events are stamped by the real clock when the demo is built, whatever day the suite's
    # clock says (docs/testing.md, "One clock"): the window is set around the real day.
    real_day = datetime.now(timezone.utc).date()
    at.selectbox(key="event_log_filter_user").set_value("demo")
    at.date_input(key="event_log_filter_from").set_value(real_day - timedelta(days=2))
    at.date_input(key="event_log_filter_to").set_value(real_day + timedelta(days=1)).run()


def nothing(at, app_db):
    pass


ENTRY, OVERVIEW, AGREEMENT, MODERATION = ("pages/audit_entry.py", "pages/overview.py", "pages/agreement.py",
                                          "pages/moderation.py")
ACTIONS, RISKS, USERS, TEAMS = "pages/actions.py", "pages/risks.py", "pages/admin_users.py", "pages/admin_teams.py"

WRITES = [
    # Enter an audit (callbacks)
    Write("Save draft", ENTRY, "auditor", _entry_ready, lambda at: at.button(key="audit_entry_save_draft").click()),
    Write("Submit audit", ENTRY, "auditor", _entry_complete, lambda at: at.button(key="audit_entry_save_submit").click()),
    Write("Save amendment", ENTRY, "auditor", _entry_submitted, lambda at: at.button(key="audit_entry_save_amend").click()),
    Write("Keep mine", ENTRY, "auditor", _entry_conflict, lambda at: at.button(key="audit_entry_conflict_keep_mine").click()),
    Write("Add case", ENTRY, "auditor", _new_case, lambda at: at.button(key="audit_entry_new_case_add").click()),
    Write("Acknowledge (concern)", OVERVIEW, "manager", _concern,
          lambda at: at.button(key=f"overview_concern_acknowledge_{at.session_state['_test_concern']}").click()),
    # Moderation and agreement
    Write("Acknowledge this feedback", AGREEMENT, "manager", _feedback_to_acknowledge,
          lambda at: at.button(key=f"agreement_mine_acknowledge_{at.session_state['_test_moderation']}").click()),
    Write("Download CSV (feedback)", AGREEMENT, "auditor", _feedback_log, take("Download CSV")),
    Write("Download Excel (feedback)", AGREEMENT, "auditor", _feedback_log, take("Download Excel")),
    Write("Assign", MODERATION, "auditor", _assign, lambda at: label(at, "Assign").click()),
    Write("Draw and assign", MODERATION, "auditor", _sample, lambda at: label(at, "Draw and assign").click()),
    Write("Submit my grades", MODERATION, "auditor", _blind,
          lambda at: label(at, "Submit my grades and open the comparison").click()),
    Write("Record agreed grades", MODERATION, "auditor", _agreed,
          lambda at: label(at, "Record agreed grades and feedback").click()),
    # Remedial actions
    Write("Mark done", ACTIONS, "support", lambda at, db: _action(at, db, then=lambda at, i: at.text_area(
        key=f"actions_detail_done_note_{i}").input("Chronology updated with the 2024 referrals.")),
          lambda at: label(at, "Mark done").click()),
    Write("Verify", ACTIONS, "auditor", lambda at, db: _action(at, db, "done", then=lambda at, i: at.checkbox(
        key=f"actions_detail_verify_checked_{i}").check()), lambda at: label(at, "Verify").click()),
    Write("Reopen", ACTIONS, "auditor", lambda at, db: _action(at, db, "done", then=lambda at, i: at.text_area(
        key=f"actions_detail_reopen_reason_{i}").input("The chronology still stops in 2023.")), lambda at: label(at, "Reopen").click()),
    Write("Change the due date", ACTIONS, "support", lambda at, db: _action(at, db, then=lambda at, i: (
        at.date_input(key=f"actions_detail_due_new_{i}").set_value(DEMO_TODAY.replace(day=30)),
        at.text_input(key=f"actions_detail_due_reason_{i}").input("Practitioner on leave this week"))),
          lambda at: label(at, "Change the due date").click()),
    Write("Save changes (bulk)", ACTIONS, "support", _bulk, lambda at: label(at, "Save changes").click()),
    Write("Download the list (CSV)", ACTIONS, "support", nothing, take("Download list (CSV)")),
    # Meetings, risks and issues
    Write("Record meeting", "pages/meetings.py", "auditor", lambda at, db: (
        at.selectbox(key="meetings_record_kind_0").select("reflective"),
        at.multiselect(key="meetings_record_teams_0").select(ids(db, Team, name="Child in Need West")[0]),
        at.text_area(key="meetings_record_notes_0").input("Reflective session on neglect cases, chronology gaps."),
        at.text_area(key="meetings_record_follow_ups_0").input("Re-audit two cases in January.")),
          lambda at: label(at, "Record meeting").click()),
    Write("Save changes (risk log)", RISKS, "auditor", _risk_edit, lambda at: label(at, "Save changes to 1 entry").click()),
    Write("Add ticked items to the log", RISKS, "auditor", _agenda,
          lambda at: label(at, "Add ticked items to the log").click()),
    Write("Add to the log", RISKS, "manager", _risk_add, lambda at: label(at, "Add to the log").click()),
    # Progress
    Write("Prepare the board report", "pages/progress.py", "sponsor", nothing,
          lambda at: at.button(key="progress_prepare_report").click()),
    Write("Download PDF (board report)", "pages/progress.py", "sponsor", _report,
          lambda at: download(at, "Download PDF").click()),
    Write("Download Excel (board report)", "pages/progress.py", "sponsor", _report,
          lambda at: download(at, "Download Excel").click()),
    # My account
    Write("Change password", "pages/account.py", "support", lambda at, db: (
        at.text_input[0].input("support-demo-2026"), at.text_input[1].input("a brand new password 2026"),
        at.text_input[2].input("a brand new password 2026")), lambda at: label(at, "Change password").click()),
    # Administration
    Write("Create user", USERS, "admin", lambda at, db: (
        at.text_input(key="admin_users_add_username").set_value("k.ward"), at.text_input(key="admin_users_add_name").set_value("Kim Ward"),
        at.multiselect(key="admin_users_add_roles").set_value(["auditor"])), lambda at: label(at, "Create user").click()),
    Write("Save changes (user)", USERS, "admin", lambda at, db: (
        _user_to_change(at, db), at.multiselect(key="admin_users_change_roles_sponsor").set_value(["sponsor", "support"])),
          lambda at: label(at, "Save changes").click()),
    Write("Deactivate user", USERS, "admin", _user_to_change, lambda at: label(at, "Deactivate sponsor").click()),
    Write("Reactivate user", USERS, "admin", _inactive_user, lambda at: label(at, "Reactivate sponsor").click()),
    Write("Reset password", USERS, "admin", lambda at, db: (
        at.selectbox(key="admin_users_reset_user").set_value("support"),
        at.text_input(key="admin_users_reset_password").set_value("Temporary-pass-2026")),
          lambda at: label(at, "Reset password").click()),
    Write("Add team", TEAMS, "admin", lambda at, db: (
        at.text_input(key="admin_teams_add_team_name").set_value("Assessment East"),
        at.text_input(key="admin_teams_add_team_area").set_value("Assessment")), lambda at: label(at, "Add team").click()),
    Write("Save team", TEAMS, "admin", lambda at, db: (_team(at, db), at.text_input(
        key=f"admin_teams_change_team_name_{at.session_state['_test_team']}").set_value("Assessment Central")),
          lambda at: label(at, "Save team").click()),
    Write("Deactivate team", TEAMS, "admin", _team, lambda at: label(at, "Deactivate Assessment South").click()),
    Write("Reactivate team", TEAMS, "admin", lambda at, db: _team(at, db, active=False),
          lambda at: label(at, "Reactivate Assessment South").click()),
    Write("Add practitioner", TEAMS, "admin", lambda at, db: (
        at.text_input(key="admin_teams_add_practitioner_name").set_value("Ada Newcomer"),
        at.selectbox(key="admin_teams_add_practitioner_team").set_value(ids(db, Team, name="Assessment North")[0])),
          lambda at: label(at, "Add practitioner").click()),
    Write("Rename practitioner", TEAMS, "admin", lambda at, db: (_practitioner(at, db), at.text_input(
        key=f"admin_teams_rename_practitioner_name_{at.session_state['_test_practitioner']}").set_value("Ada Renamed")),
          lambda at: label(at, "Rename").click()),
    Write("Move practitioner", TEAMS, "admin", lambda at, db: (_practitioner(at, db), at.selectbox(
        key=f"admin_teams_move_practitioner_team_{at.session_state['_test_practitioner']}").set_value(
        ids(db, Team, name="Assessment South")[0])), lambda at: label(at, "Move").click()),
    Write("Deactivate practitioner", TEAMS, "admin", _practitioner,
          lambda at: label(at, f"Deactivate {at.session_state['_test_practitioner_name']}").click()),
    Write("Reactivate practitioner", TEAMS, "admin", lambda at, db: _practitioner(at, db, active=False),
          lambda at: label(at, f"Reactivate {at.session_state['_test_practitioner_name']}").click()),
    Write("Import cases", "pages/case_import.py", "support", _import, lambda at: label(at, "Import 1 case").click()),
    Write("Load template", "pages/admin_templates.py", "admin", _template,
          lambda at: label(at, "Load Risk version 2").click()),
    Write("Prepare CSV (event log)", "pages/event_log.py", "admin", _demo_events,
          lambda at: label(at, "Prepare CSV").click()),
    Write("Prepare Excel (event log)", "pages/event_log.py", "admin", _demo_events,
          lambda at: label(at, "Prepare Excel").click()),
]
ROLES = {"auditor": ["auditor"], "manager": ["manager"], "sponsor": ["sponsor"], "support": ["support"],
         "admin": ["admin"]}


def _refused_then_saved(app_db, write: Write, spoil) -> None:
    at = page_test(write.page, write.username).run()
    assert not at.exception
    write.prepare(at, app_db)
    assert not at.exception
    before = written(app_db)
    spoil(at, app_db, write.username)
    if spoil is go_idle and getattr(write.click, "built_on_click", False):
        # The click does not rerun the page, whose run would see the idle session: the file's
        # own check does, with the clock 31 minutes past the page's drawing.
        later = datetime.now(timezone.utc) + timedelta(minutes=31)
        with patch("ui.guard.utcnow", lambda: later):
            write.click(at)
    else:
        write.click(at)
    at.run()
    assert not at.exception, at.exception
    assert written(app_db) == before, f"{write.name} wrote after the session ended"
    shown = texts(at)
    assert any(words in shown for words in ("Not saved", "without activity", "not active", "signed out",
                                            "do not have access")), shown[:500]
    # Back in (the account restored, signed in again): the same click saves what was typed.
    restore(app_db, write.username, ROLES[write.username])
    sign_in(at, write.username)
    at.session_state[SIGNED_IN_AT] = at.session_state[LAST_ACTIVITY] = datetime.now(timezone.utc)
    at.run()
    assert not at.exception
    write.click(at)
    at.run()
    assert not at.exception, at.exception
    assert written(app_db) > before, f"{write.name} did not save once signed in again"


@pytest.mark.parametrize("write", matrix([(w,) for w in WRITES], ids=lambda case: case[0].name,
                                          fast={"Save draft", "Download the list (CSV)", "Mark done"}))
def test_every_write_button_is_refused_after_the_idle_sign_out_and_saves_once_back(app_db, write):
    _refused_then_saved(app_db, write, go_idle)


@pytest.mark.parametrize("name, spoil", matrix(
    [(name, spoil) for name in ["Save draft", "Acknowledge (concern)", "Download CSV (feedback)", "Mark done"]
     for spoil in [deactivate, sign_out_elsewhere, lose_the_roles]],
    ids=lambda case: f"{case[0]}-{case[1].__name__}",
    fast={"Save draft-deactivate", "Save draft-sign_out_elsewhere", "Save draft-lose_the_roles"}))
def test_callback_writes_are_refused_after_deactivation_sign_out_elsewhere_or_role_loss(app_db, name, spoil):
    _refused_then_saved(app_db, next(w for w in WRITES if w.name == name), spoil)


def test_a_refused_save_draft_says_why_and_keeps_the_input(app_db):
    at = page_test(ENTRY, "auditor").run()
    _entry_ready(at, app_db)

    def audit_writes() -> int:  # autosave may have stored the draft before the break: that is allowed
        with Session(get_engine(app_db)) as s:
            return s.exec(select(func.count()).select_from(Event).where(
                Event.action.in_(("audit.create", "audit.save", "audit.submit")))).one()

    before = audit_writes()
    go_idle(at, app_db, "auditor")
    at.button(key="audit_entry_save_draft").click().run()
    assert "Not saved. You were signed out after 30 minutes without activity." in [e.value for e in at.error][0]
    assert audit_writes() == before  # the click after the break wrote nothing
    restore(app_db, "auditor", ["auditor"])
    sign_in(at, "auditor")
    at.session_state[LAST_ACTIVITY] = datetime.now(timezone.utc)
    at.run()
    assert at.text_area(key="audit_entry_form_overall_rationale").value == "Typed before the break."
