"""The monthly board report: tables, PDF and Excel, assembled from one ``ProgressReport``.

The report holds only what ``ProgressReport`` holds: programme-level and team-level
aggregates (no case references, practitioner names or free text). Its front page
gives the headline figures and the auto-drafted narrative of what changed since the
previous period; then come the progress charts as images (drawn by ``vl_convert``),
then the tables by theme and team, the moderation findings, remedial-action
performance, meetings and how "live" the audits were. ``report_tables`` is also what
the Progress page shows, so the dashboard and the report print the same numbers.
The Excel workbook goes through ``core.exports.to_xlsx`` (formula-safe cells).
"""
from __future__ import annotations

import io
from pathlib import Path
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.exports import safe_cell, to_xlsx
from core.periods import one_decimal, round_half_up, share, short_date, week_dates
from core.progress import (
    FEWER_THAN,
    LIVE_DAYS,
    LIVENESS_BUCKETS,
    MEETING_KINDS,
    OTHER_MEETING_KINDS,
    Agreement,
    ProgressReport,
)
from core.progress_charts import ProgressChart, chart_png, progress_charts

PRIVACY_NOTE = "Aggregate and team-level figures only: no case references, practitioner names or free text from audits."
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ReportTable:
    """One table of the report: numbers stay numbers (percentages as whole numbers)."""

    key: str
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    note: str = ""


def _pct(value: float | None) -> int | None:
    """A share as the whole percentage shown everywhere (22 for 0.2234)."""
    return None if value is None else round_half_up(value * 100)


def _mean(value: float | None) -> float | None:
    return None if value is None else round_half_up(value, 1)


# ------------------------------------------------------------------ the tables
def headline_table(report: ProgressReport) -> ReportTable:
    """The headline figures as printed: each share with its n beside it ("22% of 136 audits")."""
    previous = report.previous.period.name if report.previous else "Previous period"
    rows = [[h.label, h.value, h.previous, _delta_words(h.delta)] for h in report.headlines()]
    return ReportTable("headlines", "Headline figures", ["Figure", report.period.name, previous, "Change"], rows,
                       "A share is printed with its n: '22% of 136 audits' is 30 of 136.")


HEADLINE_SHEET_COLUMNS = ("Figure", "Period", "Value", "n", "Previous period", "Previous value", "Previous n",
                          "Change", "What it counts")


def headline_sheet_rows(report: ProgressReport) -> list[tuple[list[Any], bool]]:
    """The headline figures for the workbook as (row, is a share): numbers stay numbers.

    A share is stored as a fraction (0.22) for the sheet's "0%" format; its n beside it.
    """
    previous = report.previous.period.title if report.previous else None
    rows = []
    for h in report.headlines():
        rows.append(([h.label, report.period.title, h.number, h.n, previous if h.has_previous else None,
                      h.previous_number if h.has_previous else None, h.previous_n if h.has_previous else None,
                      _delta_words(h.delta), h.help], h.is_share))
    return rows


def _delta_words(delta: str | None) -> str | None:
    """'+22' -> 'up 22', '-15 pp' -> 'down 15 pp': a spreadsheet would take a leading sign for a formula."""
    if delta is None:
        return None
    if delta.startswith("+"):
        return f"up {delta[1:]}"
    if delta.startswith("-"):
        return f"down {delta[1:]}"
    return "no change" if delta.split()[0] == "0" else delta


def theme_table(report: ProgressReport) -> ReportTable:
    rows = []
    for theme in report.current.themes:
        target = (report.targets or {}).get(theme.theme)
        to_date = report.done_to_date(theme.theme)
        rows.append([theme.theme, target, theme.external, theme.internal, to_date,
                     _pct(share(to_date, target)) if target else None, theme.rag.total,
                     _pct(theme.rag.share("R")), _pct(theme.rag.share("A")), _pct(theme.rag.share("G"))])
    rag = report.current.rag
    rows.append(["All themes", report.total_target, report.current.external, report.current.internal,
                 report.done_to_date(), _pct(share(report.done_to_date(), report.total_target))
                 if report.total_target else None, rag.total, _pct(rag.share("R")),
                 _pct(rag.share("A")), _pct(rag.share("G"))])
    return ReportTable(
        "themes", f"Audits by theme, {report.period.label}",
        ["Theme", "Target", "External in period", "Internal in period", f"External to week {report.through_week}",
         "% of target", "Audits graded", "Red %", "Amber %", "Green %"],
        rows, "RAG shares are of every audit in the period (external and internal), moderated grade where moderated.")


