"""The role x page matrix against the README's table, written out in ``tests/roles.py``.

Cheap and complete: every role against every page on the app's table and on every page
file's guard. The AppTest of ``tests/app/test_foundation_pages.py`` runs each guard outcome
once; the browser's ``test_role_matrix.py`` opens every page by URL as every role.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.authz import PAGES, Role, may_open, pages_for
from tests.roles import (
    EXPECTED_KEYS,
    HIDDEN_PAGES,
    MENUS,
    PAGE_PATHS,
    PAGE_TITLES,
    ROLE_COLUMNS,
    allowed,
)

ROOT = Path(__file__).resolve().parents[2]



def test_the_app_has_exactly_the_pages_of_the_table():
    assert [spec.key for spec in PAGES] == EXPECTED_KEYS
    assert {spec.key: spec.path for spec in PAGES} == PAGE_PATHS
    assert {spec.key: spec.title for spec in PAGES} == PAGE_TITLES
    assert {spec.key for spec in PAGES if spec.hidden} == HIDDEN_PAGES


@pytest.mark.parametrize("role", ROLE_COLUMNS)
def test_each_role_may_open_exactly_its_pages(role):
    for key in EXPECTED_KEYS:
        assert may_open({Role(role)}, key) is allowed(role, key), f"{role} on {key}"
    assert {spec.key for spec in pages_for({Role(role)})} == {k for k in EXPECTED_KEYS if allowed(role, k)}


@pytest.mark.parametrize("role", ROLE_COLUMNS)
def test_each_role_menu_lists_its_pages_in_order(role):
    assert [spec.title for spec in pages_for({Role(role)}) if not spec.hidden] == MENUS[role]


def test_several_roles_open_the_union_of_their_pages():
    both = {spec.key for spec in pages_for({Role.SPONSOR, Role.SUPPORT})}
    assert both == {"overview", "heatmaps", "progress", "actions", "audit_view", "case_import", "account"}


def test_only_admin_opens_the_administration_pages_and_support_also_case_import():
    for key in ("admin_users", "admin_teams", "event_log", "admin_templates"):
        assert {role for role in Role if may_open({role}, key)} == {Role.ADMIN}, key
    assert {role for role in Role if may_open({role}, "case_import")} == {Role.ADMIN, Role.SUPPORT}


def test_a_sponsor_opens_only_the_aggregate_pages():
    assert {spec.key for spec in pages_for({Role.SPONSOR})} == {"overview", "heatmaps", "progress", "account"}
    for key in ("audit_view", "audit_entry", "my_audits", "actions", "moderation", "agreement", "meetings", "risks"):
        assert not may_open({Role.SPONSOR}, key), key


def test_no_roles_open_nothing():
    assert pages_for(set()) == []
    assert not any(may_open(set(), key) for key in EXPECTED_KEYS)


@pytest.mark.parametrize("key", EXPECTED_KEYS)
def test_every_page_file_starts_with_the_guard_for_its_own_key(key):
    """What makes each page's AppTest/browser refusal hold for every page, not only the ones run."""
    source = (ROOT / PAGE_PATHS[key]).read_text()
    body = [n for n in ast.parse(source).body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    first, second = body[0], body[1]
    assert isinstance(first, ast.ImportFrom) and first.module == "ui.guard" and first.names[0].name == "require"
    assert ast.unparse(second) in (f"user = require('{key}')", f"require('{key}')"), ast.unparse(second)
