"""Reliability tests that drive pages reuse the AppTest fixture (own demo database, no caches)."""
from tests.app.conftest import app_db  # noqa: F401  (autouse fixture)
