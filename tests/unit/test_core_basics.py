"""Unit tests for the pure domain: grades, roles, working days, case references, exports, config."""
from __future__ import annotations

import ast
import csv
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.authz import Role, Scope, may_open, parse_roles
from core.casereference import CaseReferenceError, normalise, problem_with
from core.config import ConfigError, load_settings
from core.exports import safe_cell, to_csv, to_xlsx
from core.grades import Grade, Rag, effective_grade, parse_grade, rag_of
from core.passwords import (
    hash_password,
    is_bcrypt_hash,
    password_problem,
    verify_password,
)
from core.templates import TemplateError, bundled_templates, parse_template
from core.workdays import (
    add_working_days,
    default_due_date,
    is_working_day,
    working_days_between,
)

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ grades
@pytest.mark.parametrize(
    "grade, rag",
    [(Grade.OUTSTANDING, Rag.GREEN), (Grade.GOOD, Rag.GREEN), (Grade.REQUIRES_IMPROVEMENT, Rag.AMBER),
     (Grade.INADEQUATE, Rag.RED), (Grade.NOT_APPLICABLE, None), (None, None)],
)
def test_rag_of_each_grade(grade, rag):
    assert rag_of(grade) == rag


def test_parse_grade_accepts_labels_names_and_scores():
    assert parse_grade("Good") is Grade.GOOD
    assert parse_grade("requires improvement to be good") is Grade.REQUIRES_IMPROVEMENT
    assert parse_grade(1) is Grade.INADEQUATE
    assert parse_grade("OUTSTANDING") is Grade.OUTSTANDING
    with pytest.raises(ValueError):
        parse_grade("Excellent")


def test_moderated_grade_wins_in_reporting():
    assert effective_grade(3, 2) == 2
    assert effective_grade(3, None) == 3


# ------------------------------------------------------------------ roles
def test_every_role_sees_the_overview_and_only_admin_sees_admin_pages():
    for role in Role:
        assert may_open({role}, "overview")
    for key in ("admin_users", "admin_teams", "event_log", "admin_templates"):
        assert [role.value for role in Role if may_open({role}, key)] == ["admin"], key
    # (the whole role x page grid: tests/unit/test_role_matrix.py)


def test_parse_roles_ignores_unknown_names():
    assert parse_roles("auditor, manager ,hacker") == {Role.AUDITOR, Role.MANAGER}
    assert parse_roles(None) == frozenset()


def test_scope_of_a_manager_is_their_teams_and_a_sponsor_sees_aggregates_only():
    manager = Scope(1, "m", frozenset({Role.MANAGER}), frozenset({3}))
    assert manager.team_ids == {3} and manager.can_see_team(3) and not manager.can_see_team(4)
    assert not manager.aggregates_only
    sponsor = Scope(2, "s", frozenset({Role.SPONSOR}))
    assert sponsor.aggregates_only and not sponsor.sees_practitioners
    auditor = Scope(3, "a", frozenset({Role.AUDITOR}))
    assert auditor.team_ids is None and auditor.can_see_team(99)
    assert manager.cache_key() != auditor.cache_key()


# ------------------------------------------------------------------ working days
def test_five_working_days_across_a_weekend():
    assert add_working_days(date(2026, 11, 26), 5) == date(2026, 12, 3)  # Thu -> next Thu


def test_christmas_and_boxing_day_are_skipped():
    # Wed 23 Dec 2026: Thu 24, [Fri 25 Christmas], [Sat, Sun], [Mon 28 Boxing Day substitute], Tue 29, Wed 30, Thu 31, [Fri 1 Jan]
    assert default_due_date(date(2026, 12, 23)) == date(2027, 1, 4)


def test_easter_is_skipped():
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    assert not is_working_day(date(2027, 3, 26)) and not is_working_day(date(2027, 3, 29))
    # Wed 24: Thu 25 (1), Good Friday, weekend, Easter Monday, Tue 30 (2), Wed 31 (3), Thu 1 (4), Fri 2 (5).
    assert default_due_date(date(2027, 3, 24)) == date(2027, 4, 2)


def test_late_may_bank_holiday_is_skipped():
    assert not is_working_day(date(2026, 5, 25))
    assert default_due_date(date(2026, 5, 21)) == date(2026, 5, 29)


def test_working_days_between_counts_and_signs():
    assert working_days_between(date(2026, 11, 26), date(2026, 12, 3)) == 5
    assert working_days_between(date(2026, 12, 3), date(2026, 11, 26)) == -5
    assert working_days_between(date(2026, 11, 28), date(2026, 11, 29)) == 0


# ------------------------------------------------------------------ case references
@pytest.mark.parametrize("reference", ["LCS123456", "MOS-004512", "1234567", "p12345"])
def test_valid_pseudonymised_references(reference):
    assert problem_with(reference) is None
    assert normalise(reference) == reference.strip().upper()


