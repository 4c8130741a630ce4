"""What the ui layer does for one user action, for tests that call a db write directly:
open one ``db.engine.write_session`` and pass its session to the write (docs/development.md,
"Writes")."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Engine

from db.engine import write_session

T = TypeVar("T")


def one_action(write: Callable[..., T], *args, engine: Engine | None = None, **kwargs) -> T:
    """``write(session, *args, **kwargs)`` in a transaction of its own, committed when it returns."""
    with write_session(engine) as session:
        return write(session, *args, **kwargs)
