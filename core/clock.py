"""The app's one clock: what "today" is for every rule, page, report and the demo.

A council's day is the day in England, whatever the server's time zone. The
``AUDIT_TODAY`` setting (an ISO date) pins it: the test suite runs the app, the
demo and the browser's server on one fixed day through it, and a demonstration
can be given "as of" a day. Leave it unset in production.
"""
from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

TODAY_SETTING = "AUDIT_TODAY"
COUNCIL_TIME_ZONE = ZoneInfo("Europe/London")


def today() -> date:
    """Today in England, or the day ``AUDIT_TODAY`` pins."""
    pinned = os.environ.get(TODAY_SETTING, "").strip()
    if pinned:
        return date.fromisoformat(pinned)
    return datetime.now(COUNCIL_TIME_ZONE).date()
