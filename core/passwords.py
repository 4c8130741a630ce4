"""Password hashing (bcrypt), the rules a new password must meet, and how long a
sign-in must wait after failures.

Two sign-in rules live here because they are policy, not plumbing:

- **Equal work for every name.** A sign-in with an unknown (or deactivated) username
  checks the password against a dummy hash of the same bcrypt cost as the real
  ones, so the time taken does not tell which usernames exist.
- **A growing delay, not a lock.** After a few failures a username (and, separately,
  a client address) must wait before the next attempt is even checked; the wait
  doubles with each failure up to a cap. Nobody can lock an account (the admin's
  included) by guessing wrong: the real user waits at most ``ACCOUNT_MAX_DELAY``
  seconds, and a successful sign-in or an administrator's password reset clears it.
"""
from __future__ import annotations

import functools

import bcrypt

MIN_LENGTH = 12
BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")

ACCOUNT_FREE_FAILURES = 3  # failures in a row before a username must wait
ACCOUNT_MAX_DELAY = 60  # seconds: about one guess a minute per username, at worst a minute's wait for its owner
ADDRESS_FREE_FAILURES = 10  # failures in the last hour from one client address, over every username
ADDRESS_MAX_DELAY = 15 * 60
ADDRESS_WINDOW_MINUTES = 60


def hash_password(password: str, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    if not password or not is_bcrypt_hash(password_hash):
        return False
    return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))


def is_bcrypt_hash(value: str | None) -> bool:
    return bool(value) and value.startswith(BCRYPT_PREFIXES) and len(value) == 60


def bcrypt_cost(password_hash: str | None, default: int = 12) -> int:
    """The cost factor of a bcrypt hash ('$2b$12$...' -> 12)."""
    if is_bcrypt_hash(password_hash):
        try:
            return int(password_hash.split("$")[2])
        except ValueError:
            pass
    return default


@functools.lru_cache(maxsize=8)
def _dummy_hash(rounds: int) -> str:
    return hash_password("no account has this password", rounds=rounds)


def check_password(password: str, password_hash: str | None, *, rounds: int) -> bool:
    """Whether ``password`` matches; with no usable hash (unknown or deactivated user) the
    same bcrypt work is done against a dummy hash of cost ``rounds``, and the answer is no."""
    if is_bcrypt_hash(password_hash):
        return bcrypt.checkpw((password or "").encode("utf-8"), password_hash.encode("ascii")) and bool(password)
    bcrypt.checkpw((password or "").encode("utf-8"), _dummy_hash(rounds).encode("ascii"))
    return False


def _doubling(failures: int, free: int, cap: int) -> int:
    if failures <= free:
        return 0
    return min(2 ** min(failures - free, 30), cap)


def account_delay(failures: int) -> int:
    """Seconds a username waits after ``failures`` failed sign-ins in a row: none for the
    first 3, then 2, 4, 8, 16, 32 and at most 60."""
    return _doubling(failures, ACCOUNT_FREE_FAILURES, ACCOUNT_MAX_DELAY)


def address_delay(failures: int) -> int:
    """Seconds a client address waits after ``failures`` failures in the last hour (any
    username): none for the first 10, then 2, 4, 8... up to 15 minutes."""
    return _doubling(failures, ADDRESS_FREE_FAILURES, ADDRESS_MAX_DELAY)


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is too weak, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if username and username.lower() in password.lower():
        return "The password must not contain the username."
    if len(set(password)) < 5:
        return "Use a less repetitive password."
    return None
