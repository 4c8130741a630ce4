"""The board report as an Excel workbook: a front sheet, the narrative, the charts, then one sheet per table.

Cells go through ``core.exports.to_xlsx`` (formula-safe); openpyxl then adds number formats and the
chart pictures."""
from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from core.board_report_tables import HEADLINE_SHEET_COLUMNS, PRIVACY_NOTE, headline_sheet_rows, report_tables
from core.exports import safe_cell, to_xlsx
from core.progress import ProgressReport
from core.progress_charts import ProgressChart
from core.progress_findings import narrative


def build_xlsx(report: ProgressReport, charts: list[tuple[ProgressChart, bytes]]) -> bytes:
    """The same report as a workbook: a front sheet, the narrative, the charts, then one sheet per table."""
    front = [["Programme", report.programme_name], ["Report", f"Board report: {report.period.name}"],
             ["Period", report.period.title], ["Period starts", report.period.start],
             ["Period ends", report.period.end], ["Figures as of", report.as_of], ["Teams", report.scope_label],
             ["Contents", PRIVACY_NOTE]]
    sheets: dict[str, tuple[Sequence[str], Sequence[Sequence[Any]]]] = {
        "Report": (["Board report", ""], front),
    }
    headline = headline_sheet_rows(report)
    sheets["Headline figures"] = (HEADLINE_SHEET_COLUMNS, [row for row, _ in headline])
    sheets["What changed"] = (["What changed since the previous period"], [[line] for line in narrative(report)])
    sheets["Charts"] = (["Chart", "What it shows (n and period)"], [[c.title, c.caption] for c, _ in charts])
    for table in report_tables(report)[1:]:
        sheets[_sheet_name(table.key)] = (table.columns, table.rows)
    workbook_bytes = to_xlsx(sheets)
    return _finish_workbook(workbook_bytes, charts, [is_share for _, is_share in headline])


def _sheet_name(key: str) -> str:
    return {"themes": "By theme", "forecast": "Forecast", "teams": "By team", "domains": "Domains",
            "moderation": "Moderation", "actions": "Remedial actions", "meetings": "Meetings",
            "liveness": "Liveness", "weekly": "Week by week"}.get(key, key)


def _finish_workbook(workbook_bytes: bytes, charts: list[tuple[ProgressChart, bytes]], shares: list[bool]) -> bytes:
    """Number formats on the headline sheet (shares as 0%, counts as whole numbers), then each chart's
    picture on the Charts sheet, below the list of titles."""
    from openpyxl import load_workbook
    from openpyxl.drawing.image import Image

    workbook = load_workbook(io.BytesIO(workbook_bytes))
    headline = workbook["Headline figures"]
    for row, is_share in enumerate(shares, start=2):
        for column in (3, 6):  # Value, Previous value
            headline.cell(row=row, column=column).number_format = "0%" if is_share else "0"
        for column in (4, 7):  # n, Previous n
            headline.cell(row=row, column=column).number_format = "0"
    sheet = workbook["Charts"]
    sheet.column_dimensions["A"].width = 90
    sheet.column_dimensions["B"].width = 90
    row = len(charts) + 3
    for chart, png in charts:
        sheet.cell(row=row, column=1, value=safe_cell(chart.title)).data_type = "s"
        image = Image(io.BytesIO(png))
        image.width, image.height = image.width // 2, image.height // 2  # drawn at scale 2 for sharpness
        sheet.add_image(image, f"A{row + 1}")
        row += 1 + int(image.height / 20) + 2
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


__all__ = ["build_xlsx"]
