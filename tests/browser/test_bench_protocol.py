"""The benchmark's protocol client (``bench.concurrent._Session``) times real pages and fails on any other:
a page opened as a browser opens it, a refused address and a cookie the server does not accept. No
browser: it speaks the server's websocket protocol itself."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.concurrent import _Session

pytestmark = pytest.mark.browser  # a real server (the journeys' fixture), no chromium


def test_a_session_times_the_pages_its_role_opens_and_fails_on_anything_else(server, monkeypatch):
    async def journey() -> None:
        session = await _Session.signed_in(server.url, "manager", "Overview")
        try:
            assert {"Overview": "", "RAG heatmaps": "heatmaps"}.items() <= session.paths.items()  # from the server
            assert await session.open("RAG heatmaps") > 0
            assert await session.open("Overview") > 0
            # An administrator's page: the guard refuses it, and the bench fails rather than report a fast "Users".
            with pytest.raises(RuntimeError, match="Users was not drawn"):
                await session.open("Users")
        finally:
            await session.close()
        # A cookie signed with another key signs nobody in: the sign-in form is not timed as the home page.
        monkeypatch.setenv("AUDIT_COOKIE_KEY", "another-key-" + "x" * 40)
        with pytest.raises(RuntimeError, match="Overview was not drawn"):
            await _Session.signed_in(server.url, "manager", "Overview")

    # In a thread with a loop of its own: the journeys' Playwright (sync API) keeps a loop running in
    # this one once a browser test of the same worker has started it.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, journey()).result()
