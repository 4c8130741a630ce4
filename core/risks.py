"""The risks-and-issues log: severities, statuses and the rules an entry or a change must meet.

Pure Python; ``db.risks`` applies these rules inside the transaction that writes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

SEVERITIES: dict[str, str] = {"high": "High", "medium": "Medium", "low": "Low"}
STATUSES: dict[str, str] = {"open": "Open", "monitoring": "Monitoring", "closed": "Closed"}
OPEN_STATUSES = ("open", "monitoring")
REVIEW_EVERY_DAYS = 7  # the log is reviewed at the weekly meeting
MAX_DESCRIPTION = 2000
# Fields of an entry that can be changed after it is raised (from the log's table).
CHANGEABLE = ("status", "severity", "review_on", "owner_id")


def next_review(day: date) -> date:
    return day + timedelta(days=REVIEW_EVERY_DAYS)


@dataclass(frozen=True)
class RiskDraft:
    """A new entry as entered."""

    description: str
    severity: str
    raised_on: date | None
    review_on: date | None
    team_id: int | None = None
    practitioner_id: int | None = None
    owner_id: int | None = None
    status: str = "open"


def risk_problems(draft: RiskDraft, today: date) -> list[str]:
    """Every reason ``draft`` cannot be saved; empty when it can."""
    problems = []
    if draft.team_id is None and draft.practitioner_id is None:
        problems.append("Say which team or practitioner the entry is about.")
    if not draft.description.strip():
        problems.append("Describe the risk or issue.")
    elif len(draft.description) > MAX_DESCRIPTION:
        problems.append(f"The description is {len(draft.description)} characters long; keep it under {MAX_DESCRIPTION}.")
    if draft.severity not in SEVERITIES:
        problems.append("Choose a severity: high, medium or low.")
    if draft.status not in STATUSES:
        problems.append("Choose a status: open, monitoring or closed.")
    if draft.raised_on is None:
        problems.append("Give the date the entry was raised.")
    elif draft.raised_on > today:
        problems.append("The date raised is in the future.")
    problems += review_problems(draft.status, draft.review_on, draft.raised_on)
    return problems


def review_problems(status: str, review_on: date | None, raised_on: date | None) -> list[str]:
    if status in OPEN_STATUSES and review_on is None:
        return ["An open or monitored entry needs a review date."]
    if review_on is not None and raised_on is not None and review_on < raised_on:
        return [f"The review date {review_on:%d %b %Y} is before the entry was raised ({raised_on:%d %b %Y})."]
    return []


def change_problems(current: dict, changes: dict, raised_on: date) -> list[str]:
    """Reasons ``changes`` to an entry whose ``CHANGEABLE`` fields are ``current`` cannot be saved."""
    problems = []
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        problems.append(f"These fields cannot be changed here: {', '.join(unknown)}.")
    after = {**current, **changes}
    if after.get("severity") not in SEVERITIES:
        problems.append("Choose a severity: high, medium or low.")
    if after.get("status") not in STATUSES:
        problems.append("Choose a status: open, monitoring or closed.")
    else:
        problems += review_problems(after["status"], after.get("review_on"), raised_on)
    return problems
