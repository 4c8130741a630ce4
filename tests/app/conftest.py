"""AppTest helpers: run a page (or the router) as a signed-in demo user on a private database."""
from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from pathlib import Path

import altair as alt
import numpy as np
import altair.utils.core as altair_core
import pytest
import streamlit as st
from altair.utils import schemapi
from streamlit.components.v2 import manifest_scanner
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from db.bootstrap import forget_prepared
from db.engine import dispose_engines

ROOT = Path(__file__).resolve().parents[2]

# Every new AppTest scans the metadata of every installed distribution for Streamlit component
# manifests (streamlit/testing/v1/app_test.py, BidiComponentManager.discover_and_register_components):
# about half of a short AppTest's time. A running app scans once, when its Runtime starts; the
# installed packages do not change during a test run, so scan once per test process too (the same
# manifests, a fresh list for each AppTest).
_scan_once = functools.cache(manifest_scanner.scan_component_manifests)
manifest_scanner.scan_component_manifests = lambda max_workers=None: list(_scan_once())


class _RoutedPagesManager(PagesManager):
    """AppTest starts every run as a server's very first run, when Streamlit would run a file of
    ``pages/`` on its own (multipage apps of the first kind) and a page switched to by
    ``AppTest.switch_page`` would skip the router. A running server leaves that mode for good at its
    first run (``ui.guard.through_the_router``; the browser test
    ``test_a_bookmark_opened_first_on_a_new_server_opens_through_the_router``), so the tests run
    every page as the server does after that: through ``app.py``'s ``st.navigation``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


app_test.PagesManager = _RoutedPagesManager
DEMO_NAMES = {"auditor": "Alex Morgan", "manager": "Sam Patel", "sponsor": "Jo Whitfield", "support": "Chris Lee",
              "admin": "Pat Quinn"}


@pytest.fixture(autouse=True)
def app_db(sqlite_demo_url, monkeypatch):
    """Every AppTest runs against its own copy of the demo database, with no caches left over."""
    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("AUDIT_DEMO_MODE", "1")
    # Every chart a page builds is checked against the Vega-Lite schema here (the served app skips it).
    monkeypatch.setattr("ui.widgets.VALIDATE_CHARTS", True)
    monkeypatch.setattr(schemapi, "DEBUG_MODE", True)  # and each schema object as it is built
    # ... and is encoded with channel objects: Altair's slow path for a bare shorthand, tooltip string
    # or alt.value dict (core/chart_channels.py) fails the test.
    slow_paths = []
    building_table = schemapi._FromDict.__init__

    def noted(self, wrapper_classes, /):
        slow_paths.append("".join(traceback.format_stack(limit=12)))
        building_table(self, wrapper_classes)

    monkeypatch.setattr(schemapi._FromDict, "__init__", noted)
    # ... and layers that draw one frame take it once (core.chart_channels.layer_of): lifting it from
    # each layer hashes every layer with the frame's printed text, which fails the test too.
    hashed_layers = []
    hashing = alt.Chart._compute_hash

    def hashed(self):
        hashed_layers.append("".join(traceback.format_stack(limit=12)))
        return hashing(self)

    monkeypatch.setattr(alt.Chart, "_compute_hash", hashed)
    # ... and every field says its type (``"Week:N"``, ``alt.Tooltip("Week:N")``): a field without one
    # has its type inferred from the chart's frame, its whole schema worked out again for each field,
    # which was most of finishing the agreement page's two charts.
    inferred = []
    for name in ("infer_vegalite_type_for_pandas", "infer_vegalite_type_for_narwhals"):
        infer = getattr(altair_core, name)

        def noted_type(column, *args, _infer=infer, **kwargs):
            inferred.append(f"{getattr(column, 'name', column)!r}\n" + "".join(traceback.format_stack(limit=14)))
            return _infer(column, *args, **kwargs)

        monkeypatch.setattr(altair_core, name, noted_type)
    register = MediaFileManager.add_deferred

    def registered(self, data_callable, *args, **kwargs):
        file_id = register(self, data_callable, *args, **kwargs)
        _BUILT_ON_CLICK[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", registered)
    _BUILT_ON_CLICK.clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    forget_prepared()
    yield sqlite_demo_url
    assert not slow_paths, ("a chart encoded a channel as a bare shorthand, tooltip string or alt.value: use "
                            "channel objects (core/chart_channels.py)\n" + slow_paths[0])
    assert not inferred, ("a chart field has no type, so Altair infers it from the frame: write it out "
                          "(\"Week:N\", alt.Tooltip(\"Share:Q\")), as every other chart does\n" + inferred[0])
    assert not hashed_layers, ("layers drawing one frame were each given it: build them with alt.Chart() and "
                               "give the frame once, core.chart_channels.layer_of\n" + hashed_layers[0])
    st.cache_data.clear()
    st.cache_resource.clear()
    forget_prepared()
    dispose_engines()


_BUILT_ON_CLICK: dict[str, Callable] = {}  # what each download built when clicked would run (app_db)


def download_file(at: AppTest, label: str) -> bytes:
    """The file behind a download built when clicked (``ui.guard.export_button``), as the browser
    gets it: the callable the button's last run registered, run as Streamlit's server runs it on a
    click, on its own and outside any run of the page (a refusal raises ``ExportRefused``)."""
    [button] = [b for b in at.get("download_button") if b.proto.label == label]
    assert button.proto.ignore_rerun, "a click on a download built when clicked must not rerun the page"
    return _BUILT_ON_CLICK[button.proto.deferred_file_id]()


def page_test(path: str, username: str | None = None, *, timeout: float = 60, **state) -> AppTest:
    """An AppTest of ``path`` (relative to the project root), signed in as ``username``."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=timeout)
    if username:
        sign_in(at, username)
    for key, value in state.items():
        at.session_state[key] = value
    return at


def sign_in(at: AppTest, username: str) -> None:
    """What streamlit-authenticator leaves in session_state after a successful sign-in."""
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = DEMO_NAMES.get(username, username)
    at.session_state["roles"] = [username]


def tags_as_text(frame):
    """A table's tag cells (``ui.widgets.tag_column``: a list of one text, or none) as the words a user reads;
    any other column as it is."""
    for column in frame.columns:
        if len(frame) and all(isinstance(value, (list, tuple, np.ndarray)) for value in frame[column]):
            assert all(len(value) <= 1 for value in frame[column]), f"{column}: one tag a cell at most"
            frame[column] = [" ".join(value) for value in frame[column]]
    return frame


def texts(at: AppTest) -> str:
    """Everything a user can read on the page, as one string (for 'is X shown anywhere' checks)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "error", "warning", "info", "success",
                 "metric"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "label", "")))
            parts.append(str(getattr(element, "body", "")))
    for frame in at.dataframe:
        parts.append(tags_as_text(frame.value).to_csv())
    for table in at.table:
        parts.append(table.value.to_csv())
    return "\n".join(parts)
