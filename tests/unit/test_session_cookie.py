"""The sign-in cookie (core.session_cookie): only a token signed with the app's key, unexpired and
naming someone, carries a session; its issue time is its expiry less the cookie's lifetime."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import jwt
import pytest

from core.session_cookie import CookieSession, cookie_session

KEY = "Zq8v3LmT0pWcR7yH2nK5xB9dF4gJ6sA1eU"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
DAYS = 1
# Issued at 08:30 on 30 November: expires a day later, at 08:30 on 1 December (1764577800).
EXPIRES = datetime(2026, 12, 1, 8, 30, tzinfo=timezone.utc).timestamp()


def _token(claims: dict, key: str = KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def test_a_token_signed_with_the_key_gives_its_user_and_when_it_was_issued():
    session = cookie_session(_token({"username": "auditor", "exp_date": EXPIRES}), KEY, DAYS, NOW)
    assert session == CookieSession("auditor", datetime(2026, 11, 30, 8, 30, tzinfo=timezone.utc))


@pytest.mark.parametrize("token", [None, "", "not-a-token", "a.b.c"])
def test_no_cookie_or_garbage_is_no_session(token):
    assert cookie_session(token, KEY, DAYS, NOW) is None


def test_another_key_is_no_session():
    assert cookie_session(_token({"username": "admin", "exp_date": EXPIRES}, key="x" * 40), KEY, DAYS, NOW) is None


def test_a_token_whose_payload_was_changed_is_no_session():
    header, _payload, signature = _token({"username": "auditor", "exp_date": EXPIRES}).split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"username": "admin", "exp_date": EXPIRES}).encode()).rstrip(b"=")
    assert cookie_session(f"{header}.{forged.decode()}.{signature}", KEY, DAYS, NOW) is None


def test_an_unsigned_token_is_no_session():
    unsigned = _token({"username": "admin", "exp_date": EXPIRES}, key="", algorithm="none")
    assert cookie_session(unsigned, KEY, DAYS, NOW) is None


def test_an_expired_token_is_no_session():
    expired_at_nine = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc).timestamp()
    assert cookie_session(_token({"username": "auditor", "exp_date": expired_at_nine}), KEY, DAYS, NOW) is None


@pytest.mark.parametrize("claims", [{"exp_date": EXPIRES}, {"username": "", "exp_date": EXPIRES},
                                    {"username": 7, "exp_date": EXPIRES}, {"username": "auditor"},
                                    {"username": "auditor", "exp_date": "soon"},
                                    {"username": "auditor", "exp_date": True}])
def test_a_token_without_a_name_or_an_expiry_is_no_session(claims):
    assert cookie_session(_token(claims), KEY, DAYS, NOW) is None
