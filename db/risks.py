"""The risks-and-issues log: list entries, add one, change status, severity, owner or review date.

Entries are about a team or a practitioner; a manager sees and changes those of the
teams they manage. ``risk_issue`` has no version column, so a change carries the
values its author saw and is refused when the entry no longer holds them
(someone else saved first): nothing is overwritten silently.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.authz import Scope, may_open
from core.risks import CHANGEABLE, OPEN_STATUSES, RiskDraft, change_problems, risk_problems
from db.events import record
from db.meetings import practitioner_options, team_options, user_options
from db.models import Meeting, Practitioner, RiskIssue, Team, User
from db.queries.common import in_scope


class RiskError(ValueError):
    """An entry or change that cannot be saved; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


class RiskConflict(RiskError):
    """Someone else changed the entry after the user loaded it."""


def _may_write(scope: Scope) -> None:
    if not may_open(scope.roles, "risks"):
        raise PermissionError("Only auditors, managers and administrators keep the risks-and-issues log.")


@dataclass(frozen=True)
class RiskRow:
    id: int
    raised_on: date
    team_id: int | None
    team: str | None
    practitioner_id: int | None
    practitioner: str | None
    description: str
    severity: str
    status: str
    owner_id: int | None
    owner: str | None
    review_on: date | None
    source: str
    meeting_id: int | None
    meeting_held_on: date | None
    raised_by: str
    closed_on: date | None

    def review_due(self, on: date) -> bool:
        return self.status in OPEN_STATUSES and self.review_on is not None and self.review_on <= on

    def changeable(self) -> dict:
        """The values a change may alter, as the user saw them."""
        return {name: getattr(self, name) for name in CHANGEABLE}


def risk_log(
    session: Session,
    scope: Scope,
    *,
    statuses: tuple[str, ...] | list[str] | None = None,
    severities: tuple[str, ...] | list[str] | None = None,
    team_id: int | None = None,
    review_due_by: date | None = None,
    risk_ids: tuple[int, ...] | list[int] | None = None,
    search: str | None = None,
) -> list[RiskRow]:
    """Entries the user may see, filtered; open ones with the earliest review first.

    ``search`` keeps entries whose description contains it, whatever the case.
    """
    if scope.aggregates_only:
        raise PermissionError("The log's entries are not shown to an aggregates-only role.")
    owner = aliased(User)
    raiser = aliased(User)
    statement = in_scope(
        select(RiskIssue, Team.name, Practitioner.name, owner.display_name, raiser.display_name, Meeting.held_on)
        .outerjoin(Team, Team.id == RiskIssue.team_id)
        .outerjoin(Practitioner, Practitioner.id == RiskIssue.practitioner_id)
        .outerjoin(owner, owner.id == RiskIssue.owner_id)
        .join(raiser, raiser.id == RiskIssue.raised_by_id)
        .outerjoin(Meeting, Meeting.id == RiskIssue.meeting_id),
        scope,
        RiskIssue.team_id,
    )
    if statuses:
        statement = statement.where(col(RiskIssue.status).in_(list(statuses)))
    if severities:
        statement = statement.where(col(RiskIssue.severity).in_(list(severities)))
    if team_id is not None:
        statement = statement.where(RiskIssue.team_id == team_id)
    if review_due_by is not None:
        statement = statement.where(
            col(RiskIssue.status).in_(OPEN_STATUSES), col(RiskIssue.review_on).is_not(None),
            col(RiskIssue.review_on) <= review_due_by,
        )
    if risk_ids is not None:
        statement = statement.where(col(RiskIssue.id).in_(list(risk_ids)))
    if search and search.strip():
        statement = statement.where(func.lower(RiskIssue.description).contains(search.strip().lower(), autoescape=True))
    rows = session.exec(statement).all()
    result = [
        RiskRow(
            id=risk.id, raised_on=risk.raised_on, team_id=risk.team_id, team=team, practitioner_id=risk.practitioner_id,
            practitioner=practitioner, description=risk.description, severity=risk.severity, status=risk.status,
            owner_id=risk.owner_id, owner=owner_name, review_on=risk.review_on, source=risk.source,
            meeting_id=risk.meeting_id, meeting_held_on=held_on, raised_by=raised_by, closed_on=risk.closed_on,
        )
        for risk, team, practitioner, owner_name, raised_by, held_on in rows
    ]
    # Open entries first, earliest review first; closed ones after, latest closed first.
    return sorted(
        result,
        key=lambda r: (
            r.status not in OPEN_STATUSES,
            (r.review_on or date.max).toordinal() if r.status in OPEN_STATUSES else -(r.closed_on or r.raised_on).toordinal(),
            -r.id,
        ),
    )


def due_for_review(session: Session, scope: Scope, on: date) -> list[RiskRow]:
    """Open or monitored entries whose review date is ``on`` or earlier."""
    return risk_log(session, scope, review_due_by=on)


def _subject_problems(
    session: Session, scope: Scope, team_id: int | None, practitioner_id: int | None, same_team: bool = True
) -> list[str]:
    problems = []
    if team_id is not None and team_id not in team_options(session, scope):
        problems.append("Choose a team you can see.")
    if practitioner_id is not None:
        if practitioner_id not in practitioner_options(session, scope):
            problems.append("Choose a practitioner of a team you can see.")
        else:
            practitioner = session.get(Practitioner, practitioner_id)
            if same_team and team_id is not None and practitioner.team_id != team_id:
                problems.append("The practitioner is not in the team chosen: leave the team empty or pick theirs.")
    return problems


