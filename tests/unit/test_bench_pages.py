"""The benchmark times every page for every role that may open it (issue 16)."""
from bench.pages import PAGES


def test_every_page_is_timed_for_every_role_that_may_open_it():
    names = {p.name for p in PAGES}
    # Counted by hand from README's "Who can do what": 17 pages, 47 (page, role) pairs.
    assert len(names) == len(PAGES) == 47
    assert {"actions/support", "actions/auditor", "actions/manager", "actions/admin"} <= names
    assert {"progress/sponsor", "event_log/admin", "audit_view/support", "account/sponsor"} <= names
    assert "actions/sponsor" not in names and "event_log/auditor" not in names
    users = {p.name: p.user for p in PAGES}
    assert users["actions/support"] == "bench_support" and users["heatmaps/sponsor"] == "bench_sponsor"
    assert next(p for p in PAGES if p.name == "audit_view/admin").query == {"audit": "{audit_id}"}
