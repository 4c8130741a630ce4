"""The board report's files: a Unicode font in the PDF, numbers as numbers in the workbook.

Built from a small ``ProgressReport`` made by hand (no database, no charts drawn), so
these run in well under a second.
"""
from __future__ import annotations

import io
import re
from dataclasses import replace

from openpyxl import load_workbook
from pypdf import PdfReader

from core.board_report_pdf import build_pdf
from core.board_report_tables import report_tables
from core.board_report_workbook import build_xlsx
from core.progress import RagCounts, TeamFigures
from tests.unit.test_progress import _report

NAMES = ("Zoë Łukasiewicz", "Nguyễn")


def _named_report():
    report = _report()
    teams = [TeamFigures("Nguyễn team", 8, 2, RagCounts(2, 4, 4), 6, 5, 4, 1)]
    return replace(report, programme_name="Zoë Łukasiewicz's programme",
                   current=replace(report.current, teams=teams))


def test_the_pdf_embeds_a_unicode_font_and_keeps_every_name():
    pdf = build_pdf(_named_report(), [])
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for name in NAMES:
        assert name in text, name
    assert "Nguy?n" not in text and "?ukasiewicz" not in text
    fonts = {str(font.get("/BaseFont")) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()
             for font in [font.get_object()]}
    assert any("DejaVuSans" in name for name in fonts), fonts
    assert not any("Helvetica" in name for name in fonts), fonts


def test_the_pdf_prints_each_headline_share_with_its_n():
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(build_pdf(_report(), []))).pages))
    # 2 Red of 10 graded audits in Month 2, 4 of 10 in Month 1.
    assert "Red audits (Inadequate overall) 20% of 10 audits 40% of 10 audits down 20 pp" in text
    assert "Remedial actions done within 5 working days of being raised 80% of 5 actions 50% of 4 actions" in text


def test_the_headline_sheet_stores_numbers_with_number_formats():
    workbook = load_workbook(io.BytesIO(build_xlsx(_report(), [])))
    sheet = workbook["Headline figures"]
    header = [c.value for c in sheet[1]]
    assert header == ["Figure", "Period", "Value", "n", "Previous period", "Previous value", "Previous n", "Change",
                      "What it counts"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    red = rows["Red audits (Inadequate overall)"]
    assert red[2].value == 0.2 and red[2].number_format == "0%" and red[2].data_type == "n"
    assert red[3].value == 10 and red[3].number_format == "0"
    assert red[5].value == 0.4 and red[5].number_format == "0%" and red[6].value == 10
    external = rows["External audits submitted in the period"]
    assert external[2].value == 8 and external[2].number_format == "0" and external[2].data_type == "n"
    assert external[5].value == 10
    assert external[1].value == "Month 2 (weeks 5-8), 5 Oct - 1 Nov 2026"  # the period it counts
    # No share or count is stored as text anywhere on the sheet.
    for row in sheet.iter_rows(min_row=2):
        for cell in (row[2], row[3], row[5], row[6]):
            assert cell.value is None or isinstance(cell.value, (int, float)), (row[0].value, cell.value)


def test_no_table_heading_breaks_inside_a_word():
    """Issue 17: "agreemen t %" in the week-by-week table. Every word of every table's headings is
    printed whole, on one line (pypdf gives each wrapped line of a cell as its own line)."""
    report = _report()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(build_pdf(report, []))).pages)
    lines = {line.strip() for line in text.splitlines()}
    tokens = {token for line in lines for token in line.split()}
    for table in report_tables(report):
        for heading in table.columns:
            for word in str(heading).split():
                assert word in tokens, f"{table.key}: {word!r} of {heading!r} is broken across lines"
