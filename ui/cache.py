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

from db import events
from db.engine import commits_so_far, read_session
from ui.per_run import once_per_run

P = ParamSpec("P")
R = TypeVar("R")


def data_version(database: str | None = None) -> int:
    """The current data version (``db.events.data_version``), read once per script run and
    again after a write committed by this process during the run."""

    def read() -> int:
        with read_session() as session:
            return events.data_version(session)

    return once_per_run(("data_version", database, commits_so_far()), read)


def cached_query(fn: Callable[P, R]) -> Callable[P, R]:
    """Cache ``fn``'s result per (data version, arguments). Arguments must be hashable
    plain values (pass ``scope.cache_key()``-style tuples, not sessions)."""

    def _cached(version: int, database: str, *args, **kwargs):
        return fn(*args, **kwargs)

    # st.cache_data keys a store by the function's module, name and source; every
    # wrapper's ``_cached`` has the same source, so it takes the wrapped function's
    # name to get a store (and an entry cap) of its own.
    _cached.__module__, _cached.__qualname__ = fn.__module__, f"{fn.__qualname__}.cached"
    _cached = st.cache_data(max_entries=256, ttl=3600, show_spinner=False)(_cached)

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from ui.auth import settings

        database = settings().database_url
        return _cached(data_version(database), database, *args, **kwargs)

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper
