"""Widget keys follow ``<page>_<part>_<name>`` (docs/development.md, "Widget keys"): every key
written out in pages/ and ui/ starts with the key of the page it is drawn on, is snake_case, and
keeps anything variable last. Read from the source text, so it costs nothing to run."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "pages").rglob("*.py"), *(ROOT / "ui").rglob("*.py")])

# The page keys of core/authz.py PAGES, written out: a new page adds its key here.
PAGE_PREFIXES = (
    "overview", "audit_entry", "my_audits", "audit_view", "actions", "moderation", "heatmaps", "progress",
    "agreement", "meetings", "risks", "admin_users", "admin_teams", "case_import", "event_log", "admin_templates",
    "account",
)
# The sign-in screen is not a page: its widgets have a prefix of their own.
OTHER_PREFIXES = ("sign_in",)
PREFIXES = PAGE_PREFIXES + OTHER_PREFIXES
# A helper drawn on several pages takes the page's prefix as a parameter of one of these names;
# the pages' calls to it are checked below (HELPERS).
PREFIX_PARAMETERS = ("{page}", "{prefix}", "{key}")

KEY = re.compile(r"\bkey\s*=\s*(f?)\"([^\"]*)\"")
FORM = re.compile(r"\.form\(\s*(f?)\"([^\"]*)\"")
# Helpers whose first string argument is a page's prefix (or a message slot or form counter,
# which are named the same way): the shared safeguarding banner and button, the shared
# moderation filters, the meetings period, ui.flash and the meetings form counters.
HELPERS = re.compile(r"(?<!def )\b(concerns_banner|acknowledge_control|flash_acknowledgement|audit_filters|period|flash|"
                     r"show_flash|generation|next_generation)\(([^()\"]*?)(f?)\"([^\"]*)\"")
SNAKE = re.compile(r"[a-z0-9_]*")


def _found() -> list[tuple[str, str]]:
    """(where, key) for every key, form name and helper prefix written out in pages/ and ui/."""
    found = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for pattern in (KEY, FORM):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append((f"{path.relative_to(ROOT)}:{line}", match.group(2)))
        for match in HELPERS.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{path.relative_to(ROOT)}:{line}", match.group(4)))
    return found


def key_problem(key: str) -> str | None:
    """Why ``key`` (a string or the text of an f-string) breaks the scheme, or None."""
    rest = key
    for parameter in PREFIX_PARAMETERS:
        if key.startswith(parameter):
            rest = key[len(parameter):]  # the prefix comes from the caller, checked at the call
            break
    else:
        if not any(key == prefix or key.startswith(prefix + "_") for prefix in PREFIXES):
            return "does not start with a page's key (or sign_in_)"
    fixed, brace, variable = rest.partition("{")
    if not SNAKE.fullmatch(fixed):
        return "is not snake_case"
    if brace and re.sub(r"\{[^}]*\}", "", "{" + variable).strip("_"):
        return "has words after its variable part"
    return None


def test_there_are_keys_to_check():
    keys = [key for _, key in _found()]
    assert len(keys) > 150 and "actions_filter_team" in keys and "sign_in_username" in keys


@pytest.mark.parametrize("where,key", _found(), ids=lambda value: value)
def test_every_key_in_pages_and_ui_follows_the_scheme(where, key):
    problem = key_problem(key)
    assert problem is None, f"{where}: widget key {key!r} {problem} (docs/development.md, 'Widget keys')"


@pytest.mark.parametrize("old", [
    "ae_btn_submit", "ae.q.{q.key}.grade", "question-{q.key}", "my_audits.from", "hm_rank_domain", "log_user",
    "new_user_name", "edit_name_{chosen}", "teams_page_tab", "queue_{prefix}", "oidc_sign_in", "sign_out_button",
    "actions_detail_{view.id}_note", "Actions_tab",
])
def test_the_check_refuses_keys_outside_the_scheme(old):
    assert key_problem(old) is not None


@pytest.mark.parametrize("good", [
    "actions_filter_team", "actions_detail_done_note_{view.id}", "risks_agenda_item_{g}_{week}_{item.key}",
    "{page}_concern_{concern.audit_id}", "{prefix}_{FILTER_KEYS[field]}", "sign_in_username", "overview",
])
def test_the_check_accepts_keys_in_the_scheme(good):
    assert key_problem(good) is None


def test_the_audit_forms_field_names_and_widget_keys_map_both_ways():
    from ui.audit_form.state import ACTION, WIDGET, action_key, field_key, field_name

    names = ["case_id", "overall_grade", "new_case.team_id", "q.risk_analysis.grade", "q.risk_analysis.rationale"]
    assert [field_key(n) for n in names] == [
        "audit_entry_form_case_id", "audit_entry_form_overall_grade", "audit_entry_form_new_case_team_id",
        "audit_entry_form_question_grade_risk_analysis", "audit_entry_form_question_rationale_risk_analysis"]
    assert [field_name(field_key(n)) for n in names] == names
    assert action_key(3, "due_on") == "audit_entry_form_action_due_on_3"
    assert action_key(3, "due_on").startswith(ACTION) and ACTION.startswith(WIDGET)
    assert all(key_problem(field_key(n)) is None for n in names)
