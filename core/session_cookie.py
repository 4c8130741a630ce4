"""The sign-in cookie: who it names and when it was issued, checked without Streamlit.

The cookie is streamlit-authenticator's: a JSON Web Token signed with the deployment's cookie key
(HS256) that holds ``username`` and ``exp_date`` (a Unix time), set ``expiry_days`` before it
expires. ``ui.auth`` reads it from the request itself (``st.context.cookies``) instead of through
the library's cookie component, whose first report from the browser runs the whole page a second
time on every page load. Only the token's signature, its expiry and its username are trusted here;
whether that user may still sign in (active, not signed out since, not idle) is decided by the
caller against the database, as for any session.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import jwt

ALGORITHM = "HS256"  # the library's, and the only one accepted: never "none", never another key type


@dataclass(frozen=True)
class CookieSession:
    username: str
    issued_at: datetime  # what a sign-out everywhere is compared with


def cookie_session(token: str | None, key: str, expiry_days: float, now: datetime) -> CookieSession | None:
    """The session a sign-in cookie carries, or None for no cookie, a forged, tampered or expired one."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM])
    except jwt.PyJWTError:
        return None
    username, expires = claims.get("username"), claims.get("exp_date")
    if not isinstance(username, str) or not username:
        return None
    if isinstance(expires, bool) or not isinstance(expires, (int, float)) or expires <= now.timestamp():
        return None
    return CookieSession(username, datetime.fromtimestamp(expires - expiry_days * 86400, tz=timezone.utc))
