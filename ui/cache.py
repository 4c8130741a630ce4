"""Caching read queries without ever showing stale data.

Every write in this product records an event in the same transaction (the trail),
so the newest event id is a cheap, exact version number of the data. Cached
queries are keyed by it as well as by their arguments: a write anywhere, by any
app process sharing the database, changes the key and the next run recomputes.
No cache needs clearing by hand, and several app processes stay consistent.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import streamlit as st
from sqlmodel import col, select

from db.engine import read_session
from db.events import READ_ACTIONS
from db.models import Event

P = ParamSpec("P")
R = TypeVar("R")


def data_version() -> int:
    """The id of the newest event that changed data: changes with every write.

    Views, exports and sign-ins are logged too but change nothing shown, so they are
    skipped (otherwise opening one audit would empty every user's cache). Walking
    the primary key backwards stops at the first change: one index probe in practice.
    """
    with read_session() as session:
        newest = session.exec(
            select(Event.id).where(col(Event.action).not_in(sorted(READ_ACTIONS))).order_by(col(Event.id).desc()).limit(1)
        ).first()
        return newest or 0


def cached_query(fn: Callable[P, R]) -> Callable[P, R]:
    """Cache ``fn``'s result per (data version, arguments). Arguments must be hashable
    plain values (pass ``scope.cache_key()``-style tuples, not sessions)."""

    # Every wrapper's ``_cached`` has the same name and source, so st.cache_data gives
    # them one shared store: the wrapped function's name is part of the key, or two
    # functions called with equal arguments would return each other's results.
    name = f"{fn.__module__}.{fn.__qualname__}"

    @st.cache_data(max_entries=512, ttl=3600, show_spinner=False)
    def _cached(version: int, database: str, function: str, *args, **kwargs):
        return fn(*args, **kwargs)

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from ui.auth import settings

        return _cached(data_version(), settings().database_url, name, *args, **kwargs)

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper
