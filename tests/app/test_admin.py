"""AppTest of the administration pages: every action, what is stored, and who may use them."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from core.authz import Role
from db.engine import get_engine
from db.models import Case, Event, Practitioner, PractitionerMove, Team, TemplateVersion, User
from db.users import load_signed_in
from tests.app.conftest import page_test, texts
from tests.conftest import DEMO_TODAY

HEADER = "Case reference,Team,Allocated practitioner,Service area\n"


def db(app_db) -> Session:
    return Session(get_engine(app_db), expire_on_commit=False)


def button(at, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button '{label}' among {[b.label for b in at.button]}"
    return matches[0]


def last_event(app_db, action: str) -> Event | None:
    with db(app_db) as s:
        return s.exec(select(Event).where(Event.action == action).order_by(Event.id.desc())).first()


# Who may open each administration page: tests/unit/test_role_matrix.py (the grid) and
# tests/app/test_foundation_pages.py (every refused role x page cell in AppTest, with its event).


# ------------------------------------------------------------------ users
def test_admin_adds_a_manager_with_a_temporary_password(app_db):
    at = page_test("pages/admin_users.py", "admin").run()
    assert "Pat Quinn" in texts(at)
    suggested = at.text_input(key="admin_users_add_password").value
    assert len(suggested) == 19
    at.text_input(key="admin_users_add_username").set_value("k.ward")
    at.text_input(key="admin_users_add_name").set_value("Kim Ward")
    at.multiselect(key="admin_users_add_roles").set_value(["manager"])
    with db(app_db) as s:
        front_door = s.exec(select(Team.id).where(Team.name == "Front Door (MASH)")).one()
    at.multiselect(key="admin_users_add_teams").set_value([front_door])
    at = button(at, "Create user").click().run()
    assert not at.exception
    assert f"User 'k.ward' created. Their temporary password is {suggested}" in texts(at)
    assert at.text_input(key="admin_users_add_password").value != suggested  # a fresh suggestion for the next person
    assert at.text_input(key="admin_users_add_username").value == "" and at.multiselect(key="admin_users_add_roles").value == []
    with db(app_db) as s:
        kim = load_signed_in(s, "k.ward")
    assert kim.roles == {Role.MANAGER} and kim.managed_team_ids == {front_door} and kim.must_change_password
    assert "k.ward" in at.dataframe[0].value["Username"].tolist()


def test_a_manager_without_a_team_is_refused_with_a_reason(app_db):
    at = page_test("pages/admin_users.py", "admin").run()
    at.text_input(key="admin_users_add_username").set_value("k.ward")
    at.text_input(key="admin_users_add_name").set_value("Kim Ward")
    at.multiselect(key="admin_users_add_roles").set_value(["manager"])
    at = button(at, "Create user").click().run()
    assert any("A manager needs at least one team" in e.value for e in at.error)
    with db(app_db) as s:
        assert s.exec(select(User).where(User.username == "k.ward")).first() is None


def test_admin_changes_a_users_roles_and_cannot_remove_their_own_admin_role(app_db):
    at = page_test("pages/admin_users.py", "admin").run()
    at.selectbox(key="admin_users_change_user").set_value("auditor").run()
    at.multiselect(key="admin_users_change_roles_auditor").set_value(["auditor", "support"])
    at = button(at, "Save changes").click().run()
    assert "Saved auditor: changed roles." in texts(at)
    with db(app_db) as s:
        assert load_signed_in(s, "auditor").roles == {Role.AUDITOR, Role.SUPPORT}
    at.selectbox(key="admin_users_change_user").set_value("admin").run()
    at.multiselect(key="admin_users_change_roles_admin").set_value(["auditor"])
    at = button(at, "Save changes").click().run()
    assert any("You cannot remove your own admin role." in e.value for e in at.error)
    with db(app_db) as s:
        assert load_signed_in(s, "admin").roles == {Role.ADMIN}
    assert button(at, "Deactivate admin").disabled  # nor deactivate themselves


def test_admin_deactivates_and_reactivates_a_user(app_db):
    at = page_test("pages/admin_users.py", "admin").run()
    at.selectbox(key="admin_users_change_user").set_value("sponsor").run()
    at = button(at, "Deactivate sponsor").click().run()
    assert "sponsor is deactivated and signed out." in texts(at)
    with db(app_db) as s:
        assert load_signed_in(s, "sponsor") is None
    assert "Your account is not active" in texts(page_test("pages/overview.py", "sponsor").run())
    at.selectbox(key="admin_users_change_user").set_value("sponsor").run()
    at = button(at, "Reactivate sponsor").click().run()
    assert "sponsor is active again." in texts(at)
    with db(app_db) as s:
        assert load_signed_in(s, "sponsor") is not None


def test_admin_resets_a_password(app_db):
    at = page_test("pages/admin_users.py", "admin").run()
    at.selectbox(key="admin_users_reset_user").set_value("support")
    at.text_input(key="admin_users_reset_password").set_value("Temporary-pass-2026")
    at = button(at, "Reset password").click().run()
    assert "Password of support reset to Temporary-pass-2026" in texts(at)
    with db(app_db) as s:
        assert s.exec(select(User.must_change_password).where(User.username == "support")).one() is True
    assert "admin" not in at.selectbox(key="admin_users_reset_user").options  # your own password: My account
    # The user is now held on My account until they choose a new password.
    support = page_test("pages/case_import.py", "support").run()
    assert "You must choose a new password before going on." in texts(support)
    assert not support.file_uploader


# ------------------------------------------------------------------ teams and practitioners
def test_admin_adds_renames_and_cannot_deactivate_a_staffed_team(app_db):
    at = page_test("pages/admin_teams.py", "admin").run()
    at.text_input(key="admin_teams_add_team_name").set_value("Assessment East")
    at.text_input(key="admin_teams_add_team_area").set_value("Assessment")
    at = button(at, "Add team").click().run()
    assert "Team 'Assessment East' added." in texts(at)
    assert "Assessment East" in at.dataframe[0].value["Team"].tolist()
    with db(app_db) as s:
        east = s.exec(select(Team).where(Team.name == "Assessment East")).one()
        north = s.exec(select(Team).where(Team.name == "Assessment North")).one()
    at.selectbox(key="admin_teams_change_team").set_value(east.id).run()
    at.text_input(key=f"admin_teams_change_team_name_{east.id}").set_value("Assessment Central")
    at = button(at, "Save team").click().run()
    assert "Team saved as 'Assessment Central'." in texts(at)
    # The list is read through a cache keyed by the newest event: the rename shows at once.
    assert "Assessment Central" in at.dataframe[0].value["Team"].tolist()
    assert "Assessment East" not in at.dataframe[0].value["Team"].tolist()
    at.selectbox(key="admin_teams_change_team").set_value(north.id).run()
    at = button(at, "Deactivate Assessment North").click().run()
    assert any("still has 8 active practitioners" in e.value for e in at.error)
    with db(app_db) as s:
        assert s.get(Team, north.id).active and s.get(Team, east.id).name == "Assessment Central"


def test_admin_adds_and_moves_a_practitioner(app_db):
    at = page_test("pages/admin_teams.py", "admin").run()
    with db(app_db) as s:
        north = s.exec(select(Team.id).where(Team.name == "Assessment North")).one()
        south = s.exec(select(Team.id).where(Team.name == "Assessment South")).one()
    at.text_input(key="admin_teams_add_practitioner_name").set_value("Ada Newcomer")
    at.selectbox(key="admin_teams_add_practitioner_team").set_value(north)
    at = button(at, "Add practitioner").click().run()
    assert "Ada Newcomer added to Assessment North." in texts(at)
    with db(app_db) as s:
        ada = s.exec(select(Practitioner).where(Practitioner.name == "Ada Newcomer")).one()
    at.selectbox(key="admin_teams_change_practitioner").set_value(ada.id).run()
    at.selectbox(key=f"admin_teams_move_practitioner_team_{ada.id}").set_value(south)
    at = button(at, "Move").click().run()
    assert "Ada Newcomer moved from Assessment North to Assessment South." in texts(at)
    with db(app_db) as s:
        assert s.get(Practitioner, ada.id).team_id == south
        moves = s.exec(select(PractitionerMove).where(PractitionerMove.practitioner_id == ada.id)).all()
    assert [(m.from_team_id, m.to_team_id) for m in moves] == [(None, north), (north, south)]
    history = at.dataframe[-1].value
    assert history["To team"].tolist() == ["Assessment North", "Assessment South"]


# ------------------------------------------------------------------ case import
def faulty_file(app_db) -> bytes:
    with db(app_db) as s:
        north = s.exec(select(Team.id).where(Team.name == "Assessment North")).one()
        worker = s.exec(select(Practitioner.name).where(Practitioner.team_id == north)).first()
    return (HEADER + f"LCS900001,Assessment North,{worker},\n" + "LCS900002,Nowhere Team,Ada Newcomer,\n"
            + "Jessica Smith,Assessment North,Ada Newcomer,\n" + "LCS900003,Assessment North,Ada Newcomer,\n").encode()


@pytest.mark.parametrize("username", ["admin", "support"])
def test_case_import_previews_every_problem_then_writes_on_confirmation(app_db, username):
    at = page_test("pages/case_import.py", username).run()
    assert not at.exception and at.file_uploader
    with db(app_db) as s:
        cases_before = len(s.exec(select(Case.id)).all())
    at.file_uploader[0].upload("council-cases.csv", faulty_file(app_db), "text/csv")
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"New cases": "2", "Cases updated": "0", "Unchanged": "0", "Rows skipped": "2",
                       "New practitioners": "1"}
    problems = at.dataframe[0].value
    assert problems.values.tolist() == [
        [3, "Team", "Unknown team 'Nowhere Team'. Create it under Teams and practitioners first, or correct the name."],
        [4, "Case reference", "This looks like a name. Use the pseudonymised case reference, never a child's name."],
    ]
    assert at.dataframe[1].value["What happens"].tolist() == ["Create", "Skip", "Skip", "Create"]
    with db(app_db) as s:
        assert len(s.exec(select(Case.id)).all()) == cases_before  # nothing written before confirmation
    at = button(at, "Import 2 cases").click().run()
    assert not at.exception
    assert ("Imported council-cases.csv: 2 cases created, 0 updated, 0 unchanged, 2 rows skipped. "
            "New practitioners: Ada Newcomer.") in texts(at)
    with db(app_db) as s:
        assert {c.reference for c in s.exec(select(Case).where(Case.reference.in_(["LCS900001", "LCS900003"])))} == {
            "LCS900001", "LCS900003"}
    event = last_event(app_db, "case.import")
    assert event.username == username and event.after["counts"]["create"] == 2


def test_a_file_in_windows_1252_is_reported_and_read_only_on_request(app_db):
    at = page_test("pages/case_import.py", "support").run()
    data = (HEADER + "LCS900001,Assessment North,").encode() + "Zoë Brontë,\n".encode("cp1252")
    at.file_uploader[0].upload("excel.csv", data, "text/csv")
    at.run()
    assert any(w.value.startswith("Bad encoding: the file is not UTF-8 text.") for w in at.warning)
    assert "as Windows-1252 it reads 'Zoë Brontë'" in at.dataframe[0].value["Problem"][0]
    assert not [b for b in at.button if b.label.startswith("Import")]
    at.checkbox[0].check().run()
    assert at.dataframe[-1].value["Allocated practitioner"].tolist() == ["Zoë Brontë"]
    assert button(at, "Import 1 case")


def test_an_unreadable_file_shows_why_and_offers_no_import(app_db):
    at = page_test("pages/case_import.py", "admin").run()
    at.file_uploader[0].upload("cases.csv", b"Name,DOB\nJessica,01/02/2015\n", "text/csv")
    at.run()
    assert any("No header row with a case reference and a team column" in e.value for e in at.error)
    assert not at.dataframe and not [b for b in at.button if b.label.startswith("Import")]


# ------------------------------------------------------------------ event log
def test_event_log_search_and_export_are_logged_and_nothing_is_editable(app_db):
    at = page_test("pages/event_log.py", "admin").run()
    assert not at.exception
    assert not at.get("data_editor") and not at.text_area
    # Events carry the real instant they were written, while the suite pins "today" (the page's default
    # window is the 30 days to today): search from the oldest to the newest event's day, so the test
    # holds whatever day it runs and wherever the clock is moved.
    with db(app_db) as s:
        oldest = s.exec(select(Event.at).order_by(Event.at)).first().date()
        newest = s.exec(select(Event.at).order_by(Event.at.desc())).first().date()
    # By default the window has no end ("up to now") and starts 30 days before today.
    assert at.date_input(key="event_log_filter_to").value is None
    assert at.date_input(key="event_log_filter_from").value == DEMO_TODAY - timedelta(days=30)
    at.date_input(key="event_log_filter_from").set_value(min(DEMO_TODAY, oldest)).run()
    at.date_input(key="event_log_filter_to").set_value(max(DEMO_TODAY, newest)).run()
    at.selectbox(key="event_log_filter_user").set_value("demo").run()
    shown = at.dataframe[0].value
    assert len(shown) > 0 and set(shown["User"]) == {"demo"}
    at.text_input(key="event_log_filter_action").set_value("template").run()
    assert set(at.dataframe[0].value["Action"]) == {"template.load"}
    assert "5 events match." in texts(at)
    at = button(at, "Prepare CSV").click().run()
    assert [b.label for b in at.get("download_button")] == ["Download the event log (CSV)"]
    event = last_event(app_db, "event_log.export")
    assert event.username == "admin" and event.after == {"format": "csv", "username": "demo", "action": "template",
                                                         "date_from": str(min(DEMO_TODAY, oldest)),
                                                         "date_to": str(max(DEMO_TODAY, newest))}


# ------------------------------------------------------------------ templates
def test_templates_are_listed_previewed_validated_and_loaded(app_db):
    from core.templates import TEMPLATE_DIR

    at = page_test("pages/admin_templates.py", "admin").run()
    assert not at.exception
    assert set(at.dataframe[0].value["Code"]) == {"assessment", "front_door", "neglect", "risk", "repeat_s47"}
    assert "Good looks like:" in texts(at)
    at.file_uploader[0].upload("bad.toml", b'theme = "x"\n', "application/toml")
    at.run()
    assert any("This file cannot be loaded" in e.value and "version:" in e.value for e in at.error)
    text = (TEMPLATE_DIR / "risk.v1.toml").read_text().replace("version = 1", "version = 2", 1)
    at.file_uploader[0].set_value(("risk.v2.toml", text.encode(), "application/toml"))
    at.run()
    assert not at.error
    at = button(at, "Load Risk version 2").click().run()
    assert "Risk version 2 loaded" in texts(at)
    versions = at.dataframe[0].value  # read through a cache keyed by the newest event: shown at once
    assert sorted(versions[versions["Code"] == "risk"]["Version"].tolist()) == [1, 2]
    with db(app_db) as s:
        assert s.exec(select(TemplateVersion.version).where(TemplateVersion.version == 2)).all() == [2]


def test_event_log_shows_before_and_after_as_changed_fields_old_to_new(app_db):
    from db.engine import write_session
    from db.events import record

    with write_session(get_engine(app_db)) as s:
        record(s, "admin", "user.update", "user", "4242", before={"active": True, "display_name": "Sam Patel"},
               after={"active": False, "display_name": "Sam Patel-Jones"})
    at = page_test("pages/event_log.py", "admin").run()
    # Events are stamped by the real clock, the default "From" (30 days back) by the suite's: search
    # every date, so that the event is found whatever day the suite's clock is moved to.
    at.date_input(key="event_log_filter_from").set_value(None)
    at.text_input(key="event_log_filter_object_id").set_value("4242").run()
    shown = at.dataframe[0].value
    assert list(shown["Changes (before -> after)"]) == ["active: yes -> no; display name: Sam Patel -> Sam Patel-Jones"]
    assert "Before" not in shown.columns and '{"active"' not in shown.to_csv()
