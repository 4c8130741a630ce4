"""Exports ready for the board: every workbook read back with openpyxl, values, types and formats asserted."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

from openpyxl import load_workbook

from core.exports import to_csv, to_xlsx

COLUMNS = ["Case", "Grade", "Audits", "Share %", "Due on", "Saved at", "Note"]
ROWS = [
    ["LCS1001", "R · Inadequate", 12, 0.25, date(2026, 11, 20), datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc),
     "=HYPERLINK(\"http://x\")"],
    ["LCS1002", "Good", 3, 1.5, date(2026, 1, 2), datetime(2026, 7, 1, 8, 5, tzinfo=timezone.utc), "+44 7700"],
    ["LCS1003", "Amber", 40_000, None, None, None, "-minus"],
    ["LCS1004", "OVERDUE · 3 working days", 0, 2.0, date(2026, 2, 28), None, "@SUM(A1)"],
    ["LCS1005", "Open", 7, 0.5, date(2026, 3, 1), None, "\tTabbed"],
]


def _sheet(data: bytes, name: str = "Audits"):
    return load_workbook(io.BytesIO(data))[name]


def test_the_workbook_reads_back_with_typed_and_formatted_cells():
    sheet = _sheet(to_xlsx({"Audits": (COLUMNS, ROWS)}))
    assert [c.value for c in sheet[1]] == COLUMNS
    # Numbers stay numbers, with a number format.
    assert sheet["C2"].value == 12 and sheet["C2"].data_type == "n" and sheet["C2"].number_format == "0"
    assert sheet["C4"].value == 40000
    assert sheet["D2"].value == 0.25 and sheet["D2"].number_format == "0.0"
    # Dates are dates, shown the UK way.
    assert sheet["E2"].value == datetime(2026, 11, 20) and sheet["E2"].number_format == "dd/mm/yyyy"
    assert sheet["E3"].value == datetime(2026, 1, 2)
    # Timestamps are England's wall-clock time: 09:30 UTC in November is 09:30, 08:05 UTC in July is 09:05 (BST).
    assert sheet["F2"].value == datetime(2026, 11, 20, 9, 30) and sheet["F2"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["F3"].value == datetime(2026, 7, 1, 9, 5)
    # Nothing is written for nothing.
    assert sheet["D4"].value is None and sheet["E4"].value is None


def test_formula_text_is_neutralised_in_the_workbook_and_the_csv():
    sheet = _sheet(to_xlsx({"Audits": (COLUMNS, ROWS)}))
    notes = [sheet[f"G{row}"].value for row in range(2, 7)]
    assert notes == ["'=HYPERLINK(\"http://x\")", "'+44 7700", "'-minus", "'@SUM(A1)", "'\tTabbed"]
    assert all(sheet[f"G{row}"].data_type == "s" for row in range(2, 7))
    data = to_csv(COLUMNS, ROWS)
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf" * 2)  # one BOM: Excel reads accents
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[6] for r in rows[1:]] == notes
    # CSV dates are UK dates too, numbers plain.
    assert rows[1][:6] == ["LCS1001", "R · Inadequate", "12", "0.25", "20/11/2026", "20/11/2026 09:30"]
    assert rows[3][4:6] == ["", ""]


def test_ready_for_the_board_bold_frozen_filtered_header_and_columns_sized_to_content():
    sheet = _sheet(to_xlsx({"Audits": (COLUMNS, ROWS)}))
    assert all(cell.font.b for cell in sheet[1])
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G6"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEG"}
    # Width = the longer of the header (+3 for the filter button) and the longest value, +2 margin.
    assert widths["B"] == 26  # "OVERDUE · 3 working days": 24 characters
    assert widths["A"] == 9  # "LCS1001": 7
    assert widths["C"] == 11  # header "Audits" 6 + 3
    assert widths["E"] == 12  # dd/mm/yyyy: 10


def test_rag_cells_are_filled_in_their_colour_with_readable_text():
    sheet = _sheet(to_xlsx({"Audits": (COLUMNS, ROWS)}))
    fills = {sheet[f"B{row}"].value: (sheet[f"B{row}"].fill.fgColor.rgb, sheet[f"B{row}"].font.color.rgb)
             for row in range(2, 6)}
    assert fills["R · Inadequate"] == ("FFFDE2E1", "FF7A1212")
    assert fills["Good"] == ("FFE3F1E6", "FF1E5631")
    assert fills["Amber"] == ("FFFFF1CC", "FF5C4200")
    assert fills["OVERDUE · 3 working days"] == ("FFFDE2E1", "FF7A1212")
    assert sheet["B6"].fill.fill_type is None  # "Open" is no RAG
    assert sheet["A2"].fill.fill_type is None


def test_text_with_markup_and_control_characters_stays_the_same_text():
    sheet = _sheet(to_xlsx({"Audits": (["Note"], [["Fish & chips <b>not bold</b> \"quoted\""], ["bell\x07 gone"]])}))
    assert sheet["A2"].value == 'Fish & chips <b>not bold</b> "quoted"'
    assert sheet["A3"].value == "bell gone"  # a control character XML cannot hold is dropped, not the file


def test_several_sheets_with_excel_safe_unique_names():
    data = to_xlsx({"Counts: by team [all]": (["Team"], [["A"]]), "Counts: by team [all] ": (["Team"], [["B"]])})
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Counts by team all", "Counts by team all (2)"]
    assert workbook["Counts by team all (2)"]["A2"].value == "B"


def test_fifty_thousand_rows_in_under_three_seconds():
    import time

    rows = [[i, f"LCS{i:07d}", "Update the chronology to include the previous referrals.", "Team 01",
             date(2026, 10, 1), "Open", 3] for i in range(50_000)]
    # CPU time, not wall time: the suite shares its machine, and the target is the export's own cost.
    started = time.process_time()
    data = to_xlsx({"Actions": (["No.", "Case", "Action", "Team", "Due on", "Status", "Days"], rows)})
    assert time.process_time() - started < 3.0
    sheet = load_workbook(io.BytesIO(data), read_only=True)["Actions"]
    assert sheet.max_row == 50_001
