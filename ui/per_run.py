"""Values worked out once per script run, then reused for the rest of that run.

A Streamlit run is one execution of the script: a full rerun, or one fragment's. Some
values are the same for the whole run and cost a database round trip each time they
are asked for: who is signed in (the router asks, then the page's guard asks again) and
the data version that keys every cached query (``ui.cache``). ``once_per_run`` keeps
them on the run's own context, so the next run, which may follow another user's write,
asks again.

The run is recognised by the context's ``cursors`` dict, which Streamlit replaces at the
start of every run (``ScriptRunContext.reset``). Outside a run (the CLI, the bench's
direct calls, the data-layer tests) nothing is kept: the value is worked out every time.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

T = TypeVar("T")
_ATTRIBUTE = "_case_audit_per_run"


def _store() -> dict[Hashable, Any] | None:
    ctx = get_script_run_ctx(suppress_warning=True)
    marker = getattr(ctx, "cursors", None)
    if ctx is None or marker is None:
        return None
    kept = getattr(ctx, _ATTRIBUTE, None)
    # Holding the marker itself (not its id) means a later run's new dict can never pass for it.
    if kept is None or kept[0] is not marker:
        kept = (marker, {})
        setattr(ctx, _ATTRIBUTE, kept)
    return kept[1]


def once_per_run(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s value, worked out at most once per script run for ``key``."""
    store = _store()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def forget(key: Hashable) -> None:
    """Drop ``key``'s value for the rest of this run (something it depends on just changed)."""
    store = _store()
    if store is not None:
        store.pop(key, None)
