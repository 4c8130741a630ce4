"""The first page a process runs sets the long-lived objects aside from the garbage collector
(``ui.heap``, docs/operations.md): a full collection then walks only what pages made since."""
from __future__ import annotations

import gc

import ui.heap
from tests.app.conftest import page_test


def test_the_first_page_run_freezes_the_objects_alive_then_and_only_once(monkeypatch):
    gc.unfreeze()  # as in a new server process: nothing frozen yet
    monkeypatch.setattr(ui.heap, "_frozen", False)
    at = page_test("pages/my_audits.py", "auditor").run()
    assert not at.exception
    # Streamlit, SQLAlchemy, pandas and Altair alone are well over 100,000 objects.
    frozen = gc.get_freeze_count()
    assert frozen > 100_000
    page_test("pages/my_audits.py", "auditor").run()
    # A second run freezes nothing more (frozen objects freed since leave the count).
    assert gc.get_freeze_count() <= frozen