@pytest.mark.parametrize(
    "reference, words",
    [
        ("Jayden Smith", "name"),
        ("Jayden", "name"),
        ("12/03/2015", "date of birth"),
        ("2015-03-12", "date of birth"),
        ("12032015", "date of birth"),
        ("14 Acacia Avenue", "address"),
        ("TS1 2AB", "address"),
        ("", "Enter"),
        ("LCS1", "four digits"),
        ("A" * 21 + "1234", "at most"),
        ("LCS1;DROP TABLE x", "letters, digits and hyphens"),
        ("LCS'; DROP TABLE case;--", "at most"),
        ("LCS\x00123456", "control"),
    ],
)
def test_references_that_identify_a_child_are_refused(reference, words):
    problem = problem_with(reference)
    assert problem and words in problem
    with pytest.raises(CaseReferenceError):
        normalise(reference)


# ------------------------------------------------------------------ exports
# OWASP "CSV Injection": a cell starting with any of these is read as a formula by a spreadsheet.
# Written out here, not read from core.exports, so dropping one from the app's list fails a test.
OWASP_FORMULA_PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\n"]


@pytest.mark.parametrize("prefix", OWASP_FORMULA_PREFIXES, ids=["equals", "plus", "minus", "at", "tab", "cr", "lf"])
def test_every_dangerous_prefix_is_neutralised(prefix):
    assert safe_cell(prefix + "cmd|' /C calc'!A0") == "'" + prefix + "cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", ["Plan agreed", "1+1", "a=b", "'quoted", " =spaced", "", "HYPERLINK"])
def test_text_not_starting_with_a_formula_prefix_is_left_alone(text):
    assert safe_cell(text) == text


def test_numbers_and_dates_stay_typed_in_exports():
    assert safe_cell(-5) == -5 and safe_cell(date(2026, 1, 1)) == date(2026, 1, 1)
    data = to_csv(["a", "b", "c"], [["=1+1", -3, date(2026, 1, 2)]]).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(data)))[1]
    assert row == ["'=1+1", "-3", "02/01/2026"]  # UK dates (dd/mm/yyyy) in every file
    workbook = load_workbook(io.BytesIO(to_xlsx({"Sheet": (["a", "b", "c"], [["@SUM(A1)", 7, date(2026, 1, 2)]])})))
    sheet = workbook["Sheet"]
    assert sheet["A2"].value == "'@SUM(A1)" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 7
    assert sheet["C2"].value.date() == date(2026, 1, 2)


# ------------------------------------------------------------------ templates
def test_bundled_templates_are_valid_and_cover_the_five_themes():
    specs = bundled_templates()
    assert {s.theme for s in specs} >= {"assessment", "front_door", "neglect", "risk", "repeat_s47"}
    for spec in specs:
        assert 6 <= len(spec.questions) <= 12
        assert all(q.guidance for q in spec.questions)
        assert "Lived experience and voice" in spec.domains


def test_a_broken_template_lists_every_problem():
    with pytest.raises(TemplateError) as error:
        parse_template('theme = "X"\nversion = 0\n[[questions]]\nkey = "a"\n')
    message = str(error.value)
    for expected in ("theme:", "name: required", "version:", "6 to 12", "domain is required"):
        assert expected in message


# ------------------------------------------------------------------ passwords and config
def test_passwords_are_bcrypt_and_checked():
    hashed = hash_password("correct horse battery", rounds=4)
    assert is_bcrypt_hash(hashed) and verify_password("correct horse battery", hashed)
    assert not verify_password("wrong", hashed)
    assert not verify_password("plain", "plain")
    assert password_problem("short") and password_problem("aliceIsGreat2026", "alice")
    assert password_problem("a perfectly fine passphrase") is None


def test_outside_demo_mode_a_missing_short_or_default_key_is_refused():
    base = {"DATABASE_URL": "sqlite:////tmp/x.db", "AUDIT_DEMO_MODE": "0"}
    with pytest.raises(ConfigError, match="No cookie signing key"):
        load_settings(base)
    with pytest.raises(ConfigError, match="default or shorter"):
        load_settings({**base, "AUDIT_COOKIE_KEY": "some_key"})
    with pytest.raises(ConfigError, match="default or shorter"):
        load_settings({**base, "AUDIT_COOKIE_KEY": "x" * 20})
    with pytest.raises(ConfigError, match="not random"):
        load_settings({**base, "AUDIT_COOKIE_KEY": "ab" * 20})
    good = load_settings({**base, "AUDIT_COOKIE_KEY": "Zq8v3LmT0pWcR7yH2nK5xB9dF4gJ6sA1eU"})
    assert not good.demo_mode and good.idle_timeout_minutes == 30


def test_key_can_come_from_secrets():
    settings = load_settings({"AUDIT_DEMO_MODE": "0"}, {"cookie_key": "Zq8v3LmT0pWcR7yH2nK5xB9dF4gJ6sA1eU"})
    assert settings.cookie_key.startswith("Zq8")


# ------------------------------------------------------------------ architecture
def test_core_never_imports_streamlit_or_the_database():
    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in {"streamlit", "db", "ui", "sqlmodel", "sqlalchemy", "pages"}, f"{path.name} imports {name}"


@pytest.mark.parametrize("hostile", ["A1234" * 2000, "LCS12345'; DROP TABLE audit;--", "LCS\r\n12345", "<b>1234</b>"])
def test_hostile_case_references_are_refused_cleanly(hostile):
    problem = problem_with(hostile)
    assert problem and len(problem) < 200  # a short, human message, never an echo of the input
    assert hostile[:30] not in problem
