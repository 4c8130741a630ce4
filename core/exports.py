"""Spreadsheet-safe exports: no cell a spreadsheet would run as a formula.

A text cell starting with ``=``, ``+``, ``-``, ``@``, tab, CR or LF is a formula to
Excel and LibreOffice (CSV injection). Such cells get a leading apostrophe;
numbers, dates and booleans are left as they are so they stay numbers and dates.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """Neutralise a text cell that a spreadsheet would evaluate; leave other types alone."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def safe_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    return [[safe_cell(v) for v in row] for row in rows]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV bytes (UTF-8 with BOM so Excel reads accents) with every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx workbook, one sheet per entry, text neutralised, numbers and dates typed."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (columns, rows) in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([safe_cell(c) for c in columns])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never let openpyxl read text as a formula
                elif isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, min(60, len(str(column)) + 4))
        sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