def create_risk(
    session: Session,
    scope: Scope,
    draft: RiskDraft,
    today: date,
    *,
    meeting_id: int | None = None,
    source: str = "",
    same_team: bool = True,
) -> RiskIssue:
    """Add an entry to the log (with an event); raise RiskError listing every problem.

    An entry about a practitioner alone is filed under the practitioner's team. With
    ``same_team`` a practitioner must be in the team named; the agenda turns that off,
    since its items name the team the audits were done in, which a practitioner may
    have left since.
    """
    _may_write(scope)
    problems = risk_problems(draft, today) + _subject_problems(
        session, scope, draft.team_id, draft.practitioner_id, same_team
    )
    if draft.owner_id is not None and draft.owner_id not in user_options(session):
        problems.append("The owner must be an active user.")
    if problems:
        raise RiskError(problems)
    team_id = draft.team_id
    if team_id is None and draft.practitioner_id is not None:
        team_id = session.get(Practitioner, draft.practitioner_id).team_id
    risk = RiskIssue(
        team_id=team_id, practitioner_id=draft.practitioner_id, description=draft.description.strip(),
        severity=draft.severity, owner_id=draft.owner_id, status=draft.status, raised_on=draft.raised_on,
        review_on=draft.review_on, raised_by_id=scope.user_id, meeting_id=meeting_id, source=source[:60],
        closed_on=draft.raised_on if draft.status == "closed" else None,
    )
    session.add(risk)
    session.flush()
    record(session, scope.username, "risk.create", "risk_issue", risk.id, after=_snapshot(risk))
    return risk


def _snapshot(risk: RiskIssue) -> dict:
    return {
        "team_id": risk.team_id, "practitioner_id": risk.practitioner_id, "description": risk.description,
        "severity": risk.severity, "owner_id": risk.owner_id, "status": risk.status, "raised_on": risk.raised_on,
        "review_on": risk.review_on, "meeting_id": risk.meeting_id, "source": risk.source, "closed_on": risk.closed_on,
    }


def _locked(session: Session, scope: Scope, risk_id: int) -> RiskIssue:
    # FOR UPDATE on PostgreSQL; SQLite's write transaction already holds the lock (BEGIN IMMEDIATE).
    risk = session.exec(
        in_scope(select(RiskIssue).where(RiskIssue.id == risk_id), scope, RiskIssue.team_id).with_for_update()
    ).first()
    if risk is None:
        raise RiskError([f"Entry #{risk_id} does not exist or is not about a team you can see."])
    return risk


def update_risk(
    session: Session, scope: Scope, risk_id: int, changes: dict, *, seen: dict, today: date,
    action: str = "risk.update", note: dict | None = None,
) -> RiskIssue:
    """Change ``CHANGEABLE`` fields of an entry; ``seen`` holds those fields as the user loaded them.

    Raises RiskConflict when the entry no longer holds ``seen`` (someone else saved
    first) and RiskError when the change breaks a rule. Closing sets ``closed_on``;
    reopening clears it.
    """
    _may_write(scope)
    risk = _locked(session, scope, risk_id)
    current = {name: getattr(risk, name) for name in CHANGEABLE}
    moved = {name: current[name] for name in seen if name in current and current[name] != seen[name]}
    if moved:
        raise RiskConflict([
            f"Entry #{risk_id} was changed by someone else after you loaded it "
            f"({', '.join(f'{k} is now {_show(v)}' for k, v in moved.items())})."
        ])
    changes = {k: v for k, v in changes.items() if current.get(k) != v or k not in current}
    problems = change_problems(current, changes, risk.raised_on)
    if "owner_id" in changes and changes["owner_id"] is not None and changes["owner_id"] not in user_options(session):
        problems.append("The owner must be an active user.")
    if problems:
        raise RiskError([f"Entry #{risk_id}: {p}" for p in problems])
    if not changes:
        return risk
    before = {k: current[k] for k in changes}
    for name, value in changes.items():
        setattr(risk, name, value)
    if changes.get("status") == "closed":
        risk.closed_on = today
    elif "status" in changes and current["status"] == "closed":
        risk.closed_on = None
    session.add(risk)
    record(session, scope.username, action, "risk_issue", risk.id, before=before, after={**changes, **(note or {})})
    return risk


def _show(value) -> str:
    if isinstance(value, date):
        return f"{value:%d %b %Y}"
    return "empty" if value is None else str(value)


def update_many(session: Session, scope: Scope, edits: dict[int, tuple[dict, dict]], today: date) -> list[int]:
    """Apply several entries' changes ({id: (changes, seen)}) in the caller's one transaction.

    Every entry is checked; if any is refused, RiskError lists every problem and the
    caller's transaction rolls back, so nothing is saved. Returns the ids changed.
    """
    problems: list[str] = []
    conflict = False
    for risk_id, (changes, seen) in sorted(edits.items()):
        try:
            update_risk(session, scope, risk_id, changes, seen=seen, today=today)
        except RiskConflict as error:
            conflict = True
            problems += error.problems
        except RiskError as error:
            problems += error.problems
    if problems:
        raise (RiskConflict if conflict else RiskError)(problems)
    return sorted(edits)
