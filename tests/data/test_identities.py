"""Single sign-on in the data layer (db.identities) on SQLite and PostgreSQL: the link made at a first
sign-in by verified email, matching by (issuer, subject) afterwards, refusals in the event log, and the
admin's link, unlink and sign-in method."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.admin_users import set_user_active, update_account
import db.identities as ids
from core.authz import Role
from core.identity import INACTIVE, NOT_SET_UP, Identity
from db.engine import get_engine, write_session
from db.models import Event, User, UserIdentity
from db.users import UserError, load_signed_in, login_credentials

ISS = "https://login.example.gov.uk/tenant/v2.0"


def scope_of(session: Session, username: str):
    return load_signed_in(session, username).scope


def events(session: Session, action: str) -> list[Event]:
    return list(session.exec(select(Event).where(Event.action == action).order_by(Event.id)))


@pytest.fixture
def engine(demo_url):
    return get_engine(demo_url)


def add_provider_user(engine, username="jo.smith", email="Jo.Smith@Council.gov.uk", roles=(Role.AUDITOR,)):
    with write_session(engine) as s:
        ids.create_provider_account(s, scope=scope_of(s, "admin"), username=username, display_name="Jo Smith",
                                    email=email, roles=roles, managed_team_ids=[])


def jo(subject="sub-jo-123", email="jo.smith@council.gov.uk", verified=True) -> Identity:
    return Identity(ISS, subject, email=email, email_verified=verified, name="Jo Smith")


def test_first_sign_in_links_by_verified_email_and_later_ones_match_by_subject(engine):
    add_provider_user(engine)
    with write_session(engine) as s:
        user, reason = ids.sign_in(s, jo(), provider="default")
    assert (user.username, user.roles, reason) == ("jo.smith", frozenset({Role.AUDITOR}), "")
    with Session(engine) as s:
        link = s.exec(select(UserIdentity)).one()
        assert (link.issuer, link.subject, link.email, link.linked_by) == (
            ISS, "sub-jo-123", "jo.smith@council.gov.uk", "jo.smith")
        assert link.last_sign_in_at is not None
        assert [e.after["by"] for e in events(s, "user.identity_link")][-1] == "first sign-in, verified email"
        success = events(s, "login.success")[-1]
        assert (success.username, success.after["method"], success.after["linked"]) == ("jo.smith", "provider", True)
    # Next time the provider reports another email: the subject decides, nothing new is linked.
    with write_session(engine) as s:
        again, _ = ids.sign_in(s, jo(email="jo.brown@council.gov.uk"), provider="default")
    assert again.username == "jo.smith"
    with Session(engine) as s:
        assert len(s.exec(select(UserIdentity)).all()) == 1
        assert "linked" not in events(s, "login.success")[-1].after


def test_an_unverified_email_links_nothing(engine):
    add_provider_user(engine)
    with write_session(engine) as s:
        user, reason = ids.sign_in(s, jo(verified=False), provider="default")
    assert user is None and reason == "the provider did not vouch for the email address"
    with Session(engine) as s:
        assert s.exec(select(UserIdentity)).all() == []


def test_an_unknown_identity_is_refused_and_the_attempt_logged(engine):
    with write_session(engine) as s:
        user, reason = ids.sign_in(s, jo(subject="sub-stranger", email="stranger@elsewhere.org"), provider="default")
    assert user is None and reason == NOT_SET_UP
    with Session(engine) as s:
        failure = events(s, "login.failure")[-1]
        assert failure.username == "stranger@elsewhere.org"
        assert (failure.after["subject"], failure.after["issuer"], failure.after["reason"]) == (
            "sub-stranger", ISS, NOT_SET_UP)
        assert s.exec(select(UserIdentity)).all() == []


def test_a_deactivated_user_is_refused_at_once(engine):
    add_provider_user(engine)
    with write_session(engine) as s:
        ids.sign_in(s, jo(), provider="default")
    with Session(engine) as s:
        assert ids.load_by_identity(s, jo()).username == "jo.smith"
    with write_session(engine) as s:
        set_user_active(s, scope=scope_of(s, "admin"), username="jo.smith", active=False)
    with Session(engine) as s:
        assert ids.load_by_identity(s, jo()) is None
    with write_session(engine) as s:
        user, reason = ids.sign_in(s, jo(), provider="default")
    assert user is None and reason == INACTIVE


def test_roles_are_the_apps_own_and_re_read(engine):
    add_provider_user(engine)
    with write_session(engine) as s:
        ids.sign_in(s, jo(), provider="default")
        update_account(s, scope=scope_of(s, "admin"), username="jo.smith", display_name="Jo Smith",
                             email="jo.smith@council.gov.uk", roles=[Role.SUPPORT], managed_team_ids=[])
    with Session(engine) as s:
        assert ids.load_by_identity(s, jo()).roles == frozenset({Role.SUPPORT})


def test_a_provider_only_user_has_no_password_sign_in_and_no_password_to_change(engine):
    add_provider_user(engine)
    with Session(engine) as s:
        usernames = set(login_credentials(s)["usernames"])
        assert "jo.smith" not in usernames
        assert {"admin", "auditor", "manager", "sponsor", "support"} <= usernames  # local accounts as before
        stored = s.exec(select(User).where(User.username == "jo.smith")).one()
        assert (stored.sign_in, stored.must_change_password) == ("provider", False)


def test_a_provider_user_needs_an_email_that_nobody_else_has(engine):
    with write_session(engine) as s, pytest.raises(UserError, match="work email"):
        ids.create_provider_account(s, scope=scope_of(s, "admin"), username="no.email", display_name="No Email",
                                    email="", roles=[Role.AUDITOR], managed_team_ids=[])
    with write_session(engine) as s, pytest.raises(UserError, match="already has that email"):
        ids.create_provider_account(s, scope=scope_of(s, "admin"), username="twin", display_name="Twin",
                                    email="AUDITOR@demo.invalid", roles=[Role.AUDITOR], managed_team_ids=[])


def test_admin_links_by_hand_and_unlinks(engine):
    add_provider_user(engine)
    with write_session(engine) as s:
        ids.link_identity(s, scope=scope_of(s, "admin"), username="jo.smith", issuer=ISS, subject="sub-jo-123")
    with Session(engine) as s:
        # Matched by subject, even with no email from the provider.
        assert ids.load_by_identity(s, Identity(ISS, "sub-jo-123")).username == "jo.smith"
        assert ids.sign_in_rows(s, scope_of(s, "admin"))[ids_user_id(s, "jo.smith")].identity == (
            f"sub-jo-123 at {ISS}")
    with write_session(engine) as s, pytest.raises(UserError, match="already linked to 'jo.smith'"):
        ids.link_identity(s, scope=scope_of(s, "admin"), username="auditor", issuer=ISS, subject="sub-jo-123")
    with write_session(engine) as s:
        ids.unlink_identity(s, scope=scope_of(s, "admin"), username="jo.smith")
    with Session(engine) as s:
        assert s.exec(select(UserIdentity)).all() == []
        assert ids.load_by_identity(s, Identity(ISS, "sub-jo-123")) is None
        assert events(s, "user.identity_unlink")[-1].before == {"issuer": ISS, "subject": "sub-jo-123"}
        assert s.exec(select(User).where(User.username == "jo.smith")).one().sessions_valid_after is not None


def ids_user_id(session: Session, username: str) -> int:
    return session.exec(select(User.id).where(User.username == username)).one()


def test_only_an_admin_links_identities_or_changes_how_people_sign_in(engine):
    with write_session(engine) as s:
        with pytest.raises(PermissionError):
            ids.link_identity(s, scope=scope_of(s, "auditor"), username="auditor", issuer=ISS, subject="x")
        with pytest.raises(PermissionError):
            ids.set_sign_in_method(s, scope=scope_of(s, "support"), username="support", method="provider")
        with pytest.raises(UserError, match="another administrator"):
            ids.set_sign_in_method(s, scope=scope_of(s, "admin"), username="admin", method="provider")


def test_changing_the_sign_in_method_ends_password_sign_in_and_is_logged(engine):
    with write_session(engine) as s:
        ids.set_sign_in_method(s, scope=scope_of(s, "admin"), username="auditor", method="provider")
    with Session(engine) as s:
        assert "auditor" not in login_credentials(s)["usernames"]
        event = events(s, "user.sign_in_method")[-1]
        assert (event.before, event.after) == ({"sign_in": "local"}, {"sign_in": "provider"})
    with write_session(engine) as s:
        user, _ = ids.sign_in(s, Identity(ISS, "sub-alex", email="auditor@demo.invalid", email_verified=True),
                              provider="default")
    assert user.username == "auditor"


def test_the_database_holds_one_user_per_identity(engine):
    with pytest.raises(IntegrityError):
        with write_session(engine) as s:
            for username in ("auditor", "manager"):
                s.add(UserIdentity(user_id=ids_user_id(s, username), issuer=ISS, subject="same", linked_by="test"))


def test_provider_groups_set_the_roles_they_name_when_the_mapping_is_on(engine):
    auditors, board = "3f9c-auditors", "c01d-board"
    mapping = ((auditors, ("auditor",)), (board, ("sponsor",)))
    add_provider_user(engine, roles=(Role.AUDITOR,))
    in_board = Identity(ISS, "sub-jo-123", email="jo.smith@council.gov.uk", email_verified=True,
                        groups=frozenset({board}))
    with write_session(engine) as s:
        user, _ = ids.sign_in(s, in_board, provider="default", group_roles=mapping)
    assert user.roles == frozenset({Role.SPONSOR})
    with Session(engine) as s:
        assert ids.load_by_identity(s, in_board).roles == frozenset({Role.SPONSOR})  # stored, re-read
        event = events(s, "user.roles")[-1]
        assert (event.before, event.after) == ({"roles": ["auditor"]}, {"roles": ["sponsor"], "by": "provider groups"})
    # In no mapped group and with no other role: refused, logged, roles left as they were.
    no_groups = Identity(ISS, "sub-jo-123", email="jo.smith@council.gov.uk", email_verified=True)
    with write_session(engine) as s:
        user, reason = ids.sign_in(s, no_groups, provider="default", group_roles=mapping)
    assert user is None and reason == "none of the person's provider groups gives a role, and they have no other"
    with Session(engine) as s:
        assert events(s, "login.failure")[-1].after["reason"] == reason
        assert ids.load_by_identity(s, in_board).roles == frozenset({Role.SPONSOR})
    # Off (the default): the token's groups change nothing.
    with write_session(engine) as s:
        user, _ = ids.sign_in(s, Identity(ISS, "sub-jo-123", groups=frozenset({auditors})), provider="default")
    assert user.roles == frozenset({Role.SPONSOR})
