"""The board report as a PDF (fpdf2): front page with the headline figures and the narrative, the charts
two to a page, then the tables on landscape pages. DejaVu Sans is embedded so that any name prints."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from core.board_report_tables import PRIVACY_NOTE, ReportTable, headline_table, report_tables
from core.periods import one_decimal, short_date
from core.progress import ProgressReport
from core.progress_charts import ProgressChart
from core.progress_findings import headlines, narrative


def _text(value: Any) -> str:
    """A cell as printed: dates in words, a dash for nothing, '22' for 22."""
    if value is None:
        return "-"
    if isinstance(value, date):
        return short_date(value)
    if isinstance(value, float):
        return one_decimal(value)
    return str(value)


# The PDF embeds DejaVu Sans (vendored in fonts/, Bitstream Vera licence beside it): the PDF core
# fonts cover Latin-1 only, so "Łukasiewicz" or "Nguyễn" would print as "?".
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT = "DejaVuSans"
FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}


def _add_fonts(pdf) -> None:
    for style, path in FONT_FILES.items():
        if not path.is_file():
            raise FileNotFoundError(f"The board report's font is missing: {path} (it ships with the app in fonts/)")
        pdf.add_font(FONT, style, str(path))


def build_pdf(report: ProgressReport, charts: list[tuple[ProgressChart, bytes]]) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    title = f"Board report: {report.period.name}"

    class _Report(FPDF):
        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font(FONT, size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"{report.programme_name} - {title}", new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"{PRIVACY_NOTE}  Page {self.page_no()} of {{nb}}", align="C")

    pdf = _Report(orientation="P", unit="mm", format="A4")
    _add_fonts(pdf)
    pdf.set_title(title)
    pdf.set_author("Case audit")
    pdf.set_creator("Case audit board report")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.alias_nb_pages()
    pdf.set_margins(15, 14, 15)

    # ---- front page
    pdf.add_page()
    pdf.set_text_color(20, 20, 20)
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, report.programme_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 20)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.multi_cell(0, 6, f"{report.period.title}. Figures as of {short_date(report.as_of)}, {report.scope_label}.",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _pdf_table(pdf, headline_table(report), FontFace, col_widths=(64, 44, 44, 28), size=9)
    pdf.ln(1.5)
    pdf.set_font(FONT, size=7.5)
    pdf.set_text_color(80, 80, 80)
    for item in headlines(report):  # what each figure counts, and its period
        pdf.multi_cell(0, 3.6, f"{item.label}: {item.help}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(20, 20, 20)
    pdf.ln(3)
    pdf.set_font(FONT, "B", 13)
    since = f"What changed since {report.previous.period.name}" if report.previous else "What happened in the period"
    pdf.cell(0, 8, since, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    for line in narrative(report):
        pdf.multi_cell(0, 5.2, f"- {line}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)

    # ---- charts, two to a page
    for index, (chart, png) in enumerate(charts):
        if index % 2 == 0:
            pdf.add_page()
        pdf.set_font(FONT, "B", 12)
        pdf.set_text_color(20, 20, 20)
        pdf.multi_cell(0, 6, chart.title, new_x="LMARGIN", new_y="NEXT")
        pdf.image(io.BytesIO(png), w=165)
        pdf.set_font(FONT, size=8)
        pdf.set_text_color(80, 80, 80)
        pdf.multi_cell(0, 4, chart.caption, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)

    # ---- tables, on landscape pages (the team and weekly tables are wide), one after another
    pdf.add_page(orientation="L")
    for index, table in enumerate(report_tables(report)[1:]):
        if index and pdf.will_page_break(30 + 6 * min(len(table.rows), 4)):
            pdf.add_page(orientation="L")
        elif index:
            pdf.ln(6)
        pdf.set_text_color(20, 20, 20)
        pdf.set_font(FONT, "B", 13)
        pdf.multi_cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT")
        if table.note:
            pdf.set_font(FONT, size=8)
            pdf.set_text_color(80, 80, 80)
            pdf.multi_cell(0, 4, table.note, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(20, 20, 20)
        pdf.ln(2)
        _pdf_table(pdf, table, FontFace, size=8 if len(table.columns) > 9 else 9)
    return bytes(pdf.output())


TABLE_PADDING = 1.0  # mm each side of a PDF table cell
SMALLEST_TABLE_FONT = 6.0


def _pdf_table(pdf, table: ReportTable, FontFace, col_widths=None, size: float = 9) -> None:
    if col_widths is None:
        # A wide first column for names (teams, domains), a narrow one for week numbers.
        names = any(isinstance(row[0], str) and len(row[0]) > 8 for row in table.rows)
        first = (3.0 if len(table.columns) > 3 else 2.0) if names else 0.7
        col_widths = (first, *(1.0,) * (len(table.columns) - 1))
    # Widths in mm that fit every word of a heading and every number whole ("agreement %" never
    # breaks into "agreemen t %"): the font steps down until they fit the page.
    widths = _column_widths(pdf, table, size, col_widths)
    while widths is None and size > SMALLEST_TABLE_FONT:
        size = max(SMALLEST_TABLE_FONT, size - 0.5)
        widths = _column_widths(pdf, table, size, col_widths)
    pdf.set_font(FONT, size=size)
    with pdf.table(col_widths=widths or col_widths, text_align=("LEFT", *("RIGHT",) * (len(table.columns) - 1)),
                   headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 245)), line_height=size * 0.5,
                   padding=TABLE_PADDING) as pdf_table:
        heading = pdf_table.row()
        for column in table.columns:
            heading.cell(str(column))
        for values in table.rows:
            row = pdf_table.row()
            for value in values:
                row.cell(_text(value))


def _column_widths(pdf, table: ReportTable, size: float, weights) -> list[float] | None:
    """Column widths (mm, filling the page's width) no narrower than each column's longest heading word
    (in bold) and its longest unbreakable cell text; the width left over is shared by ``weights``.
    None when the columns do not fit at ``size``."""
    def words(text: str) -> list[str]:
        return text.split() or [""]

    pdf.set_font(FONT, "B", size)
    need = [max(pdf.get_string_width(word) for word in words(str(column))) for column in table.columns]
    pdf.set_font(FONT, "", size)
    for values in table.rows:
        for index, value in enumerate(values):
            text = _text(value)
            # A number or a one-word value stays whole; longer text may wrap between its words.
            longest = text if " " not in text else max(words(text), key=len)
            need[index] = max(need[index], pdf.get_string_width(longest))
    need = [width + 2 * TABLE_PADDING + 0.8 for width in need]  # padding, and a margin for rounding
    spare = pdf.epw - sum(need)
    if spare < 0:
        return None
    total = sum(weights)
    return [width + spare * weight / total for width, weight in zip(need, weights)]


__all__ = ["build_pdf"]
