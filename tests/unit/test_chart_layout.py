"""Progress charts read well on a page and in the board PDF: the y axis's title is written flat, not
turned on its side, and a count axis leaves room above its largest value (and the label drawn there).

The largest values are counted by hand from the report in tests/unit/test_progress.py::_report.
"""
from __future__ import annotations

from core.progress_charts import progress_charts
from tests.unit.test_progress import _report

# chart -> the largest value it draws on its y axis, from _report: a target of 24 audits; one action
# raised, done and verified a week; 15 mentoring meetings in week 5; external audits 4.0 days after
# the work (32 days over 8 audits), with the 7-day line drawn too.
LARGEST = {"burn_up": 24, "actions": 1, "meetings": 15, "liveness": 7}


def _y_domains(spec: dict) -> list[list[float]]:
    found = []
    for layer in [spec, *spec.get("layer", [])]:
        scale = layer.get("encoding", {}).get("y", {}).get("scale", {})
        if "domain" in scale:
            found.append(scale["domain"])
    return found


def test_every_progress_chart_writes_its_y_title_flat():
    for chart in progress_charts(_report(), width=620, height=250):
        assert chart.chart.to_dict()["config"]["axisY"]["titleAngle"] == 0, chart.key


def test_count_axes_leave_a_tenth_of_room_above_the_largest_value():
    charts = {chart.key: chart.chart.to_dict() for chart in progress_charts(_report(), width=620, height=250)}
    for key, largest in LARGEST.items():
        domains = _y_domains(charts[key])
        assert domains, f"{key} has no y domain of its own"
        assert all(d[0] == 0 and d[1] >= 1.1 * largest for d in domains), (key, domains)


def test_the_charts_come_in_the_order_the_page_and_report_show_them_or_only_those_asked_for():
    """The Progress page builds only its open section's charts, the presentation only its slide's."""
    every = ["burn_up", "themes", "rag_week", "rag_theme", "domains", "agreement", "actions", "meetings", "liveness"]
    assert [chart.key for chart in progress_charts(_report())] == every
    assert [chart.key for chart in progress_charts(_report(), keys=("rag_week", "domains"))] == ["rag_week", "domains"]
