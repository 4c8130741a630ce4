"""Reading a case list exported from the case-management system, and planning its import.

Two pure steps, so that nothing is written until a person has seen every problem:

1. ``read_case_file`` turns an uploaded CSV or Excel (.xlsx) file into a ``RawTable``:
   it decodes the text strictly (UTF-8, with or without BOM, or UTF-16 with a BOM),
   finds the header row with tolerant matching of the column names (case reference,
   team, allocated practitioner, service area), and reports file-level problems.
   A file that is not UTF-8 is never silently re-guessed: the cells that are not
   valid UTF-8 are reported as "bad encoding" and their rows skipped, unless the
   user explicitly asks to read the file as Windows-1252 (Excel's plain "CSV").
2. ``plan_import`` checks every row against what the database already holds (a
   ``Directory``) and says, row by row, what would be created, updated, left
   unchanged or skipped, with every problem as (row, column, reason).

Row numbers are the spreadsheet's: the header is usually row 1, the first case row 2.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time

from core.casereference import looks_like_personal_data, problem_with

# Each reference is checked several times (duplicates, lookup, the row itself); the rules are pure.
_reference_problem = lru_cache(maxsize=65_536)(problem_with)

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
            f"Bad encoding: the file is not UTF-8 text. {rows_affected} row(s) hold characters that cannot be read "
            "for certain, so they are skipped. Excel's plain 'CSV' format is usually Windows-1252: save the file "
            "as 'CSV UTF-8' and upload it again, or choose to read it as Windows-1252 and check the names."
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


# ------------------------------------------------------------------ what the database holds
@dataclass(frozen=True)
class KnownTeam:
    id: int
    name: str
    service_area: str = ""
    active: bool = True


@dataclass(frozen=True)
class KnownPractitioner:
    id: int
    name: str
    team_id: int
    active: bool = True


@dataclass(frozen=True)
class KnownCase:
    reference: str
    team_id: int
    practitioner_id: int | None
    service_area: str = ""


@dataclass(frozen=True)
class Directory:
    """The teams, practitioners and (already stored) cases an import is checked against."""

    teams: tuple[KnownTeam, ...]
    practitioners: tuple[KnownPractitioner, ...]
    cases: Mapping[str, KnownCase]  # by stored (upper-case) reference


# ------------------------------------------------------------------ the plan
CREATE, UPDATE, UNCHANGED, SKIP = "create", "update", "unchanged", "skip"
WITHHELD = "(withheld: personal data)"
ACTION_LABELS = {CREATE: "Create", UPDATE: "Update", UNCHANGED: "Unchanged", SKIP: "Skip"}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # a COLUMN_LABELS value
    reason: str


@dataclass(frozen=True)
class PlannedRow:
    row: int
    reference: str
    team: str
    practitioner: str
    service_area: str
    action: str
    problems: tuple[Problem, ...] = ()
    team_id: int | None = None
    practitioner_id: int | None = None  # None with new_practitioner: created by the import
    new_practitioner: bool = False
    changes: tuple[str, ...] = ()

    @property
    def key(self) -> tuple:
        """What this row would write, for checking that nothing changed between preview and confirm."""
        return (self.row, self.action, self.reference, self.team_id, self.practitioner_id, self.new_practitioner,
                self.practitioner if self.new_practitioner else "", self.service_area)


@dataclass(frozen=True)
class ImportPreview:
    filename: str
    encoding: str | None
    rows: tuple[PlannedRow, ...]
    file_problems: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)  # our field -> the file's header

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def to_write(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.action in (CREATE, UPDATE)]

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.rows for p in r.problems]

    @property
    def new_practitioners(self) -> list[tuple[str, int]]:
        """(name, team id) of each practitioner the import would create, once each."""
        seen: dict[tuple[str, int | None], tuple[str, int]] = {}
        for r in self.rows:
            if r.new_practitioner and r.action in (CREATE, UPDATE):
                seen.setdefault((_name_key(r.practitioner), r.team_id), (r.practitioner, r.team_id))
        return list(seen.values())

    @property
    def fingerprint(self) -> tuple:
        return tuple(r.key for r in self.rows)


def _name_key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _tidy(text: str) -> str:
    return " ".join(str(text).split())


def _text_problems(value: str, column: str, row: int, *, max_length: int) -> list[Problem]:
    problems = []
    if len(value) > max_length:
        problems.append(Problem(row, column, f"Too long: at most {max_length} characters (found {len(value)})."))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        problems.append(Problem(row, column, "Contains control characters."))
    if reason := looks_like_personal_data(value):
        problems.append(Problem(row, column, f"This {reason}: never import a child's date of birth or address."))
    return problems


def plan_import(table: RawTable, directory: Directory) -> ImportPreview:
    """Check every row and say what the import would do with it; write nothing."""
    columns = {f: table.headers[i] for f, i in table.columns.items() if i < len(table.headers)}
    if not table.readable:
        return ImportPreview(table.filename, table.encoding, (), table.problems, table.notices, columns)
    teams_by_name = {_name_key(t.name): t for t in directory.teams}
    teams_by_id = {t.id: t for t in directory.teams}
    practitioners: dict[str, list[KnownPractitioner]] = defaultdict(list)
    for p in directory.practitioners:
        practitioners[_name_key(p.name)].append(p)

    raw = [
        (number, {f: _tidy(table.cell(cells, f)) for f in FIELDS}, cells) for number, cells in table.rows
    ]
    # Duplicates within the file, by stored form of the reference.
    occurrences: dict[str, list[int]] = defaultdict(list)
    details: dict[str, set[tuple]] = defaultdict(set)
    for number, values, _ in raw:
        if values[REFERENCE] and _reference_problem(values[REFERENCE]) is None:
            ref = values[REFERENCE].upper()
            occurrences[ref].append(number)
            details[ref].add((_name_key(values[TEAM]), _name_key(values[PRACTITIONER]), _name_key(values[SERVICE_AREA])))
    # A new practitioner's name must mean one team within the file.
    new_name_teams: dict[str, set[str]] = defaultdict(set)
    for _, values, _ in raw:
        if values[PRACTITIONER] and not any(p.active for p in practitioners.get(_name_key(values[PRACTITIONER]), [])):
            known_team = teams_by_name.get(_name_key(values[TEAM]))
            if known_team is not None and known_team.active:  # a row with a wrong team is skipped anyway
                new_name_teams[_name_key(values[PRACTITIONER])].add(known_team.name)

    planned: list[PlannedRow] = []
    for number, values, cells in raw:
        problems: list[Problem] = []
        ref_raw, team_raw, prac_raw, area_raw = (values[f] for f in FIELDS)
        label = COLUMN_LABELS
        for f in FIELDS:
            index = table.columns.get(f)
            if index is not None and (number, index) in table.bad_encoding:
                problems.append(Problem(number, label[f], (
                    f"Bad encoding: not UTF-8 text (as Windows-1252 it reads '{table.bad_encoding[(number, index)]}')."
                )))
        encoding_bad = {p.column for p in problems}

        # Case reference: the strict pseudonymisation rules of core.casereference.
        reference = ref_raw.upper()
        if label[REFERENCE] not in encoding_bad:
            if not ref_raw:
                problems.append(Problem(number, label[REFERENCE], "Missing case reference."))
            elif reason := _reference_problem(ref_raw):
                problems.append(Problem(number, label[REFERENCE], reason))
                reference = ref_raw
            else:
                rows_with = occurrences[reference]
                others = [n for n in rows_with if n != number]
                if others and (len(details[reference]) > 1 or number != rows_with[0]):
                    where = ", ".join(str(n) for n in others)
                    differ = " with different details" if len(details[reference]) > 1 else ""
                    problems.append(Problem(number, label[REFERENCE], f"Duplicate reference: also on row {where}{differ}."))

        # Team: must exist and be active.
        team: KnownTeam | None = None
        if label[TEAM] not in encoding_bad:
            problems += _text_problems(team_raw, label[TEAM], number, max_length=MAX_NAME_LENGTH)
            if not team_raw:
                problems.append(Problem(number, label[TEAM], "Missing team."))
            else:
                team = teams_by_name.get(_name_key(team_raw))
                if team is None:
                    problems.append(Problem(number, label[TEAM], (
                        f"Unknown team '{team_raw}'. Create it under Teams and practitioners first, or correct the name."
                    )))
                elif not team.active:
                    problems.append(Problem(number, label[TEAM], f"The team '{team.name}' is deactivated."))
                    team = None

        # Allocated practitioner: an existing practitioner of that team, or a new one in it.
        practitioner_id, new_practitioner = None, False
        if label[PRACTITIONER] not in encoding_bad:
            problems += _text_problems(prac_raw, label[PRACTITIONER], number, max_length=MAX_NAME_LENGTH)
            if not prac_raw:
                problems.append(Problem(number, label[PRACTITIONER], "Missing allocated practitioner."))
            elif team is not None:
                known = practitioners.get(_name_key(prac_raw), [])
                in_team = [p for p in known if p.team_id == team.id and p.active]
                elsewhere = sorted({teams_by_id[p.team_id].name for p in known if p.active and p.team_id != team.id
                                    and p.team_id in teams_by_id})
                if len(in_team) == 1:
                    practitioner_id = in_team[0].id
                elif len(in_team) > 1:
                    problems.append(Problem(number, label[PRACTITIONER], (
                        f"{len(in_team)} practitioners called '{prac_raw}' in {team.name}: rename one first."
                    )))
                elif elsewhere:
                    problems.append(Problem(number, label[PRACTITIONER], (
                        f"'{prac_raw}' is a practitioner in {' and '.join(elsewhere)}, not {team.name}. Move them "
                        "under Teams and practitioners first, or correct the team."
                    )))
                elif any(p.team_id == team.id for p in known):
                    problems.append(Problem(number, label[PRACTITIONER], (
                        f"'{prac_raw}' is deactivated in {team.name}. Reactivate them first, or correct the name."
                    )))
                elif len(new_name_teams[_name_key(prac_raw)]) > 1:
                    teams_named = " and ".join(sorted(new_name_teams[_name_key(prac_raw)]))
                    problems.append(Problem(number, label[PRACTITIONER], (
                        f"'{prac_raw}' is new and appears with more than one team in this file ({teams_named})."
                    )))
                else:
                    new_practitioner = True

        # Service area: optional; blank keeps the case's, or takes the team's for a new case.
        if label[SERVICE_AREA] not in encoding_bad:
            problems += _text_problems(area_raw, label[SERVICE_AREA], number, max_length=MAX_NAME_LENGTH)

        # A value that looks like a child's name, date of birth or address is not echoed back on screen.
        withheld = {p.column for p in problems if "looks like" in p.reason}
        if label[REFERENCE] in withheld:
            reference = WITHHELD
        if label[PRACTITIONER] in withheld:
            prac_raw = WITHHELD
        if label[SERVICE_AREA] in withheld:
            area_raw = WITHHELD
        if label[TEAM] in withheld:
            team_raw = WITHHELD

        existing = directory.cases.get(reference) if not problems else None
        service_area = area_raw or (existing.service_area if existing else (team.service_area if team else ""))
        if problems:
            action, changes = SKIP, ()
        elif existing is None:
            action, changes = CREATE, ()
        else:
            changes = _changes(existing, team, practitioner_id, new_practitioner, prac_raw, service_area, teams_by_id,
                               directory)
            action = UPDATE if changes else UNCHANGED
        planned.append(PlannedRow(
            row=number, reference=reference, team=team.name if team else team_raw, practitioner=prac_raw,
            service_area=service_area, action=action, problems=tuple(problems),
            team_id=team.id if team else None, practitioner_id=practitioner_id,
            new_practitioner=new_practitioner and action != SKIP, changes=changes,
        ))
    return ImportPreview(table.filename, table.encoding, tuple(planned), (), table.notices, columns)


def _changes(existing: KnownCase, team: KnownTeam, practitioner_id, new_practitioner, practitioner_name, service_area,
             teams_by_id, directory: Directory) -> tuple[str, ...]:
    changes = []
    if existing.team_id != team.id:
        before = teams_by_id.get(existing.team_id)
        changes.append(f"team: {before.name if before else '?'} -> {team.name}")
    if new_practitioner or existing.practitioner_id != practitioner_id:
        names = {p.id: p.name for p in directory.practitioners}
        before = names.get(existing.practitioner_id, "none") if existing.practitioner_id else "none"
        changes.append(f"practitioner: {before} -> {practitioner_name}")
    if existing.service_area != service_area:
        changes.append(f"service area: {existing.service_area or 'none'} -> {service_area}")
    return tuple(changes)


def summary(preview: ImportPreview) -> dict[str, int]:
    """Counts by action, as shown before confirming and recorded in the event log."""
    counts = Counter(r.action for r in preview.rows)
    return {action: counts.get(action, 0) for action in (CREATE, UPDATE, UNCHANGED, SKIP)}


def template_rows() -> tuple[list[str], list[list[str]]]:
    """An example file for councils: the four columns and two made-up rows."""
    return (
        [COLUMN_LABELS[f] for f in FIELDS],
        [["LCS100234", "Assessment North", "Jo Bloggs", "Assessment"],
         ["LCS100235", "Child Protection", "Sam Example", "Safeguarding and CIN"]],
    )


def problem_rows(preview: ImportPreview) -> tuple[list[str], list[list]]:
    """Every problem as a table (row, column, reason), for the screen and for download."""
    return ["Row", "Column", "Problem"], [[p.row, p.column, p.reason] for p in preview.problems]


def preview_rows(preview: ImportPreview) -> tuple[list[str], list[list]]:
    """Every row with what would happen to it."""
    columns = ["Row", "Case reference", "Team", "Allocated practitioner", "Service area", "What happens", "Details"]
    rows = []
    for r in preview.rows:
        if r.action == SKIP:
            detail = " ".join(f"{p.column}: {p.reason}" for p in r.problems)
        elif r.changes:
            detail = "; ".join(r.changes)
        else:
            detail = ""
        if r.new_practitioner:
            detail = (detail + "; " if detail else "") + f"new practitioner {r.practitioner} in {r.team}"
        rows.append([r.row, r.reference, r.team, r.practitioner, r.service_area, ACTION_LABELS[r.action], detail])
    return columns, rows


def iter_references(table: RawTable) -> Iterable[str]:
    """The stored form of every valid reference in the file (to look up existing cases)."""
    for _, cells in table.rows:
        value = _tidy(table.cell(cells, REFERENCE))
        if value and _reference_problem(value) is None:
            yield value.upper()


def name_problem(value: str, what: str = "name", *, max_length: int = MAX_NAME_LENGTH) -> str | None:
    """Why ``value`` cannot be a team's or practitioner's name (or service area), or None.
    The same rules as the import's, for names typed on the administration pages."""
    text = _tidy(value or "")
    if len(text) < 2:
        return f"Enter a {what} of at least 2 characters."
    if len(text) > max_length:
        return f"A {what} has at most {max_length} characters."
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return f"A {what} cannot contain control characters."
    if reason := looks_like_personal_data(text):
        return f"This {what} {reason}: never enter a child's date of birth or address."
    return None
