"""The append-only event log: who did what, to which object, before and after.

Writes go through ``record`` inside the same transaction as the change they
describe, so the log and the data can never disagree.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, func, select

from db.models import Event

# Events that record someone reading or exporting data, or signing in or out: they
# are in the trail (every view and export is attributable) but change no data the
# dashboards show, so they leave the data version (ui.cache) alone.
READ_ACTIONS: frozenset[str] = frozenset({
    "audit.view", "export", "export.refused", "event_log.export", "moderation.feedback_exported",
    "board_report.prepared", "board_report.downloaded",
    "login.success", "login.failure", "login.delayed", "logout", "page.refused",
})

# Events that record a draft being saved: they change the draft audit, its answers and its remedial
# actions, and nothing else (``db.audits.saving``; a draft submitted in the same step also records
# ``audit.submit``). Every report reads submitted audits only, so the reports' data version skips them
# (``data_version(..., drafts=False)``): each auditor's autosave, up to one every 20 seconds, would
# otherwise empty every report's cache for everyone.
DRAFT_ACTIONS: frozenset[str] = frozenset({"audit.create", "audit.save"})


def changes_of(action: str) -> str:
    """What an event of ``action`` changed, as stored with it (``Event.changes``): "read" (nothing),
    "draft" (a draft's own save) or "data"."""
    if action in READ_ACTIONS:
        return "read"
    return "draft" if action in DRAFT_ACTIONS else "data"


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


def record(
    session: Session,
    username: str,
    action: str,
    object_type: str,
    object_id: Any = "",
    *,
    before: dict | None = None,
    after: dict | None = None,
) -> Event:
    event = Event(
        username=username,
        action=action,
        changes=changes_of(action),
        object_type=object_type,
        object_id=str(object_id or ""),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    session.add(event)
    return event


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, as (before, after) for the log."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def data_version(session: Session, *, drafts: bool = True) -> int:
    """The id of the newest event that changed data: changes with every write.

    Views, exports and sign-ins are logged too but change nothing shown, so they are
    skipped (otherwise opening one audit would empty every user's cache). With ``drafts=False``,
    the version of submitted data: saving a draft (``DRAFT_ACTIONS``) leaves it alone too.

    Each kind is one probe of ``ix_event_changes`` for its largest id, however many reads were
    logged since (a flood of sign-in attempts, which anyone can make, once made every run walk them).
    """
    kinds = ("data", "draft") if drafts else ("data",)
    return max(session.exec(select(func.max(Event.id)).where(Event.changes == kind)).one() or 0 for kind in kinds)
