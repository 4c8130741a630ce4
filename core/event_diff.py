"""An event's Before and After as a reader wants them: the fields that changed, old -> new.

The event log stores each change as two JSON objects (only the changed keys, usually).
``field_changes`` pairs them field by field; ``describe_changes`` makes one line of text
for a table cell. Values are shown as people write them: UK dates, yes/no, lists joined.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

ARROW = "->"
EMPTY = "(empty)"
MAX_VALUE = 80  # characters of one value shown in the table; the export keeps everything
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None  # None: the field was not there before (created)
    new: str | None  # None: the field is not there after (removed)

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.field}: {self.new}"
        if self.new is None:
            return f"{self.field}: {self.old} {ARROW} (removed)"
        return f"{self.field}: {self.old} {ARROW} {self.new}"


def _loaded(value: Any) -> dict:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {"value": value}
    return _flat(value) if isinstance(value, dict) else {"value": value}


def _flat(mapping: dict, prefix: str = "") -> dict:
    out: dict = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flat(value, name + "."))
        else:
            out[name] = value
    return out


def show_value(value: Any) -> str:
    """One stored value as text: UK dates, yes/no, lists joined, long text cut."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, (list, tuple)):
        return ", ".join(show_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if _ISO_DATE.match(text):
        return show_value(date.fromisoformat(text))
    if _ISO_DATETIME.match(text):
        try:
            return show_value(datetime.fromisoformat(text))
        except ValueError:
            pass
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def field_changes(before: Any, after: Any) -> list[FieldChange]:
    """The fields whose value differs between ``before`` and ``after`` (dicts or their JSON), in key order."""
    old, new = _loaded(before), _loaded(after)
    changes = []
    for name in sorted(set(old) | set(new)):
        if name in old and name in new and old[name] == new[name]:
            continue
        changes.append(FieldChange(
            name.replace("_", " "),
            show_value(old[name]) if name in old else None,
            show_value(new[name]) if name in new else None,
        ))
    return changes


def describe_changes(before: Any, after: Any) -> str:
    """One line for a table cell: 'status: draft -> submitted; overall grade: (empty) -> 1'."""
    return "; ".join(str(c) for c in field_changes(before, after))
