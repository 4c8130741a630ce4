"""Reading a case list exported from the case-management system (the first of the import's two steps).

``read_case_file`` turns an uploaded CSV or Excel (.xlsx) file into a ``RawTable``:
it decodes the text strictly (UTF-8, with or without BOM, or UTF-16 with a BOM),
finds the header row with tolerant matching of the column names (case reference,
team, allocated practitioner, service area), and reports file-level problems.
A file that is not UTF-8 is never silently re-guessed: the cells that are not
valid UTF-8 are reported as "bad encoding" and their rows skipped, unless the
user explicitly asks to read the file as Windows-1252 (Excel's plain "CSV").
Planning the import from the table is ``core.case_import``.

Row numbers are the spreadsheet's: the header is usually row 1, the first case row 2.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from core.periods import agreeing, counted


# ------------------------------------------------------------------ columns
REFERENCE, TEAM, PRACTITIONER, SERVICE_AREA = "reference", "team", "practitioner", "service_area"
FIELDS = (REFERENCE, TEAM, PRACTITIONER, SERVICE_AREA)
REQUIRED_FIELDS = (REFERENCE, TEAM, PRACTITIONER)
COLUMN_LABELS = {
    REFERENCE: "Case reference",
    TEAM: "Team",
    PRACTITIONER: "Allocated practitioner",
    SERVICE_AREA: "Service area",
}
# Lengths of the columns they are stored in (db.models: Team.name, Practitioner.name, Case.service_area).
MAX_NAME_LENGTH = 120
MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 10  # some exports put a title or "report run on" line above the header
CP1252 = "cp1252"

# Header names seen in LCS, Mosaic and Liquidlogic exports and in hand-made lists, normalised.
_SYNONYMS: dict[str, set[str]] = {
    REFERENCE: {
        "case reference", "case ref", "case reference number", "reference", "ref", "case id", "case number",
        "case no", "person id", "person reference", "client id", "child id", "child reference", "lcs id",
        "lcs reference", "mosaic id", "mosaic person id", "id", "case", "pseudonymised reference",
    },
    TEAM: {"team", "team name", "allocated team", "worker team", "current team", "social work team", "owning team"},
    PRACTITIONER: {
        "allocated practitioner", "practitioner", "practitioner name", "allocated worker", "worker", "worker name",
        "social worker", "allocated social worker", "key worker", "keyworker", "caseworker", "case worker",
        "allocated to", "lead practitioner",
    },
    SERVICE_AREA: {"service area", "service", "area", "service name", "directorate", "service unit"},
}
# Used only when no header matches a synonym exactly; checked in this order.
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (PRACTITIONER, ("practitioner", "worker")),
    (REFERENCE, ("reference", "ref", "id")),
    (TEAM, ("team",)),
    (SERVICE_AREA, ("service", "area")),
)
_NOT_A_FIELD = ("manager", "date", "dob", "birth", "address", "postcode")
_PERSONAL_HEADER = re.compile(
    r"\b(child|first|fore|sur|last|full|given|family)\s*name\b|\bname\b|\bdob\b|\bdate of birth\b|\bbirth\b|"
    r"\baddress\b|\bpost ?code\b|\bnhs\b|\bupn\b|\bethnicity\b|\bgender\b|\bsex\b",
    re.IGNORECASE,
)


def normalise_header(text: str) -> str:
    """Lower case, punctuation and underscores to spaces, single spaces: 'Case_Ref.' -> 'case ref'."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def field_for_header(header: str) -> str | None:
    """Which of our columns a header names, or None."""
    name = normalise_header(header)
    if not name:
        return None
    for field_name, synonyms in _SYNONYMS.items():
        if name in synonyms:
            return field_name
    words = set(name.split())
    if words & set(_NOT_A_FIELD):
        return None
    for field_name, keywords in _KEYWORDS:
        if any(k in words or (len(k) > 3 and k in name) for k in keywords):
            return field_name
    return None


