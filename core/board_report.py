"""The monthly board report: PDF and Excel, assembled from one ``ProgressReport``.

The report holds only what ``ProgressReport`` holds: programme-level and team-level
aggregates (no case references, practitioner names or free text). Its front page
gives the headline figures and the auto-drafted narrative of what changed since the
previous period; then come the progress charts as images (drawn by ``vl_convert``),
then the tables by theme and team, the moderation findings, remedial-action
performance, meetings and how "live" the audits were. ``report_tables`` is also what
the Progress page shows, so the dashboard and the report print the same numbers.
The Excel workbook goes through ``core.exports.to_xlsx`` (formula-safe cells).
The tables are in ``core.board_report_tables``, the PDF in ``core.board_report_pdf`` and the workbook in
``core.board_report_workbook``; this module draws the charts once for both files.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.board_report_pdf import build_pdf
from core.board_report_workbook import build_xlsx
from core.progress import ProgressReport
from core.progress_charts import ProgressChart, chart_png, progress_charts

Progress = Callable[[float, str], None]


def render_charts(report: ProgressReport, progress: Progress | None = None,
                  start: float = 0.0, end: float = 1.0) -> list[tuple[ProgressChart, bytes]]:
    charts = progress_charts(report, width=620, height=250)
    result = []
    for index, chart in enumerate(charts):
        if progress:
            progress(start + (end - start) * index / len(charts), f"Drawing chart {index + 1} of {len(charts)}")
        result.append((chart, chart_png(chart.chart)))
    return result


@dataclass(frozen=True)
class BoardReportFiles:
    pdf: bytes
    xlsx: bytes
    file_stem: str


def file_stem(report: ProgressReport) -> str:
    label = report.period.label.lower().replace(" ", "-")
    safe = "".join(ch for ch in label if ch.isalnum() or ch == "-")
    return f"board-report-{safe}-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}"


def build_board_report(report: ProgressReport, progress: Progress | None = None) -> BoardReportFiles:
    """PDF and Excel of ``report``; ``progress(fraction, step)`` is told what is being done."""
    charts = render_charts(report, progress, 0.0, 0.7)
    if progress:
        progress(0.75, "Writing the PDF")
    pdf = build_pdf(report, charts)
    if progress:
        progress(0.9, "Writing the Excel workbook")
    xlsx = build_xlsx(report, charts)
    if progress:
        progress(1.0, "Done")
    return BoardReportFiles(pdf, xlsx, file_stem(report))


__all__ = ["BoardReportFiles", "build_board_report", "file_stem", "render_charts"]
