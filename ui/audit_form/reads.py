"""What the audit form reads from the database: cached queries shared by every session, and a
per-session memo so that a rerun that changed nothing queries nothing."""
from __future__ import annotations

import streamlit as st

from core.audit_rules import QuestionRule
from core.authz import Scope
from db.audits.choices import (
    CaseChoice,
    Choice,
    ThemeChoice,
    case_choice,
    find_cases,
    practitioner_choices,
    question_rules,
    team_choices,
    theme_choices,
)
from db.engine import read_session
from ui.cache import cached_query

MEMO = "audit_entry_memo"  # what the form reads from the database, kept for this session's reruns


@cached_query
def case_options(scope: Scope, kind: str, query: str, limit: int) -> list[CaseChoice]:
    with read_session() as session:
        return find_cases(session, scope, kind, query, limit=limit)


@cached_query
def theme_options() -> list[ThemeChoice]:
    with read_session() as session:
        return theme_choices(session)


@cached_query
def questions_of(template_version_id: int) -> list[QuestionRule]:
    with read_session() as session:
        return question_rules(session, template_version_id)


@cached_query
def team_options(scope: Scope, kind: str) -> list[Choice]:
    with read_session() as session:
        return team_choices(session, scope, kind)


@cached_query
def practitioner_options(team_id: int) -> list[Choice]:
    with read_session() as session:
        return practitioner_choices(session, team_id)


def one_case(case_id: int) -> CaseChoice | None:
    with read_session() as session:
        return case_choice(session, case_id)


def memo(name: str, *args, load):
    """``load()``'s result, read once per session and form: a rerun that changed nothing
    queries nothing. Forgotten when another form is opened, a new one started or a case added,
    so a list is never older than the form on screen."""
    store = st.session_state.setdefault(MEMO, {})
    key = (name, *args)
    if key not in store:
        store[key] = load()
    return store[key]


def forget_memo() -> None:
    st.session_state.pop(MEMO, None)


def memo_questions(template_version_id: int) -> list[QuestionRule]:
    # A template version never changes once published: its questions are kept for the session.
    return memo("questions", template_version_id, load=lambda: questions_of(template_version_id))


def memo_practitioners(team_id: int) -> list[Choice]:
    return memo("practitioners", team_id, load=lambda: practitioner_options(team_id))
