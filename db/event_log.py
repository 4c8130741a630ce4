"""The event log page's reads: search the append-only trail, export it, and log the export.
There is no function that changes an event, and the database refuses UPDATE and DELETE."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from core.authz import Scope
from core.exports import to_csv, to_xlsx
from db.admin import LOCAL_TZ, require_admin, uk_time
from db.events import record
from db.models import Event, User


# ================================================================== the event log
@dataclass(frozen=True)
class EventFilter:
    username: str | None = None
    object_type: str | None = None
    object_id: str | None = None  # an object's id, or a username for that user's events
    action: str | None = None  # part of the action name, e.g. "user." or "import"
    date_from: date | None = None  # UK dates, inclusive
    date_to: date | None = None


@dataclass(frozen=True)
class EventRow:
    id: int
    at: datetime  # UK local time
    username: str
    action: str
    object_type: str
    object_id: str
    before: str
    after: str


EVENT_COLUMNS = ["Id", "When (UK time)", "User", "Action", "Object", "Object id", "Before", "After"]


def _uk_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def _filtered(statement, filters: EventFilter, user_id: int | None = None):
    if filters.username:
        statement = statement.where(Event.username == filters.username)
    if filters.object_type:
        statement = statement.where(Event.object_type == filters.object_type)
    if filters.object_id:
        wanted = Event.object_id == filters.object_id.strip()
        if user_id is not None:  # a username typed as the object: that user's events too
            wanted = or_(wanted, and_(Event.object_type == "user", Event.object_id == str(user_id)))
        statement = statement.where(wanted)
    if filters.action:
        statement = statement.where(col(Event.action).contains(filters.action.strip(), autoescape=True))
    if filters.date_from:
        statement = statement.where(Event.at >= _uk_midnight_utc(filters.date_from))
    if filters.date_to:
        statement = statement.where(Event.at < _uk_midnight_utc(filters.date_to + timedelta(days=1)))
    return statement


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _event_row(event: Event) -> EventRow:
    return EventRow(event.id, uk_time(event.at), event.username, event.action,
                    event.object_type, event.object_id, _json(event.before), _json(event.after))


def event_filter_options(session: Session, scope: Scope) -> tuple[list[str], list[str]]:
    """The usernames and object types present in the log, for the search filters."""
    require_admin(scope)
    users = list(session.exec(select(Event.username).distinct().order_by(Event.username)))
    objects = list(session.exec(select(Event.object_type).distinct().order_by(Event.object_type)))
    return users, objects


def search_events(session: Session, scope: Scope, filters: EventFilter, *, limit: int | None = 500
                  ) -> tuple[list[EventRow], int]:
    """The newest events matching ``filters`` (at most ``limit``) and how many match in all."""
    require_admin(scope)
    user_id = None
    if filters.object_id and not filters.object_id.strip().isdigit():
        user_id = session.exec(select(User.id).where(User.username == filters.object_id.strip().lower())).first()
    total = session.exec(_filtered(select(func.count()).select_from(Event), filters, user_id)).one()
    query = _filtered(select(Event), filters, user_id).order_by(col(Event.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return [_event_row(e) for e in session.exec(query)], total


def export_events(session: Session, scope: Scope, filters: EventFilter, fmt: str) -> bytes:
    """Every event matching ``filters`` as CSV or Excel, neutralised against formula injection."""
    rows, _ = search_events(session, scope, filters, limit=None)
    table = [[r.id, r.at, r.username, r.action, r.object_type, r.object_id, r.before, r.after] for r in rows]
    if fmt == "xlsx":
        return to_xlsx({"Event log": (EVENT_COLUMNS, table)})
    return to_csv(EVENT_COLUMNS, table)


def record_event_export(session: Session, scope: Scope, filters: EventFilter, fmt: str) -> None:
    """The export itself is logged: who took a copy of the trail, with which filters."""
    require_admin(scope)
    record(session, scope.username, "event_log.export", "event_log", "", after={
        "format": fmt, **{k: v for k, v in filters.__dict__.items() if v}})
