"""Streamlit helpers of the administration pages: one-off messages, tables, temporary passwords."""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from core.authz import Role, Scope
from db.admin_teams import PractitionerRow, TeamRow, list_practitioners, list_teams
from db.engine import read_session
from db.templates import TemplateRow, template_versions
from ui.cache import cached_query
from ui.text import plain

# No look-alike characters (0/O, 1/l/I): the admin reads the password out to the person.
# bandit B105: an alphabet, not a password
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nosec B105


def suggest_password() -> str:
    """A random temporary password of four groups of four, e.g. 'hK7q-2mPz-...'."""
    while True:
        groups = ["".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4)]
        candidate = "-".join(groups)
        if len(set(candidate)) >= 8:
            return candidate


@cached_query
def teams_and_practitioners(scope: Scope) -> tuple[list[TeamRow], list[PractitionerRow]]:
    """Every team and practitioner with their counts (the counts group every audit and case: tens of
    milliseconds at 100,000 audits), read again only after a write (``ui.cache``)."""
    with read_session() as session:
        return list_teams(session, scope), list_practitioners(session, scope)


@cached_query
def cached_template_versions(scope: Scope) -> list[TemplateRow]:
    """Every template version with its question and audit counts, read again only after a write."""
    with read_session() as session:
        return template_versions(session, scope)


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], **kwargs) -> None:
    """A read-only table (text is shown as text, never as HTML)."""
    st.dataframe(pd.DataFrame(list(rows), columns=list(columns)), hide_index=True, width="stretch", **kwargs)


def role_label(role: str) -> str:
    return f"{role} - {Role(role).description}"


def show_questions(questions: Sequence[Any]) -> None:
    """A template's questions as an auditor meets them: grouped by domain, with what good looks like.
    ``questions`` are objects with domain, text, guidance, limiting and allow_na (Question or QuestionSpec)."""
    number = 0
    for domain in dict.fromkeys(q.domain for q in questions):
        st.markdown(f"**{plain(domain)}**")
        for q in (q for q in questions if q.domain == domain):
            number += 1
            flags = [label for flag, label in ((q.limiting, "limiting judgement"), (q.allow_na, "N/A allowed")) if flag]
            st.markdown(f"{number}\\. {plain(q.text)}" + (f" *({', '.join(flags)})*" if flags else ""))
            st.caption(f"Good looks like: {plain(q.guidance)} · key: {plain(q.key)}")
