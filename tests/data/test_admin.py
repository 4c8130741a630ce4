"""Data layer of administration (db.admin_users, db.admin_teams, db.case_import, db.event_log and
db.templates) on SQLite and PostgreSQL: users, teams, practitioners, the case import (nothing
written before confirmation, all or nothing), the event log, templates."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

import db.case_import as case_import_db
from core.authz import Role, Scope
from core.case_file import read_case_file
from core.case_import import CREATE, SKIP, UPDATE
from core.passwords import verify_password
from core.templates import TEMPLATE_DIR, TemplateError
from db.admin import AdminError
from db.admin_teams import (
    create_practitioner,
    create_team,
    list_practitioners,
    list_teams,
    move_practitioner,
    practitioner_history,
    rename_practitioner,
    set_practitioner_active,
    set_team_active,
    update_team,
)
from db.admin_users import create_account, list_users, reset_password, set_user_active, update_account
from db.case_import import ImportChanged, apply_case_import, import_directory, preview_case_import
from db.event_log import EventFilter, event_filter_options, export_events, record_event_export, search_events
from db.templates import check_template_upload, load_template_upload, template_questions, template_versions
from db.engine import get_engine, write_session
from db.events import record
from db.models import (
    Audit, Case, Event, Practitioner, PractitionerMove, Question, Team, TemplateVersion, User,
)
from db.users import UserError, load_signed_in
from tests.conftest import DEMO_TODAY

TEMP = "Temporary-pass-2026"


def scope_of(session: Session, username: str) -> Scope:
    user = load_signed_in(session, username)
    return user.scope


def count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def team_id(session: Session, name: str) -> int:
    return session.exec(select(Team.id).where(Team.name == name)).one()


def events(session: Session, action: str) -> list[Event]:
    return list(session.exec(select(Event).where(Event.action == action).order_by(Event.id)))


@pytest.fixture
def engine(demo_url):
    return get_engine(demo_url)


_readers: list[Session] = []


@pytest.fixture
def s(engine):
    with Session(engine, expire_on_commit=False) as session:
        _readers.append(session)
        yield session
        _readers.remove(session)


def write(engine, fn):
    """Run ``fn`` in one write transaction, as the pages do; then let the reading session see the result
    (on SQLite a reading transaction keeps its snapshot until it ends)."""
    try:
        with write_session(engine) as session:
            return fn(session)
    finally:
        for reader in _readers:
            reader.rollback()


# ================================================================== users
def test_admin_creates_a_manager_who_must_change_the_temporary_password(engine, s):
    scope = scope_of(s, "admin")
    front_door = team_id(s, "Front Door (MASH)")
    write(engine, lambda x: create_account(
        x, scope=scope, username="K.Ward", display_name="Kim Ward", email="kim@council.invalid",
        roles=["manager"], managed_team_ids=[front_door], temporary_password=TEMP))
    kim = load_signed_in(s, "k.ward")
    assert kim.roles == {Role.MANAGER} and kim.managed_team_ids == {front_door} and kim.must_change_password
    assert kim.scope.team_ids == {front_door}
    assert verify_password(TEMP, s.exec(select(User.password_hash).where(User.username == "k.ward")).one())
    [created] = events(s, "user.create")[-1:]
    assert created.username == "admin" and created.after == {"username": "k.ward", "roles": ["manager"],
                                                             "teams": [front_door]}


@pytest.mark.parametrize("roles, teams, words", [
    ([], [], "at least one role"),
    (["manager"], [], "A manager needs at least one team"),
    (["auditor"], ["Front Door (MASH)"], "Managed teams are for managers only"),
])
def test_account_rules(engine, s, roles, teams, words):
    scope = scope_of(s, "admin")
    ids = [team_id(s, t) for t in teams]
    with pytest.raises(AdminError, match=words):
        write(engine, lambda x: create_account(x, scope=scope, username="new.person", display_name="New Person",
                                                     email="", roles=roles, managed_team_ids=ids,
                                                     temporary_password=TEMP))
    assert s.exec(select(User).where(User.username == "new.person")).first() is None


def test_a_taken_username_and_a_weak_password_are_refused(engine, s):
    scope = scope_of(s, "admin")
    for username, password, words in (("auditor", TEMP, "is taken"), ("new.person", "short", "at least 12")):
        with pytest.raises(UserError, match=words):
            write(engine, lambda x: create_account(x, scope=scope, username=username, display_name="X",
                                                         email="", roles=["auditor"], managed_team_ids=[],
                                                         temporary_password=password))


def test_only_an_admin_may_administer(engine, s):
    for username in ("auditor", "manager", "sponsor", "support"):
        scope = scope_of(s, username)
        with pytest.raises(PermissionError):
            list_users(s, scope)
        with pytest.raises(PermissionError):
            write(engine, lambda x: create_team(x, scope=scope, name="Shadow Team"))
    assert s.exec(select(Team).where(Team.name == "Shadow Team")).first() is None


def test_changing_roles_teams_and_details_is_logged(engine, s):
    scope = scope_of(s, "admin")
    north, south = team_id(s, "Assessment North"), team_id(s, "Assessment South")
    changed = write(engine, lambda x: update_account(
        x, scope=scope, username="manager", display_name="Sam Patel-Jones", email="sam@council.invalid",
        roles=["manager", "support"], managed_team_ids=[north, south]))
    assert changed == ["details", "roles", "teams"]
    sam = load_signed_in(s, "manager")
    assert sam.display_name == "Sam Patel-Jones" and sam.roles == {Role.MANAGER, Role.SUPPORT}
    assert sam.managed_team_ids == {north, south}
    assert events(s, "user.update")[-1].after == {"display_name": "Sam Patel-Jones", "email": "sam@council.invalid"}
    assert events(s, "user.roles")[-1].after == {"roles": ["manager", "support"]}
    assert events(s, "user.teams")[-1].before == {"teams": [north]}
    assert events(s, "user.teams")[-1].after == {"teams": sorted([north, south])}
    # Saving the same values again changes and logs nothing.
    before = count(s, Event)
    again = write(engine, lambda x: update_account(
        x, scope=scope, username="manager", display_name="Sam Patel-Jones", email="sam@council.invalid",
        roles=["manager", "support"], managed_team_ids=[north, south]))
    assert again == [] and count(s, Event) == before


def test_an_admin_cannot_remove_their_own_admin_role_nor_deactivate_themselves(engine, s):
    scope = scope_of(s, "admin")
    with pytest.raises(AdminError, match="cannot remove your own admin role"):
        write(engine, lambda x: update_account(x, scope=scope, username="admin", display_name="Pat Quinn",
                                                     email="", roles=["auditor"], managed_team_ids=[]))
    with pytest.raises(AdminError, match="cannot deactivate yourself"):
        write(engine, lambda x: set_user_active(x, scope=scope, username="admin", active=False))
    assert load_signed_in(s, "admin").roles == {Role.ADMIN}


def test_deactivating_a_user_signs_them_out_and_reactivating_keeps_old_sessions_out(engine, s):
    scope = scope_of(s, "admin")
    write(engine, lambda x: set_user_active(x, scope=scope, username="auditor", active=False))
    assert load_signed_in(s, "auditor") is None
    write(engine, lambda x: set_user_active(x, scope=scope, username="auditor", active=True))
    auditor = load_signed_in(s, "auditor")
    assert auditor is not None and auditor.sessions_valid_after is not None
    assert [e.action for e in s.exec(select(Event).where(Event.object_type == "user", Event.username == "admin")
                                     .order_by(Event.id))][-2:] == ["user.deactivate", "user.activate"]


def test_a_password_reset_is_temporary_lifts_a_lockout_and_is_refused_for_yourself(engine, s):
    scope = scope_of(s, "admin")

    def lock(x):
        user = x.exec(select(User).where(User.username == "support")).one()
        user.failed_logins, user.locked_until = 7, user.created_at + timedelta(days=3650)
    write(engine, lock)
    write(engine, lambda x: reset_password(x, scope=scope, username="support", temporary_password=TEMP))
    support = s.exec(select(User).where(User.username == "support")).one()
    assert support.must_change_password and verify_password(TEMP, support.password_hash)
    assert support.failed_logins == 0 and support.locked_until is None
    assert not list_users(s, scope)[0].locked
    assert events(s, "user.password_reset")[-1].object_id == str(support.id)
    with pytest.raises(AdminError, match="My account"):
        write(engine, lambda x: reset_password(x, scope=scope, username="admin", temporary_password=TEMP))


def test_list_users_shows_roles_and_teams(s):
    rows = {u.username: u for u in list_users(s, scope_of(s, "admin"))}
    assert rows["manager"].roles == ("manager",) and rows["manager"].teams == ("Assessment North",)
    assert rows["admin"].roles == ("admin",) and rows["admin"].active


# ================================================================== teams and practitioners
def test_teams_are_created_renamed_and_deactivated_with_rules(engine, s):
    scope = scope_of(s, "admin")
    team = write(engine, lambda x: create_team(x, scope=scope, name="  Assessment   East ",
                                                     service_area="Assessment"))
    assert team.name == "Assessment East"
    with pytest.raises(AdminError, match="already a team called 'Assessment East'"):
        write(engine, lambda x: create_team(x, scope=scope, name="assessment east"))
    write(engine, lambda x: update_team(x, scope=scope, team_id=team.id, name="Assessment Central",
                                              service_area="Assessment"))
    assert events(s, "team.update")[-1].before == {"name": "Assessment East"}
    assert events(s, "team.update")[-1].after == {"name": "Assessment Central"}
    with pytest.raises(AdminError, match="still has 8 active practitioner"):
        write(engine, lambda x: set_team_active(x, scope=scope, team_id=team_id(s, "Assessment North"),
                                                      active=False))
    write(engine, lambda x: set_team_active(x, scope=scope, team_id=team.id, active=False))
    assert s.get(Team, team.id).active is False
    rows = {t.name: t for t in list_teams(s, scope)}
    assert rows["Assessment Central"].active is False and rows["Assessment North"].managers == ("Sam Patel",)
    assert "Assessment Central" not in {t.name for t in list_teams(s, scope, active_only=True)}


def test_moving_a_practitioner_keeps_their_audits_with_the_old_team(engine, s):
    scope = scope_of(s, "admin")
    north, south = team_id(s, "Assessment North"), team_id(s, "Assessment South")
    practitioner = s.exec(select(Practitioner).join(Audit, Audit.practitioner_id == Practitioner.id)
                          .where(Practitioner.team_id == north)).first()
    audits_before = s.exec(select(Audit.team_id, func.count()).where(Audit.practitioner_id == practitioner.id)
                           .group_by(Audit.team_id)).all()
    result = write(engine, lambda x: move_practitioner(x, scope=scope, practitioner_id=practitioner.id,
                                                             to_team_id=south, moved_on=DEMO_TODAY, today=DEMO_TODAY))
    assert (result.from_team, result.to_team) == ("Assessment North", "Assessment South")
    assert result.cases_left_behind == s.exec(select(func.count()).select_from(Case).where(
        Case.practitioner_id == practitioner.id, Case.team_id == north)).one() > 0
    assert s.get(Practitioner, practitioner.id).team_id == south
    assert s.exec(select(Audit.team_id, func.count()).where(Audit.practitioner_id == practitioner.id)
                  .group_by(Audit.team_id)).all() == audits_before
    [move] = s.exec(select(PractitionerMove).where(PractitionerMove.practitioner_id == practitioner.id)).all()
    assert (move.from_team_id, move.to_team_id, move.moved_on) == (north, south, DEMO_TODAY)
    history = practitioner_history(s, scope, practitioner.id)
    assert [(h.from_team, h.to_team, h.moved_by) for h in history] == [("Assessment North", "Assessment South",
                                                                         "Pat Quinn")]
    assert events(s, "practitioner.move")[-1].after == {"team": "Assessment South", "moved_on": DEMO_TODAY.isoformat()}
    for moved_on, words in ((DEMO_TODAY + timedelta(days=1), "future"), (DEMO_TODAY - timedelta(days=1), "last move")):
        with pytest.raises(AdminError, match=words):
            write(engine, lambda x: move_practitioner(x, scope=scope, practitioner_id=practitioner.id,
                                                            to_team_id=north, moved_on=moved_on, today=DEMO_TODAY))


def test_practitioners_are_created_renamed_and_deactivated(engine, s):
    scope = scope_of(s, "admin")
    north = team_id(s, "Assessment North")
    created = write(engine, lambda x: create_practitioner(x, scope=scope, name=" Ada  Newcomer ", team_id=north,
                                                                on=DEMO_TODAY))
    assert created.name == "Ada Newcomer"
    assert [(h.from_team, h.to_team) for h in practitioner_history(s, scope, created.id)] == [
        ("(joined)", "Assessment North")]
    with pytest.raises(AdminError, match="date of birth"):
        write(engine, lambda x: rename_practitioner(x, scope=scope, practitioner_id=created.id, name="01/02/2015"))
    write(engine, lambda x: rename_practitioner(x, scope=scope, practitioner_id=created.id, name="Ada Oldtimer"))
    write(engine, lambda x: set_practitioner_active(x, scope=scope, practitioner_id=created.id, active=False))
    row = next(p for p in list_practitioners(s, scope, team_id=north) if p.id == created.id)
    assert (row.name, row.active, row.team) == ("Ada Oldtimer", False, "Assessment North")
    assert [e.action for e in s.exec(select(Event).where(Event.object_type == "practitioner",
                                                         Event.object_id == str(created.id)).order_by(Event.id))] == [
        "practitioner.create", "practitioner.rename", "practitioner.deactivate"]


# ================================================================== case import
HEADER = "Case reference,Team,Allocated practitioner,Service area\n"


def _existing(s: Session) -> tuple[Case, str, str]:
    case = s.exec(select(Case).where(Case.team_id == team_id(s, "Assessment North"))).first()
    worker = s.get(Practitioner, case.practitioner_id).name
    protection = team_id(s, "Child Protection")
    return case, worker, s.exec(select(Practitioner.name).where(Practitioner.team_id == protection)).first()


def _case_file(s: Session) -> bytes:
    case, north_worker, protection_worker = _existing(s)
    return (
        HEADER
        + f"LCS900001,Assessment North,{north_worker},\n"  # create
        + f"LCS900002,Child Protection,{protection_worker},Safeguarding and CIN\n"  # create
        + "LCS900003,Child Protection,Ada Newcomer,\n"  # create, with a new practitioner
        + f"{case.reference},Child Protection,{protection_worker},\n"  # update: moved team
        + "LCS900004,Nowhere Team,Jo Bloggs,\n"  # skip: unknown team
        + "Jessica Smith,Assessment North,Jo Bloggs,\n"  # skip: a child's name
        + f"LCS900001,Assessment North,{north_worker},\n"  # skip: duplicate
    ).encode()


def test_a_preview_writes_nothing_and_a_confirmed_import_writes_every_valid_row(engine, s):
    scope = scope_of(s, "support")  # business support imports case lists too
    moved, _, _ = _existing(s)
    table = read_case_file("cases.csv", _case_file(s))
    counts_before = (count(s, Case), count(s, Practitioner), count(s, Event))
    preview = preview_case_import(s, scope, table)
    assert [r.action for r in preview.rows] == [CREATE, CREATE, CREATE, UPDATE, SKIP, SKIP, SKIP]
    assert {(p.row, p.column) for p in preview.problems} == {(6, "Team"), (7, "Case reference"), (8, "Case reference")}
    assert (count(s, Case), count(s, Practitioner), count(s, Event)) == counts_before

    result = write(engine, lambda x: apply_case_import(x, scope=scope, table=table, confirmed=preview,
                                                             today=DEMO_TODAY))
    assert (result.created, result.updated, result.unchanged, result.skipped) == (3, 1, 0, 3)
    assert result.practitioners_created == ("Ada Newcomer",)
    assert count(s, Case) == counts_before[0] + 3 and count(s, Practitioner) == counts_before[1] + 1
    new_case = s.exec(select(Case).where(Case.reference == "LCS900003")).one()
    newcomer = s.get(Practitioner, new_case.practitioner_id)
    assert newcomer.name == "Ada Newcomer" and newcomer.team_id == team_id(s, "Child Protection")
    assert new_case.service_area == "Safeguarding and CIN"
    assert s.exec(select(Case.team_id).where(Case.reference == moved.reference)).one() == team_id(s, "Child Protection")
    [event] = events(s, "case.import")
    assert event.username == "support" and event.after["counts"] == {"create": 3, "update": 1, "unchanged": 0, "skip": 3}
    assert event.after["created"] == ["LCS900001", "LCS900002", "LCS900003"] and event.after["skipped_rows"] == [6, 7, 8]
    assert count(s, Event) == counts_before[2] + 1
    # The same file again: everything valid is now unchanged, so there is nothing to import.
    again = preview_case_import(s, scope, table)
    assert [r.action for r in again.rows][:4] == ["unchanged"] * 4


def test_an_import_that_fails_mid_write_writes_nothing(engine, s, monkeypatch):
    scope = scope_of(s, "admin")
    table = read_case_file("cases.csv", _case_file(s))
    preview = preview_case_import(s, scope, table)
    counts_before = (count(s, Case), count(s, Practitioner), count(s, PractitionerMove), count(s, Event))
    real_write, calls = case_import_db._write_case, []

    def failing_write(session, row, practitioner_id, existing):
        calls.append(row.reference)
        if len(calls) == 3:
            session.flush()  # the first two rows really reached the database
            assert session.exec(select(func.count()).select_from(Case).where(
                Case.reference.in_(["LCS900001", "LCS900002"]))).one() == 2
            raise RuntimeError("the disk is full")
        real_write(session, row, practitioner_id, existing)

    monkeypatch.setattr(case_import_db, "_write_case", failing_write)
    with pytest.raises(RuntimeError, match="disk is full"):
        write(engine, lambda x: apply_case_import(x, scope=scope, table=table, confirmed=preview,
                                                        today=DEMO_TODAY))
    assert calls == ["LCS900001", "LCS900002", "LCS900003"]  # two rows were written before the failure ...
    # ... and rolled back with the new practitioner and the log entry: all or nothing.
    assert (count(s, Case), count(s, Practitioner), count(s, PractitionerMove), count(s, Event)) == counts_before
    assert s.exec(select(Case).where(Case.reference == "LCS900001")).first() is None


def test_a_database_refusal_mid_import_writes_nothing(engine, s, monkeypatch):
    """The same all-or-nothing, with the database itself refusing a row (a reference taken meanwhile)."""
    scope = scope_of(s, "admin")
    table = read_case_file("cases.csv", _case_file(s))
    preview = preview_case_import(s, scope, table)
    before = count(s, Case)
    real_directory = import_directory
    # Hide the clash from the check made inside the transaction, so the database itself meets it.
    monkeypatch.setattr(case_import_db, "import_directory",
                        lambda session, refs: real_directory(session, [r for r in refs if r != "LCS900002"]))

    def write_then_collide(x):
        x.add(Case(reference="LCS900002", team_id=team_id(x, "Assessment North")))
        x.flush()
        return apply_case_import(x, scope=scope, table=table, confirmed=preview, today=DEMO_TODAY)

    with pytest.raises(Exception) as raised:
        write(engine, write_then_collide)
    assert "unique" in str(raised.value).lower() or "duplicate" in str(raised.value).lower()
    assert count(s, Case) == before


def test_a_change_between_preview_and_confirmation_stops_the_import(engine, s):
    scope = scope_of(s, "admin")
    table = read_case_file("cases.csv", _case_file(s))
    preview = preview_case_import(s, scope, table)
    before = count(s, Case)
    protection = team_id(s, "Child Protection")
    write(engine, lambda x: update_team(x, scope=scope, team_id=protection, name="Child Protection Hub",
                                              service_area=""))
    with pytest.raises(ImportChanged, match="changed since the preview"):
        write(engine, lambda x: apply_case_import(x, scope=scope, table=table, confirmed=preview,
                                                        today=DEMO_TODAY))
    assert count(s, Case) == before


def test_managers_and_auditors_cannot_import(s):
    table = read_case_file("cases.csv", _case_file(s))
    for username in ("manager", "auditor", "sponsor"):
        with pytest.raises(PermissionError):
            preview_case_import(s, scope_of(s, username), table)


def test_an_import_with_nothing_valid_is_refused(engine, s):
    scope = scope_of(s, "admin")
    table = read_case_file("cases.csv", (HEADER + "Jessica Smith,Nowhere,,\n").encode())
    preview = preview_case_import(s, scope, table)
    with pytest.raises(AdminError, match="Nothing to import"):
        write(engine, lambda x: apply_case_import(x, scope=scope, table=table, confirmed=preview,
                                                        today=DEMO_TODAY))


# ================================================================== the event log
def test_the_event_log_is_searchable_by_user_object_and_date(engine, s):
    scope = scope_of(s, "admin")
    write(engine, lambda x: create_team(x, scope=scope, name="Assessment East"))
    everything, total = search_events(s, scope, EventFilter(), limit=None)
    assert total == count(s, Event) and everything[0].action == "team.create"  # newest first
    by_admin, n = search_events(s, scope, EventFilter(username="admin"))
    assert n >= 1 and {r.username for r in by_admin} == {"admin"}
    teams, _ = search_events(s, scope, EventFilter(object_type="team", action="create"))
    assert [r.after for r in teams] == ['{"name": "Assessment East", "service_area": ""}']
    # Dates are UK days, inclusive; expected counts are a hand count of the rows' own days, so the
    # test holds on any day and across midnight (the template may be seeded the day before).
    newest_day = everything[0].at.date()
    _, on_day = search_events(s, scope, EventFilter(date_from=newest_day, date_to=newest_day))
    _, before_day = search_events(s, scope, EventFilter(date_to=newest_day - timedelta(days=1)))
    assert on_day == sum(1 for r in everything if r.at.date() == newest_day) >= 1
    assert before_day == sum(1 for r in everything if r.at.date() < newest_day)
    assert on_day + before_day == total
    about_sponsor, _ = search_events(s, scope, EventFilter(object_id="Sponsor"))
    assert [r.action for r in about_sponsor] == ["user.create"]  # a username finds what was done to that user
    _, wildcard = search_events(s, scope, EventFilter(action="%"))
    assert wildcard == 0  # typed text is matched literally
    users, objects = event_filter_options(s, scope)
    assert "admin" in users and "team" in objects


def test_the_event_log_export_is_neutralised_and_itself_logged(engine, s):
    scope = scope_of(s, "admin")
    write(engine, lambda x: record(x, "=cmd|' /C calc'!A0", "login.failure", "user", ""))
    data = export_events(s, scope, EventFilter(action="login.failure"), "csv").decode("utf-8-sig")
    assert ",'=cmd|" in data and ",=cmd" not in data and data.startswith("Id,When (UK time),User,Action")
    workbook = export_events(s, scope, EventFilter(), "xlsx")
    assert workbook[:2] == b"PK"
    write(engine, lambda x: record_event_export(x, scope, EventFilter(username="admin"), "csv"))
    assert events(s, "event_log.export")[-1].after == {"format": "csv", "username": "admin"}
    with pytest.raises(PermissionError):
        search_events(s, scope_of(s, "support"), EventFilter())


def test_the_event_log_refuses_changes_made_through_the_orm(engine, s):
    """Even code that loads an event and edits or deletes it, as a page might, is refused by the database."""
    scope = scope_of(s, "admin")
    write(engine, lambda x: create_team(x, scope=scope, name="Assessment East"))
    [row], _ = search_events(s, scope, EventFilter(object_type="team"), limit=1)

    def edit(x):
        event = x.get(Event, row.id)
        event.username = "someone-else"

    def remove(x):
        x.delete(x.get(Event, row.id))

    for change in (edit, remove):
        with pytest.raises(DBAPIError, match="append-only"):
            write(engine, change)
    assert s.get(Event, row.id).username == "admin"


# ================================================================== templates
def _bumped(version: int) -> bytes:
    text = (TEMPLATE_DIR / "neglect.v1.toml").read_text(encoding="utf-8")
    return text.replace("version = 1", f"version = {version}", 1).encode()


def test_template_versions_and_preview(s):
    scope = scope_of(s, "admin")
    rows = template_versions(s, scope)
    assert {r.theme_code for r in rows} == {"assessment", "front_door", "neglect", "risk", "repeat_s47"}
    neglect = next(r for r in rows if r.theme_code == "neglect")
    assert neglect.latest and neglect.audits > 0 and neglect.questions >= 6
    questions = template_questions(s, scope, neglect.id)
    assert len(questions) == neglect.questions and questions[0].position == 1


def test_a_new_template_version_is_validated_then_loaded(engine, s):
    scope = scope_of(s, "admin")
    assert "version = 1" in (TEMPLATE_DIR / "neglect.v1.toml").read_text()
    same = check_template_upload(s, scope, _bumped(1))
    assert same.problems == ("Neglect is already at version 1; a changed template needs version 2 or higher.",)
    broken = check_template_upload(s, scope, b'theme = "Neglect!"\nversion = 0\n')
    assert broken.spec is None and len(broken.problems) >= 3
    assert any(p.startswith("version:") for p in broken.problems)
    latin1 = check_template_upload(s, scope, b"name = \"N\xe9glect\"")
    assert latin1.spec is None and latin1.problems[0].startswith("The file is not UTF-8 text (byte 10)")
    good = check_template_upload(s, scope, _bumped(2))
    assert good.problems == () and good.current_version == 1 and good.spec.version == 2
    version = write(engine, lambda x: load_template_upload(x, scope=scope, data=_bumped(2)))
    stored = s.get(TemplateVersion, version.id)
    assert stored.version == 2 and stored.loaded_by_id == load_signed_in(s, "admin").id
    assert count(s, Question) > 0 and len(template_questions(s, scope, version.id)) == len(good.spec.questions)
    assert events(s, "template.load")[-1].username == "admin"
    with pytest.raises(TemplateError, match="already at version 2"):
        write(engine, lambda x: load_template_upload(x, scope=scope, data=_bumped(2)))
