"""Caching read queries without ever showing stale data.

Every write in this product records an event in the same transaction (the trail),
so the newest event id is a cheap, exact version number of the data. Cached
queries are keyed by it as well as by their arguments: a write anywhere, by any
app process sharing the database, changes the key and the next run recomputes.
No cache needs clearing by hand, and several app processes stay consistent.

Saving a draft is a write too, but every report (heatmaps, Progress, the Overview, the tracker,
moderation agreement and its queue, the safeguarding banner, Meetings, Risks and issues' agenda)
reads submitted audits only: their queries say so with ``@cached_query(reads_drafts=False)`` and
are keyed by the version of submitted data, which a draft's save leaves alone
(``db.events.DRAFT_ACTIONS``). Anything that shows drafts (My audits, the form, the admin pages'
counts) keeps the default. Auditors autosave all day; without this, each autosave emptied every
report's cache for everyone.
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


def data_version(database: str | None = None, *, drafts: bool = True) -> int:
    """The current data version (``db.events.data_version``; with ``drafts=False``, of submitted
    data only), read once per script run and again after a write committed by this process during
    the run."""

    def read() -> int:
        with read_session() as session:
            return events.data_version(session, drafts=drafts)

    return once_per_run(("data_version", drafts, database, commits_so_far()), read)


def cached_query(fn: Callable[P, R] | None = None, *, reads_drafts: bool = True):
    """Cache ``fn``'s result per (data version, arguments). Arguments must be hashable
    plain values (pass ``scope.cache_key()``-style tuples, not sessions).

    ``@cached_query(reads_drafts=False)`` is for a query that reads submitted audits only (and what
    hangs off them: answers, actions, moderations): a draft's save does not empty its cache. Each such
    page's AppTest proves that saving a draft changes nothing it shows (tests/app/test_draft_saves.py)."""
    if fn is None:
        return functools.partial(cached_query, reads_drafts=reads_drafts)

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
        return _cached(data_version(database, drafts=reads_drafts), database, *args, **kwargs)

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper
