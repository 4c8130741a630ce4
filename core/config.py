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

from core.identity import parse_group_roles

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
    # Sign-in (docs/sso.md): local accounts, the council's OpenID Connect provider, or both.
    auth_mode: str = "local"
    oidc_provider: str = ""  # the [auth.<name>] section of secrets.toml; "" uses [auth] itself
    oidc_provider_label: str = "your organisation's account"
    oidc_trust_email: bool = False
    admin_contact: str = "your administrator"
    # Optional, off when empty: provider groups that give roles (core.identity.roles_with_groups).
    oidc_group_roles: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def local_sign_in(self) -> bool:
        return self.auth_mode in ("local", "both")

    @property
    def provider_sign_in(self) -> bool:
        return self.auth_mode in ("oidc", "both")


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


def check_auth_section(auth: Mapping[str, object] | None, provider: str = "") -> None:
    """Refuse provider sign-in without a complete ``[auth]`` section and a strong cookie secret.

    Streamlit signs the identity cookie (``st.user``: the provider's issuer and subject)
    with ``cookie_secret``; anyone who knows or guesses it can sign in as anyone.
    """
    where = "the [auth] section of .streamlit/secrets.toml (docs/sso.md)"
    if not isinstance(auth, Mapping) or not auth:
        raise ConfigError(f"AUTH_MODE oidc or both needs {where}.")
    section = auth.get(provider) if provider else auth
    missing = [f"auth.{key}" for key in ("redirect_uri", "cookie_secret") if not auth.get(key)]
    if not isinstance(section, Mapping):
        missing.append(f"[auth.{provider}]")
    else:
        prefix = f"auth.{provider}." if provider else "auth."
        missing += [prefix + key for key in ("client_id", "client_secret", "server_metadata_url")
                    if not section.get(key)]
    if missing:
        raise ConfigError(f"Missing in {where}: {', '.join(missing)}.")
    if not str(auth["redirect_uri"]).rstrip("/").endswith("/oauth2callback"):
        raise ConfigError("auth.redirect_uri must be the app's address followed by /oauth2callback, "
                          "e.g. https://audit.example.gov.uk/oauth2callback.")
    try:
        check_cookie_key(str(auth["cookie_secret"]))
    except ConfigError as error:
        raise ConfigError(f"auth.cookie_secret signs the sign-in cookie: {error}".replace(
            "No cookie signing key: set AUDIT_COOKIE_KEY (or cookie_key in .streamlit/secrets.toml) to",
            "set it to")) from None


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
    auth_mode = (get("AUTH_MODE", "auth_mode", "local") or "local").strip().lower()
    if auth_mode not in ("local", "oidc", "both"):
        raise ConfigError(f"AUTH_MODE must be local, oidc or both, not {auth_mode!r}.")
    provider = (get("AUDIT_OIDC_PROVIDER", "oidc_provider", "") or "").strip()
    if "_" in provider:
        raise ConfigError("AUDIT_OIDC_PROVIDER names an [auth.<name>] section: Streamlit allows no underscore in it.")
    try:
        group_roles = parse_group_roles(secrets_.get("oidc_group_roles"))
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return Settings(
        database_url=database_url,
        demo_mode=demo_mode,
        cookie_key=key,
        idle_timeout_minutes=int(get("AUDIT_IDLE_MINUTES", "idle_minutes", "30")),
        auth_mode=auth_mode,
        oidc_provider=provider,
        oidc_provider_label=(get("AUDIT_OIDC_PROVIDER_LABEL", "oidc_provider_label", "")
                             or "your organisation's account").strip(),
        oidc_trust_email=(get("AUDIT_OIDC_TRUST_EMAIL", "oidc_trust_email", "0") or "").lower() in _TRUE,
        admin_contact=(get("AUDIT_ADMIN_CONTACT", "admin_contact", "") or "your administrator").strip(),
        oidc_group_roles=group_roles,
    )
