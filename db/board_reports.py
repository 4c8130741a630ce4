"""The trail of board reports: who prepared and downloaded which period's report.

A board report is an export of audit data, so each one is attributable to a person
in the append-only event log, with the period and what it covered (never the
figures themselves: they can be rebuilt from the data).
"""
from __future__ import annotations

from sqlmodel import Session

from core.periods import Period
from db.events import record

PREPARED = "board_report.prepared"
DOWNLOADED = "board_report.downloaded"


def log_board_report(session: Session, username: str, action: str, period: Period, scope_label: str,
                     **detail) -> None:
    """Record, in the caller's transaction, that ``username`` prepared (or downloaded) the report of ``period``."""
    record(session, username, action, "board_report", period.key, after={
        "period": period.title, "start": period.start, "end": period.end, "teams": scope_label, **detail,
    })
