"""Settings in .streamlit/config.toml that the app's speed or safety depends on."""
from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())


def test_no_full_garbage_collection_after_every_run():
    # Streamlit's default gc.collect(2) after every run, fragments included, doubled an audit-form grade
    # click (bench.form median 287-301 ms with it, 149 ms without); memory after every role visited every
    # page was the same (269 MB) either way.
    assert CONFIG["runner"]["postScriptGC"] is False


def test_tracebacks_are_never_shown_to_users_and_the_app_never_reloads_its_code():
    assert CONFIG["client"]["showErrorDetails"] == "none"
    assert CONFIG["server"]["fileWatcherType"] == "none" and CONFIG["server"]["runOnSave"] is False


def test_the_query_caches_share_a_byte_budget():
    # Every write moves the data version that keys the caches (ui/cache.py): without a budget, a busy
    # day's superseded entries would pile up for an hour. Streamlit reads "<n>mb" as n MiB.
    assert CONFIG["server"]["maxCacheDataSize"] == "128mb"
