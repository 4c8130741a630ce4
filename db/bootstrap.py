"""What happens to the database when the app starts: migrate, check, seed the demo."""
from __future__ import annotations

import threading

from sqlmodel import select

from core.config import ConfigError, Settings
from core.passwords import is_bcrypt_hash, verify_password
from db import migrate
from db.demo import is_seeded, seed_demo
from db.demo_accounts import DEMO_PASSWORDS
from db.engine import read_session, write_session, get_engine
from db.models import User
from db.templates import sync_bundled_templates, templates_missing

_prepared: set[str] = set()
_lock = threading.Lock()


def check_users_safe(settings: Settings) -> None:
    """Outside demo mode, refuse plaintext passwords and the demo accounts' known passwords."""
    if settings.demo_mode:
        return
    engine = get_engine(settings.database_url)
    with read_session(engine) as session:
        users = session.exec(select(User).where(User.active == True)).all()  # noqa: E712
    for user in users:
        if not is_bcrypt_hash(user.password_hash):
            raise ConfigError(f"User '{user.username}' has a password that is not a bcrypt hash; refusing to start.")
        known = DEMO_PASSWORDS.get(user.username)
        if known and verify_password(known, user.password_hash):
            raise ConfigError(
                f"The demo account '{user.username}' exists in this database but demo mode is off; "
                "deactivate it or use a fresh database."
            )


def prepare_database(settings: Settings) -> None:
    """Upgrade to the newest schema and, in demo mode, seed an empty database. Once per process."""
    with _lock:
        if settings.database_url in _prepared:
            return
        # Only take the write lock when there is something to migrate: processes that
        # start on an up-to-date (or read-only) database just read the revision.
        if migrate.current_revision(settings.database_url) != migrate.head_revision(settings.database_url):
            migrate.upgrade(settings.database_url)
        engine = get_engine(settings.database_url)
        with read_session(engine) as session:
            needs_seed = settings.demo_mode and not is_seeded(session)
            needs_templates = not needs_seed and templates_missing(session)
        if needs_seed or needs_templates:
            # The app's own preparation, before anyone is signed in: not a user's write, so not
            # checked against a session (the check would also come back here for the settings).
            with write_session(engine, checked=False) as session:
                if needs_seed and not is_seeded(session):
                    seed_demo(session)
                else:
                    sync_bundled_templates(session)
        check_users_safe(settings)
        _prepared.add(settings.database_url)


def forget_prepared() -> None:
    """For tests that point the app at a new database."""
    with _lock:
        _prepared.clear()
