"""When the audit form writes its draft by itself (autosave), and how a saved time reads.

The form saves a draft without being asked when the auditor moves on to another part of
the form (the changes since the last save span two sections), or when changes have been
waiting for ``seconds``. So a closed tab, an expired session, a restarted server or a lost
connection loses at most the fields of the section being worked on, and never more than
``seconds`` of work. Pure rules: the Streamlit side is in ``ui.audit_form``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

DEFAULT_SECONDS = 20
UK = ZoneInfo("Europe/London")

# Form fields (other than question answers and action rows) and the section each is in.
SECTIONS: dict[str, str] = {
    "case_id": "case", "theme_id": "case", "kind": "case", "work_date": "case", "audit_date": "case",
    "lived_experience": "lived experience",
    "overall_grade": "overall", "overall_rationale": "overall", "impact_for_child": "overall",
    "limiting_override_reason": "overall",
    "safeguarding_concern": "safeguarding", "safeguarding_action": "safeguarding", "safeguarding_told": "safeguarding",
    "no_action_reason": "actions", "learning_points": "learning",
}


def section_of(field: str, domains: Mapping[str, str]) -> str:
    """The section a form field belongs to. ``q.<key>.grade``/``q.<key>.rationale`` are in their
    question's domain (``domains``: question key -> domain); ``actions`` is the action rows."""
    if field.startswith("q."):
        key = field[2:].rsplit(".", 1)[0]
        return "questions: " + domains.get(key, key)
    return SECTIONS.get(field, field)


def changed_fields(saved: Mapping[str, object], current: Mapping[str, object]) -> set[str]:
    """Fields whose value differs from the saved one (empty, None and False are the same: nothing)."""
    def norm(value):
        return None if value in (None, "", False) else value

    return {k for k in set(saved) | set(current) if norm(saved.get(k)) != norm(current.get(k))}


def autosave_due(changed: Iterable[str], domains: Mapping[str, str], waiting_seconds: float,
                 seconds: float = DEFAULT_SECONDS) -> bool:
    """Whether to write the draft now: something changed, and either the changes span two
    sections (the auditor has moved on) or they have waited ``seconds``."""
    sections = {section_of(field, domains) for field in changed}
    if not sections:
        return False
    return len(sections) > 1 or waiting_seconds >= seconds


def uk_time(moment: datetime) -> str:
    """A stored moment (UTC; naive means UTC) as the council reads it: 14:05 on 30/11/2026."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return f"{aware.astimezone(UK):%H:%M on %d/%m/%Y}"