def team_table(report: ProgressReport) -> ReportTable:
    rows = []
    for t in report.current.teams:
        if t.withheld:
            rows.append([t.team, *([None] * 11), t.withheld])
            continue
        rows.append([t.team, t.external, t.internal, t.rag.red, t.rag.amber, t.rag.green, _pct(t.rag.share("R")),
                     t.actions_raised, t.actions_due, t.actions_in_time, _pct(t.in_time_share),
                     t.actions_overdue_at_end, None])
    note = (f"Audits with an audit date in {report.period.phrase}; actions raised in it, 'due' once their 5 working "
            f"days have passed or they are done (as of {short_date(report.as_of)}); overdue on the period's last day.")
    if report.small_teams_withheld:
        note += (f" A team with {FEWER_THAN} in the period has no figures here (and, where one such team could "
                 "be worked out from the totals, the next smallest team is withheld with it).")
    return ReportTable(
        "teams", f"Audits and remedial actions by team, {report.period.label}",
        ["Team", "External", "Internal", "Red", "Amber", "Green", "Red %", "Actions raised", "Actions due",
         "Done within 5 working days", "% within 5 working days", f"Overdue on {short_date(report.current.up_to)}",
         "Note"],
        rows, note)


def domain_table(report: ProgressReport) -> ReportTable:
    rows = [[d.domain, d.answers, d.rag.red, d.rag.amber, d.rag.green, _pct(d.rag.share("R")),
             _mean(d.mean_grade), d.not_applicable] for d in report.current.domains]
    return ReportTable("domains", f"Domains, weakest first, {report.period.label}",
                       ["Domain", "Graded answers", "Red", "Amber", "Green", "Red %", "Mean grade (1-4)",
                        "Not applicable"], rows,
                       f"Every question's grade in the audits of {report.period.phrase}, moderated grade where "
                       "moderated.")


def _agreement_row(name: str, a: Agreement | None, withheld: str = "") -> list[Any]:
    if a is None:
        return [name, *([None] * (len(AGREEMENT_COLUMNS) - 2)), withheld]
    return [name, a.audits, a.answers, _pct(a.exact_share), _pct(a.within_one_share), a.first_higher, a.first_lower,
            _pct(a.overall_exact_share), None]


AGREEMENT_COLUMNS = ["Moderations of", "Audits moderated", "Graded answers", "Exact agreement %", "Within one grade %",
                     "First grade higher", "First grade lower", "Overall grade agreed %", "Note"]


def moderation_table(report: ProgressReport) -> ReportTable:
    rows = [_agreement_row(f"All teams, {report.period.label}" if report.targets is not None else report.period.label,
                           report.current.agreement)]
    if report.previous:
        rows.append(_agreement_row(f"Previous: {report.previous.period.label}", report.previous.agreement))
    rows += [_agreement_row(t.team, t.agreement, t.withheld) for t in report.current.agreement_by_team]
    note = (f"First grade against the moderated grade, question by question, for moderations completed in "
            f"{report.period.phrase}. 'First grade higher': the first auditor was more generous than the moderator.")
    if report.small_teams_withheld:
        note += f" A team with {FEWER_THAN} moderated in the period has no figures here."
    if 0 < report.current.agreement.audits < 10:
        note += " Fewer than 10 moderations: read with care."
    return ReportTable("moderation", f"Moderation findings, {report.period.label}", AGREEMENT_COLUMNS, rows, note)


def actions_table(report: ProgressReport) -> ReportTable:
    cur, prev = report.current.actions, report.previous.actions if report.previous else None

    def row(label: str, attribute: str) -> list[Any]:
        return [label, getattr(cur, attribute), getattr(prev, attribute) if prev else None]

    rows = [row("Raised", "raised"), row("Done", "done"), row("Verified", "verified"),
            row("Due (5 working days passed, or done)", "due"), row("Done within 5 working days", "in_time"),
            ["% done within 5 working days", _pct(cur.in_time_share), _pct(prev.in_time_share) if prev else None],
            row("Overdue on the period's last day", "overdue_at_end")]
    previous = report.previous.period.name if report.previous else "Previous period"
    return ReportTable("actions", f"Remedial-action performance, {report.period.label}", ["Remedial actions", report.period.name, previous],
                       rows,
                       f"Done within 5 working days of being raised (England and Wales bank holidays skipped), as of "
                       f"{short_date(report.as_of)}.")


