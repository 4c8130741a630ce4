"""Planning the import of a case list (the second of two pure steps, so that nothing is written
until a person has seen every problem).

``core.case_file.read_case_file`` has turned the uploaded file into a ``RawTable``;
``plan_import`` checks every row against what the database already holds (a ``Directory``)
and says, row by row, what would be created, updated, left unchanged or skipped, with every
problem as (row, column, reason).

Row numbers are the spreadsheet's: the header is usually row 1, the first case row 2.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from core.case_file import COLUMN_LABELS, FIELDS, MAX_NAME_LENGTH, PRACTITIONER, REFERENCE, SERVICE_AREA, TEAM, RawTable
from core.casereference import looks_like_personal_data, problem_with

# Each reference is checked several times (duplicates, lookup, the row itself); the rules are pure.
_reference_problem = lru_cache(maxsize=65_536)(problem_with)


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
