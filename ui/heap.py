"""The server's long-lived objects, set aside from the garbage collector once per process.

A server holds a few hundred thousand objects that live as long as it does: Streamlit, SQLAlchemy
and the models, pandas, Altair and its Vega-Lite schema. Python's cyclic garbage collector walks
every one of them in each full collection, and a page's cold run allocates enough to set one off
about one run in three: at 100,000 audits a full collection took about 100 ms, in the middle of
whichever page was running (Moderation agreement's cold run: 129 ms, of which 36 ms a run on
average was the collector). ``gc.freeze`` moves every object alive at that moment out of the
collector's generations, so a full collection walks only what the pages made since. It runs once,
at the first page a process runs, after the libraries the pages draw with are imported
(docs/operations.md).

What is frozen is never collected: anything still garbage then would stay, so a collection runs
first. Objects made later (cached figures, sessions) are collected as before.
"""
from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_long_lived_objects() -> None:
    """Once per process: collect, then freeze what is alive (a no-op after the first call)."""
    global _frozen
    if _frozen:
        return
    with _lock:
        if _frozen:
            return
        # The charts' and tables' helpers, and with them Altair and pandas, so that their modules
        # and schema are frozen too, whichever page ran first.
        import ui.widgets  # noqa: F401

        gc.collect()
        gc.freeze()
        _frozen = True
