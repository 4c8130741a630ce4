"""Settings from the environment (and, where given, Streamlit's secrets).

Outside demo mode the app refuses to start without a cookie signing key of at
least 32 random bytes: streamlit-authenticator's default key would let anyone
forge a sign-in cookie.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'audit.db'}"
MIN_KEY_BYTES = 32
KNOWN_WEAK_KEYS = {"some_key", "secret", "changeme", "change-me", "password", "key"}
_TRUE = {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """A setting that makes it unsafe to start; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    demo_mode: bool
    cookie_key: str
    cookie_name: str = "case_audit_auth"
    cookie_expiry_days: float = 0.5
    idle_timeout_minutes: int = 30
    max_failed_logins: int = 10
    lockout_minutes: int = 15


def _demo_key_file() -> Path:
    return DATA_DIR / "demo-cookie-key"


def _demo_cookie_key() -> str:
    """A random key for the embedded demo, made once and kept out of git under data/."""
    path = _demo_key_file()
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created 0600 from the start (no moment when another user could read it).
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key


def check_cookie_key(key: str | None) -> str:
    if not key:
        raise ConfigError(
            "No cookie signing key: set AUDIT_COOKIE_KEY (or cookie_key in .streamlit/secrets.toml) "
            "to at least 32 random bytes, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    if key.strip().lower() in KNOWN_WEAK_KEYS or len(key.encode()) < MIN_KEY_BYTES:
        raise ConfigError(
            f"The cookie signing key is a default or shorter than {MIN_KEY_BYTES} bytes; "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    if len(set(key)) < 10:
        raise ConfigError("The cookie signing key is not random enough; generate a new one.")
    return key


def load_settings(env: Mapping[str, str] | None = None, secrets_: Mapping[str, object] | None = None) -> Settings:
    """Read settings from ``env`` (default: os.environ) then ``secrets_``; validate them."""
    env = os.environ if env is None else env
    secrets_ = secrets_ or {}

    def get(name: str, secret_name: str, default: str | None = None) -> str | None:
        value = env.get(name)
        if value is None:
            value = secrets_.get(secret_name)
        return default if value is None else str(value)

    database_url = get("DATABASE_URL", "database_url", DEFAULT_DATABASE_URL)
    demo_raw = get("AUDIT_DEMO_MODE", "demo_mode")
    # The embedded default (SQLite under data/) is the demo unless told otherwise.
    demo_mode = (demo_raw or "").lower() in _TRUE if demo_raw is not None else database_url == DEFAULT_DATABASE_URL
    key = get("AUDIT_COOKIE_KEY", "cookie_key")
    if demo_mode and not key:
        key = _demo_cookie_key()
    key = check_cookie_key(key)
    return Settings(
        database_url=database_url,
        demo_mode=demo_mode,
        cookie_key=key,
        idle_timeout_minutes=int(get("AUDIT_IDLE_MINUTES", "idle_minutes", "30")),
        max_failed_logins=int(get("AUDIT_MAX_FAILED_LOGINS", "max_failed_logins", "10")),
        lockout_minutes=int(get("AUDIT_LOCKOUT_MINUTES", "lockout_minutes", "15")),
    )