def meetings_table(report: ProgressReport) -> ReportTable:
    previous = report.previous.period.name if report.previous else "Previous period"
    rows = [[kind.capitalize(), report.current.meetings.get(kind, 0),
             report.previous.meetings.get(kind, 0) if report.previous else None]
            for kind in MEETING_KINDS + OTHER_MEETING_KINDS]
    rows.append(["Mentoring and reflective", report.current.mentoring,
                 report.previous.mentoring if report.previous else None])
    return ReportTable("meetings", f"Mentoring and support meetings, {report.period.label}",
                       ["Meetings", report.period.name, previous], rows, f"Meetings held in {report.period.phrase}.")


def liveness_table(report: ProgressReport) -> ReportTable:
    rows = []
    for item in report.current.liveness:
        rows.append([item.kind.capitalize(), item.audits, _mean(item.mean_days),
                     *(item.buckets.get(b, 0) for b in LIVENESS_BUCKETS), _pct(item.live_share)])
    return ReportTable("liveness", f"How live the audits were, {report.period.label}: days between the work audited "
                                   "and the audit",
                       ["Audits", "With the date of the work", "Mean days", *LIVENESS_BUCKETS,
                        f"% within {LIVE_DAYS} days"], rows)


def forecast_table(report: ProgressReport) -> ReportTable:
    rows = [[f.name, f.target, f.done, f.remaining, _mean(f.pace), f.status, f.text] for f in report.forecasts()]
    return ReportTable("forecast", f"Forecast at the pace of the last 4 complete weeks, as of "
                                   f"{short_date(report.current.up_to)}",
                       ["Theme", "Target", "Done", "Remaining", "Audits a week", "Status", "Forecast"], rows)


def weekly_table(report: ProgressReport) -> ReportTable:
    rows = []
    burn = {p.week: p for p in report.burn_up()}
    for week in range(1, report.through_week + 1):
        rag = report.weekly.rag.get(week)
        agreement = report.weekly.agreement.get(week)
        actions = report.weekly.actions.get(week)
        meetings = report.weekly.meetings.get(week, {})
        live_n, live_days = report.weekly.liveness.get((week, "external"), (0, 0))
        point = burn.get(week)
        rows.append([
            week, week_dates(report.programme_start, week)[0], report.weekly.external_in_week(week),
            point.done if point else None,
            round_half_up(point.planned) if point and report.targets is not None else None,
            rag.red if rag else 0, rag.amber if rag else 0, rag.green if rag else 0,
            _pct(rag.share("R")) if rag else None,
            _pct(agreement.exact_share) if agreement else None, agreement.answers if agreement else 0,
            actions.raised if actions else 0, actions.done if actions else 0, actions.verified if actions else 0,
            meetings.get("mentoring", 0), meetings.get("reflective", 0), _mean(share(live_days, live_n)),
        ])
    return ReportTable(
        "weekly", f"Week by week, programme weeks 1-{report.through_week}",
        ["Week", "Week starting", "External audits", "External to date", "Plan to date", "Red", "Amber", "Green",
         "Red %", "Exact agreement %", "Answers moderated", "Actions raised", "Actions done", "Actions verified",
         "Mentoring", "Reflective", "Mean days (external)"], rows,
        "Figures up to the period's last day.")


def report_tables(report: ProgressReport) -> list[ReportTable]:
    """Every table of the report, in order (the page shows the same ones)."""
    tables = [headline_table(report), theme_table(report)]
    if report.targets is not None:
        tables.append(forecast_table(report))
    return tables + [team_table(report), domain_table(report), moderation_table(report), actions_table(report),
                     meetings_table(report), liveness_table(report), weekly_table(report)]


# ------------------------------------------------------------------ rendering
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


def render_charts(report: ProgressReport, progress: Progress | None = None,
                  start: float = 0.0, end: float = 1.0) -> list[tuple[ProgressChart, bytes]]:
    charts = progress_charts(report, width=620, height=250)
    result = []
    for index, chart in enumerate(charts):
        if progress:
            progress(start + (end - start) * index / len(charts), f"Drawing chart {index + 1} of {len(charts)}")
        result.append((chart, chart_png(chart.chart)))
    return result


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
    for item in report.headlines():  # what each figure counts, and its period
        pdf.multi_cell(0, 3.6, f"{item.label}: {item.help}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(20, 20, 20)
    pdf.ln(3)
    pdf.set_font(FONT, "B", 13)
    since = f"What changed since {report.previous.period.name}" if report.previous else "What happened in the period"
    pdf.cell(0, 8, since, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    for line in report.narrative():
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
    sheets["What changed"] = (["What changed since the previous period"], [[line] for line in report.narrative()])
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


__all__ = ["BoardReportFiles", "ReportTable", "build_board_report", "build_pdf", "build_xlsx", "report_tables"]
