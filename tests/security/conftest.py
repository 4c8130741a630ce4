"""Security tests reuse the AppTest fixture: each test on its own demo database copy."""
from tests.app.conftest import app_db  # noqa: F401  (autouse fixture)