def match_columns(headers: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """Map our fields to column indexes (first matching header wins) and list the headers ignored."""
    mapping: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        field_name = field_for_header(header)
        if field_name and field_name not in mapping:
            mapping[field_name] = index
        elif str(header or "").strip():
            ignored.append(str(header).strip())
    return mapping, ignored


# ------------------------------------------------------------------ reading files
@dataclass(frozen=True)
class RawTable:
    """An uploaded file as text cells, before any check against the database."""

    filename: str
    kind: str  # "csv" or "xlsx"
    encoding: str | None  # how the text was decoded (None for .xlsx)
    header_row: int  # spreadsheet row number of the header (0 when none was found)
    columns: dict[str, int]  # our field -> column index
    headers: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (spreadsheet row number, cells)
    # (row number, column index) -> the cell as Windows-1252 would read it: not valid UTF-8.
    bad_encoding: Mapping[tuple[int, int], str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # file-level: nothing can be imported while there is one
    notices: tuple[str, ...] = ()  # file-level, informative

    @property
    def readable(self) -> bool:
        return not self.problems

    @property
    def has_bad_encoding(self) -> bool:
        return bool(self.bad_encoding)

    def cell(self, cells: Sequence[str], field_name: str) -> str:
        index = self.columns.get(field_name)
        return cells[index] if index is not None and index < len(cells) else ""


def _failed(filename: str, kind: str, problem: str, encoding: str | None = None) -> RawTable:
    return RawTable(filename, kind, encoding, 0, {}, (), (), (), {}, (problem,))


def _kind_of(filename: str, data: bytes) -> str:
    name = filename.lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        return "xls"
    return "csv"


def read_case_file(filename: str, data: bytes, *, encoding: str | None = None) -> RawTable:
    """Read an uploaded case list. ``encoding=CP1252`` reads a CSV as Windows-1252 on the
    user's explicit say-so; otherwise the text must be UTF-8 (or UTF-16 with a BOM)."""
    kind = _kind_of(filename, data)
    if not data:
        return _failed(filename, kind, "The file is empty.")
    if kind == "xls":
        return _failed(filename, kind, "This is an old Excel .xls file. Save it as Excel Workbook (.xlsx) or CSV UTF-8.")
    if kind == "xlsx":
        return _read_xlsx(filename, data)
    return _read_csv(filename, data, encoding)


def _decode(data: bytes, encoding: str | None) -> tuple[str | None, str, str | None]:
    """(text, encoding used, problem). Bytes that are not UTF-8 survive as lone surrogates
    (``surrogateescape``) so each bad cell can be reported where it is."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16", None
        except UnicodeDecodeError:
            return None, "UTF-16", "The file starts like UTF-16 text but cannot be read as it."
    try:
        # Valid UTF-8 is taken as UTF-8 even when Windows-1252 was asked for: it is unambiguous.
        return data.decode("utf-8-sig"), "UTF-8", None
    except UnicodeDecodeError:
        pass
    if encoding == CP1252:
        try:
            return data.decode(CP1252), "Windows-1252", None
        except UnicodeDecodeError as exc:
            return None, "Windows-1252", (
                f"The file cannot be read as Windows-1252 either (byte {exc.start + 1}). Save it as CSV UTF-8."
            )
    text = data.decode("utf-8", errors="surrogateescape")
    return text.removeprefix("\ufeff"), "UTF-8", None


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _as_cp1252(text: str) -> str:
    return text.encode("utf-8", errors="surrogateescape").decode(CP1252, errors="replace")


def _delimiter(lines: list[str]) -> str:
    counts = {d: sum(line.count(d) for line in lines) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(filename: str, data: bytes, encoding: str | None) -> RawTable:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _failed(filename, "csv", "This is not a text (CSV) file. Upload a CSV or an Excel .xlsx file.")
    text, used, problem = _decode(data, encoding)
    if problem or text is None:
        return _failed(filename, "csv", problem or "The file cannot be read.", used)
    sample = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(sample)))
    except csv.Error as exc:
        return _failed(filename, "csv", f"The file is not valid CSV: {exc}.", used)
    numbered = [(number, [cell.strip() for cell in record]) for number, record in enumerate(records, start=1)]
    table = _from_rows(filename, "csv", used, numbered)
    if used == "Windows-1252" and table.readable:
        return _with_notice(table, (
            "Read as Windows-1252, as you chose: check that names with accents (such as 'Zoë') read correctly below."
        ))
    if not table.readable or used != "UTF-8":
        return table
    bad: dict[tuple[int, int], str] = {}
    clean_rows = []
    for number, cells in table.rows:
        fixed = list(cells)
        for index, value in enumerate(cells):
            if _has_surrogates(value):
                bad[(number, index)] = fixed[index] = _as_cp1252(value)
        clean_rows.append((number, tuple(fixed)))
    headers = tuple(_as_cp1252(h) if _has_surrogates(h) else h for h in table.headers)
    if not bad and headers == table.headers:
        return table
    notices = list(table.notices)
    if bad:
        rows_affected = len({row for row, _ in bad})
        notices.insert(0, (
            f"Bad encoding: the file is not UTF-8 text. {counted(rows_affected, 'row')} "
            f"{agreeing(rows_affected, 'holds', 'hold')} characters that cannot be read for certain, so they are "
            "skipped. Excel's plain 'CSV' format is usually Windows-1252: save the file as 'CSV UTF-8' and upload "
            "it again, or choose to read it as Windows-1252 and check the names."
        ))
    return RawTable(
        filename, "csv", used, table.header_row, table.columns, headers, table.ignored_columns, tuple(clean_rows),
        bad, table.problems, tuple(notices),
    )


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        # A date cell: written the way a person would type it, so the date checks catch it.
        return f"{value:%d/%m/%Y}" if value.time() == time(0) else f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(filename: str, data: bytes) -> RawTable:
    from openpyxl import load_workbook  # imported here: only Excel uploads need it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zipfile, KeyError and its own errors for a broken file
        return _failed(filename, "xlsx", "The file cannot be read as an Excel workbook (.xlsx). Is it damaged?")
    try:
        first: RawTable | None = None
        for sheet in workbook.worksheets:
            numbered = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                numbered.append((number, [_xlsx_text(v) for v in values]))
                if number > MAX_ROWS + HEADER_SEARCH_ROWS:
                    break
            table = _from_rows(filename, "xlsx", None, numbered, sheet_name=sheet.title)
            if table.readable:
                if len(workbook.worksheets) > 1:
                    return _with_notice(table, f"Read the sheet '{sheet.title}'; the other sheets are ignored.")
                return table
            first = first or table
        return first or _failed(filename, "xlsx", "The workbook has no sheets.")
    finally:
        workbook.close()


def _with_notice(table: RawTable, notice: str) -> RawTable:
    return RawTable(
        table.filename, table.kind, table.encoding, table.header_row, table.columns, table.headers,
        table.ignored_columns, table.rows, table.bad_encoding, table.problems, (*table.notices, notice),
    )


def _from_rows(
    filename: str, kind: str, encoding: str | None, numbered: list[tuple[int, list[str]]], sheet_name: str = ""
) -> RawTable:
    non_blank = [(n, cells) for n, cells in numbered if any(c for c in cells)]
    where = f" on the sheet '{sheet_name}'" if sheet_name else ""
    if not non_blank:
        return _failed(filename, kind, f"The file has no rows{where}.", encoding)
    header_row, headers, mapping, ignored = 0, [], {}, []
    for number, cells in non_blank[:HEADER_SEARCH_ROWS]:
        candidate, candidate_ignored = match_columns(cells)
        if REFERENCE in candidate and TEAM in candidate:
            header_row, headers, mapping, ignored = number, cells, candidate, candidate_ignored
            break
    if not header_row:
        seen = ", ".join(f"'{c}'" for c in non_blank[0][1] if c) or "none"
        return _failed(filename, kind, (
            f"No header row with a case reference and a team column was found{where}. "
            f"Expected columns: {', '.join(COLUMN_LABELS.values())}. First row found: {seen}."
        ), encoding)
    problems = []
    missing = [COLUMN_LABELS[f] for f in REQUIRED_FIELDS if f not in mapping]
    if missing:
        problems.append(f"The file has no {' or '.join(missing)} column (row {header_row}).")
    rows = tuple((n, tuple(cells)) for n, cells in non_blank if n > header_row)
    if len(rows) > MAX_ROWS:
        problems.append(f"The file has {len(rows)} rows; at most {MAX_ROWS} can be imported at once. Split it.")
    if not rows and not problems:
        problems.append("The file has a header row but no cases under it.")
    notices = []
    personal = [h for h in ignored if _PERSONAL_HEADER.search(h)]
    if personal:
        notices.append(
            f"Not imported: {', '.join(repr(h) for h in personal)}. This product never stores a child's name, "
            "date of birth or address; consider removing such columns from the file before sharing it."
        )
    other = [h for h in ignored if h not in personal]
    if other:
        notices.append(f"Columns ignored: {', '.join(repr(h) for h in other)}.")
    return RawTable(
        filename, kind, encoding, header_row, mapping, tuple(headers), tuple(ignored), rows, {}, tuple(problems),
        tuple(notices),
    )


def template_rows() -> tuple[list[str], list[list[str]]]:
    """An example file for councils: the four columns and two made-up rows."""
    return (
        [COLUMN_LABELS[f] for f in FIELDS],
        [["LCS100234", "Assessment North", "Jo Bloggs", "Assessment"],
         ["LCS100235", "Child Protection", "Sam Example", "Safeguarding and CIN"]],
    )
