"""Unit tests of the case-list import (core.case_file, core.case_import): reading files, every kind of fault, the plan."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from core.case_file import CP1252, field_for_header, match_columns, read_case_file
from core.case_import import (
    CREATE,
    SKIP,
    UNCHANGED,
    UPDATE,
    Directory,
    KnownCase,
    KnownPractitioner,
    KnownTeam,
    name_problem,
    plan_import,
    preview_rows,
    problem_rows,
    summary,
)

NORTH, PROTECTION, CLOSED = 1, 2, 3
DIRECTORY = Directory(
    teams=(
        KnownTeam(NORTH, "Assessment North", "Assessment"),
        KnownTeam(PROTECTION, "Child Protection", "Safeguarding and CIN"),
        KnownTeam(CLOSED, "Old Duty Team", "Front door", active=False),
    ),
    practitioners=(
        KnownPractitioner(10, "Jo Bloggs", NORTH),
        KnownPractitioner(11, "Sam Example", PROTECTION),
        KnownPractitioner(12, "Left Already", NORTH, active=False),
    ),
    cases={
        "LCS100001": KnownCase("LCS100001", NORTH, 10, "Assessment"),
        "LCS100009": KnownCase("LCS100009", NORTH, 10, "Assessment"),
    },
)
HEADER = "Case reference,Team,Allocated practitioner,Service area\n"


def plan(text: str | bytes, filename: str = "cases.csv", **kwargs):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return plan_import(read_case_file(filename, data, **kwargs), DIRECTORY)


def problems_of(preview) -> set[tuple[int, str, str]]:
    return {(p.row, p.column, p.reason) for p in preview.problems}


def only_problem(preview, row: int):
    [planned] = [r for r in preview.rows if r.row == row]
    assert planned.action == SKIP
    assert len(planned.problems) == 1, planned.problems
    return planned.problems[0]


# ------------------------------------------------------------------ headers
@pytest.mark.parametrize("header, expected", [
    ("Case reference", "reference"), ("Case_Ref.", "reference"), ("LCS ID", "reference"), ("Person ID", "reference"),
    ("TEAM NAME", "team"), ("Allocated Team", "team"), ("Allocated worker", "practitioner"),
    ("Social Worker", "practitioner"), ("Practitioner (allocated)", "practitioner"), ("Service Area", "service_area"),
    ("Directorate", "service_area"), ("Team manager", None), ("Child's name", None), ("Date of birth", None),
    ("Address", None), ("", None),
])
def test_headers_are_matched_tolerantly(header, expected):
    assert field_for_header(header) == expected


def test_first_matching_header_wins_and_the_rest_are_ignored():
    mapping, ignored = match_columns(["Ref", "Team", "Worker", "Team name", "Child name"])
    assert mapping == {"reference": 0, "team": 1, "practitioner": 2}
    assert ignored == ["Team name", "Child name"]


# ------------------------------------------------------------------ a clean file
def test_a_clean_file_plans_creates_updates_and_unchanged_rows():
    preview = plan(
        HEADER
        + "LCS200001,Assessment North,Jo Bloggs,Assessment\n"  # new case, known practitioner
        + "lcs200002, child  protection ,Sam Example,\n"  # tolerant spacing and case; blank area -> team's
        + "LCS100001,Assessment North,Jo Bloggs,Assessment\n"  # exists, same -> unchanged
        + "LCS100009,Child Protection,Sam Example,\n"  # exists, moved team and worker -> update
    )
    assert not preview.file_problems and not preview.problems
    actions = {r.reference: r.action for r in preview.rows}
    assert actions == {"LCS200001": CREATE, "LCS200002": CREATE, "LCS100001": UNCHANGED, "LCS100009": UPDATE}
    second = preview.rows[1]
    assert (second.row, second.team, second.team_id, second.practitioner_id, second.service_area) == (
        3, "Child Protection", PROTECTION, 11, "Safeguarding and CIN")
    moved = preview.rows[3]
    assert moved.changes == ("team: Assessment North -> Child Protection", "practitioner: Jo Bloggs -> Sam Example")
    assert summary(preview) == {CREATE: 2, UPDATE: 1, UNCHANGED: 1, SKIP: 0}
    assert len(preview.to_write) == 3


def test_semicolon_files_with_a_bom_and_a_title_line_above_the_header():
    data = ("\ufeffCase list exported 01/11/2026;;\n"
            "Person ID;Worker Team;Allocated Worker\n"
            "LCS300001;Assessment North;Jo Bloggs\n").encode("utf-8")
    table = read_case_file("export.csv", data)
    assert table.header_row == 2 and table.encoding == "UTF-8"
    preview = plan_import(table, DIRECTORY)
    assert [(r.row, r.reference, r.action) for r in preview.rows] == [(3, "LCS300001", CREATE)]
    assert preview.columns == {"reference": "Person ID", "team": "Worker Team", "practitioner": "Allocated Worker"}


def test_utf16_with_a_bom_is_read():
    data = (HEADER + "LCS200001,Assessment North,Jo Bloggs,\n").encode("utf-16")
    table = read_case_file("unicode.csv", data)
    assert table.encoding == "UTF-16" and plan_import(table, DIRECTORY).rows[0].action == CREATE


def test_a_new_practitioner_is_planned_once_in_their_team():
    preview = plan(HEADER + "LCS200001,Assessment North,Ada Newcomer,\nLCS200002,Assessment North,ada  newcomer,\n")
    assert [r.action for r in preview.rows] == [CREATE, CREATE]
    assert all(r.new_practitioner and r.practitioner_id is None for r in preview.rows)
    assert preview.new_practitioners == [("Ada Newcomer", NORTH)]  # one person, however the rows spell it
    assert "new practitioner Ada Newcomer in Assessment North" in preview_rows(preview)[1][0][-1]


# ------------------------------------------------------------------ every kind of fault: row, column and reason
def test_unknown_team():
    problem = only_problem(plan(HEADER + "LCS200001,Assesment North,Jo Bloggs,\n"), 2)
    assert (problem.column, problem.reason) == (
        "Team", "Unknown team 'Assesment North'. Create it under Teams and practitioners first, or correct the name.")


def test_deactivated_team():
    problem = only_problem(plan(HEADER + "LCS200001,Old Duty Team,Ada Newcomer,\n"), 2)
    assert (problem.column, problem.reason) == ("Team", "The team 'Old Duty Team' is deactivated.")


def test_duplicate_reference_with_the_same_details_keeps_the_first():
    preview = plan(HEADER + "LCS200001,Assessment North,Jo Bloggs,\nLCS200002,Assessment North,Jo Bloggs,\n"
                   + "lcs200001,Assessment North,Jo Bloggs,\n")
    assert [r.action for r in preview.rows] == [CREATE, CREATE, SKIP]
    assert problems_of(preview) == {(4, "Case reference", "Duplicate reference: also on row 2.")}


def test_duplicate_reference_with_different_details_skips_every_copy():
    preview = plan(HEADER + "LCS200001,Assessment North,Jo Bloggs,\nLCS200001,Child Protection,Sam Example,\n")
    assert problems_of(preview) == {
        (2, "Case reference", "Duplicate reference: also on row 3 with different details."),
        (3, "Case reference", "Duplicate reference: also on row 2 with different details."),
    }


def test_missing_practitioner_and_missing_reference():
    preview = plan(HEADER + "LCS200001,Assessment North,,\n,Assessment North,Jo Bloggs,\n")
    assert problems_of(preview) == {
        (2, "Allocated practitioner", "Missing allocated practitioner."),
        (3, "Case reference", "Missing case reference."),
    }


@pytest.mark.parametrize("value, words", [
    ("Jessica Smith", "looks like a name"),
    ("Jessica", "looks like a name"),
    ("12/03/2015", "looks like a date of birth"),
    ("2015-03-12", "looks like a date of birth"),
    ("12 Acacia Road", "looks like an address"),
    ("LS6 2AB", "looks like an address"),
    ("LCS1234567890123456789", "at most 20 characters"),
])
def test_a_reference_that_identifies_a_child_is_refused(value, words):
    preview = plan(HEADER + f"{value},Assessment North,Jo Bloggs,\n")
    problem = only_problem(preview, 2)
    assert problem.column == "Case reference" and words in problem.reason
    # A child's name, date of birth or address is not even shown back in the preview.
    shown = preview_rows(preview)[1][0][1]
    assert shown == (value if "20 characters" in words else "(withheld: personal data)")
    assert (value in repr(preview)) is ("20 characters" in words)


@pytest.mark.parametrize("column, line, words", [
    ("Allocated practitioner", "LCS200001,Assessment North,03/04/2016,", "looks like a date of birth"),
    ("Service area", "LCS200001,Assessment North,Jo Bloggs,Flat 2 Mill Lane", "looks like an address"),
    ("Service area", "LCS200001,Assessment North,Jo Bloggs,LS6 2AB", "looks like an address"),
])
def test_personal_data_in_other_columns_is_refused(column, line, words):
    preview = plan(HEADER + line + "\n")
    problem = only_problem(preview, 2)
    assert problem.column == column and words in problem.reason
    assert "(withheld: personal data)" in preview_rows(preview)[1][0]


def test_too_long_values():
    long_name = "A" * 121
    problem = only_problem(plan(HEADER + f"LCS200001,Assessment North,{long_name},\n"), 2)
    assert (problem.column, problem.reason) == ("Allocated practitioner", "Too long: at most 120 characters (found 121).")


def test_a_practitioner_of_another_team_or_deactivated_is_not_guessed():
    preview = plan(HEADER + "LCS200001,Assessment North,Sam Example,\nLCS200002,Assessment North,Left Already,\n")
    reasons = {p.row: p.reason for p in preview.problems}
    assert reasons[2].startswith("'Sam Example' is a practitioner in Child Protection, not Assessment North.")
    assert reasons[3].startswith("'Left Already' is deactivated in Assessment North.")


def test_a_new_name_with_two_teams_in_the_file_is_a_problem():
    preview = plan(HEADER + "LCS200001,Assessment North,Ada Newcomer,\nLCS200002,Child Protection,Ada Newcomer,\n")
    assert {p.row for p in preview.problems} == {2, 3}
    assert "appears with more than one team in this file (Assessment North and Child Protection)" in \
        preview.problems[0].reason


def test_one_row_can_have_several_problems_all_reported():
    preview = plan(HEADER + "Jessica Smith,Nowhere,,LS6 2AB\n")
    assert {(p.column) for p in preview.problems} == {"Case reference", "Team", "Allocated practitioner",
                                                      "Service area"}


# ------------------------------------------------------------------ encodings
CP1252_FILE = (HEADER + "LCS200001,Assessment North,Jo Bloggs,\n").encode() + \
    "LCS200002,Child Protection,Zoë Brontë,\n".encode("cp1252")


def test_bad_encoding_is_reported_on_its_row_and_column_not_guessed():
    table = read_case_file("excel.csv", CP1252_FILE)
    assert table.readable and table.has_bad_encoding
    assert table.notices[0].startswith("Bad encoding: the file is not UTF-8 text. 1 row holds")
    preview = plan_import(table, DIRECTORY)
    assert [r.action for r in preview.rows] == [CREATE, SKIP]
    assert problems_of(preview) == {(3, "Allocated practitioner",
                                     "Bad encoding: not UTF-8 text (as Windows-1252 it reads 'Zoë Brontë').")}


def test_windows_1252_only_when_the_user_asks_for_it():
    table = read_case_file("excel.csv", CP1252_FILE, encoding=CP1252)
    assert table.encoding == "Windows-1252" and not table.has_bad_encoding
    assert any(n.startswith("Read as Windows-1252, as you chose") for n in table.notices)
    preview = plan_import(table, DIRECTORY)
    assert [r.practitioner for r in preview.rows] == ["Jo Bloggs", "Zoë Brontë"]
    assert [r.action for r in preview.rows] == [CREATE, CREATE]


def test_valid_utf8_stays_utf8_even_if_windows_1252_was_asked_for():
    table = read_case_file("ok.csv", (HEADER + "LCS200001,Child Protection,Zoë Brontë,\n").encode(), encoding=CP1252)
    assert table.encoding == "UTF-8" and plan_import(table, DIRECTORY).rows[0].practitioner == "Zoë Brontë"


# ------------------------------------------------------------------ files that cannot be read at all
@pytest.mark.parametrize("filename, data, words", [
    ("empty.csv", b"", "The file is empty."),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel .xls file"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "cannot be read as an Excel workbook"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text (CSV) file"),
    ("nohead.csv", b"a,b,c\n1,2,3\n", "No header row with a case reference and a team column"),
    ("noworker.csv", b"Case reference,Team\nLCS200001,Assessment North\n", "no Allocated practitioner column (row 1)"),
    ("onlyhead.csv", HEADER.encode(), "a header row but no cases"),
])
def test_unreadable_files_are_refused_with_a_reason(filename, data, words):
    table = read_case_file(filename, data)
    assert not table.readable and words in table.problems[0]
    preview = plan_import(table, DIRECTORY)
    assert preview.rows == () and preview.file_problems == table.problems


def test_columns_with_childrens_personal_data_are_not_imported_and_flagged():
    table = read_case_file("x.csv", b"Case reference,Child name,DOB,Team,Allocated practitioner,Notes\n"
                                    b"LCS200001,Jessica Smith,12/03/2015,Assessment North,Jo Bloggs,x\n")
    assert table.notices[0].startswith("Not imported: 'Child name', 'DOB'. This product never stores")
    assert table.notices[1] == "Columns ignored: 'Notes'."
    preview = plan_import(table, DIRECTORY)
    assert preview.rows[0].action == CREATE and "Jessica" not in repr(preview.rows)


# ------------------------------------------------------------------ Excel
def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_excel_files_are_read_with_numbers_dates_and_a_title_row():
    data = _xlsx({
        "Notes": [["This sheet is a cover note"]],
        "Cases": [
            ["Allocated cases as at 01/11/2026"],
            ["Case Ref", "Team", "Worker", "Service"],
            ["LCS400001", "Assessment North", "Jo Bloggs", "Assessment"],
            [40012345, "Child Protection", "Sam Example", None],  # a numeric person id
            ["LCS400003", "Assessment North", datetime(2016, 4, 3), None],  # a date typed into the worker column
            ["LCS400004", "Assessment North", "Jo Bloggs", date(2015, 1, 2)],
        ],
    })
    table = read_case_file("cases.xlsx", data)
    assert table.kind == "xlsx" and table.header_row == 2
    assert "Read the sheet 'Cases'; the other sheets are ignored." in table.notices
    preview = plan_import(table, DIRECTORY)
    assert [(r.row, r.reference, r.action) for r in preview.rows] == [
        (3, "LCS400001", CREATE), (4, "40012345", CREATE), (5, "LCS400003", SKIP), (6, "LCS400004", SKIP)]
    assert problems_of(preview) == {
        (5, "Allocated practitioner", "This looks like a date of birth: never import a child's date of birth or address."),
        (6, "Service area", "This looks like a date of birth: never import a child's date of birth or address."),
    }


def test_an_excel_file_without_a_header_is_refused():
    table = read_case_file("cases.xlsx", _xlsx({"Sheet1": [["x", "y"], [1, 2]]}))
    assert not table.readable and "No header row" in table.problems[0] and "'Sheet1'" in table.problems[0]


# ------------------------------------------------------------------ tables for the screen and download
def test_problem_and_preview_tables():
    preview = plan(HEADER + "LCS200001,Nowhere,Jo Bloggs,\nLCS100009,Child Protection,Sam Example,\n")
    columns, rows = problem_rows(preview)
    assert columns == ["Row", "Column", "Problem"] and rows[0][:2] == [2, "Team"]
    columns, rows = preview_rows(preview)
    assert columns[0] == "Row" and rows[0][5] == "Skip" and rows[0][6].startswith("Team: Unknown team 'Nowhere'")
    assert rows[1][5] == "Update" and rows[1][6].startswith("team: Assessment North -> Child Protection")


def test_the_fingerprint_changes_when_the_directory_does():
    table = read_case_file("x.csv", (HEADER + "LCS200001,Assessment North,Jo Bloggs,\n").encode())
    before = plan_import(table, DIRECTORY).fingerprint
    assert plan_import(table, DIRECTORY).fingerprint == before
    moved = Directory(DIRECTORY.teams, (KnownPractitioner(10, "Jo Bloggs", PROTECTION),), DIRECTORY.cases)
    assert plan_import(table, moved).fingerprint != before


@pytest.mark.parametrize("value, expected", [
    ("Assessment East", None), ("A", "at least 2 characters"), ("x" * 121, "at most 120 characters"),
    ("12/03/2015", "looks like a date of birth"), ("Flat 3 High Street", "looks like an address"),
    ("Bad\x07name", "control characters"),
])
def test_name_problem(value, expected):
    problem = name_problem(value, "team name")
    assert (problem is None) if expected is None else (expected in problem)
