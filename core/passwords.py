"""Password hashing (bcrypt) and the rules a new password must meet."""
from __future__ import annotations

import bcrypt

MIN_LENGTH = 12
BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


def hash_password(password: str, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    if not password or not is_bcrypt_hash(password_hash):
        return False
    return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))


def is_bcrypt_hash(value: str | None) -> bool:
    return bool(value) and value.startswith(BCRYPT_PREFIXES) and len(value) == 60


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is too weak, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if username and username.lower() in password.lower():
        return "The password must not contain the username."
    if len(set(password)) < 5:
        return "Use a less repetitive password."
    return None
