"""The suggested risks-and-issues agenda: its input rows from SQL, and ticked items into the log.

``suggested_agenda`` feeds ``core.agenda_rules.build_agenda`` with the chosen week's
audits (and the weeks its rules look back on), remedial actions, safeguarding
concerns, moderations and open entries of the log, all limited to the user's
scope. ``turn_into_entries`` writes the items a chair ticked into the log in one
transaction, linked to that week's risks-and-issues meeting (found, or recorded
on the way) and with ``source`` set to the rule that suggested each.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import case, distinct, func, or_
from sqlmodel import Session, col, select

from core.actions import overdue_cutoff
from core.agenda import (
    DEFAULT_RULES,
    DONE_ACTION_STATUSES,
    LAST_WEEK,
    THIS_WEEK,
    AgendaInputs,
    AgendaItem,
    AgendaRules,
    AgendaWeek,
    AuditFact,
    AuditTally,
    ModerationFact,
    PractitionerReds,
    RiskFact,
    SafeguardingFact,
    TeamOverdue,
    fmt,
)
from core.agenda_rules import build_agenda
from core.authz import Scope, may_open
from core.meetings import MeetingDraft
from core.periods import agreeing, counted
from core.risks import OPEN_STATUSES, RiskDraft
from core.workdays import week_start as monday_of
from db.events import record
from db.meetings import record_meeting, visible
from db.models import (
    Answer,
    Audit,
    Case,
    Meeting,
    MeetingAttendee,
    MeetingTeam,
    Moderation,
    ModerationAnswer,
    Practitioner,
    RemedialAction,
    RiskIssue,
    Team,
    User,
)
from db.queries.common import (
    action_of_submitted_audit, in_scope, rag_expression, read_day, reported_overall, submitted, unindexed_on_sqlite,
)
from db.risks import create_risk, update_risk


class AgendaError(ValueError):
    """Ticked items that cannot be turned into entries; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _reds_and_tally(session: Session, scope: Scope, week: AgendaWeek,
                    rules: AgendaRules) -> tuple[dict[int, PractitionerReds], AuditTally]:
    """Each practitioner's Red audits in the Red window (how many, and the latest with its names), and
    the counts the other Red-audit rule needs (``core.agenda.AuditTally``), counted in SQL: passes over
    the covering index ix_audit_heatmap_period instead of building every audit of four weeks in Python
    (36,000 at 100,000 audits; 2.2 s of the app's time at 1,000,000), or every Red one (45,677 at
    1,000,000). ``tests/data/test_meetings.py`` holds the agenda to the one built from every audit
    (``core.agenda_rules.tally_of`` and ``reds_of``)."""
    as_of, window_start = week.as_of, week.red_window_start(rules)
    letter = rag_expression(reported_overall)

    def of_submitted(statement, first: date):
        return in_scope(submitted(statement.where(Audit.audit_date >= first, Audit.audit_date <= as_of)), scope)

    # Each practitioner's Red audits numbered newest first, and counted, in one pass.
    reds = of_submitted(
        select(Audit.id, Audit.audit_date, Audit.team_id, Audit.practitioner_id, reported_overall.label("overall"),
               func.count().over(partition_by=Audit.practitioner_id).label("reds"),
               func.row_number().over(partition_by=Audit.practitioner_id,
                                      order_by=(col(Audit.audit_date).desc(), col(Audit.id).desc())).label("newest")),
        window_start,
    ).where(letter == "R", col(Audit.practitioner_id).is_not(None)).subquery()
    latest = session.exec(
        select(reds.c.id, reds.c.audit_date, reds.c.team_id, Team.name, reds.c.practitioner_id, Practitioner.name,
               reds.c.overall, reds.c.reds)
        .join(Team, Team.id == reds.c.team_id)
        .join(Practitioner, Practitioner.id == reds.c.practitioner_id)
        .where(reds.c.newest == 1, reds.c.reds >= rules.min_red_audits)
    ).all()
    by_practitioner = dict(session.exec(of_submitted(
        select(Audit.practitioner_id, func.count()), window_start
    ).where(col(Audit.practitioner_id).is_not(None)).group_by(Audit.practitioner_id)).all())
    bucket = case((Audit.audit_date >= week.start, THIS_WEEK), else_=LAST_WEEK)
    team_weeks = {
        (team_id, which): (int(n), int(red or 0))
        for team_id, which, n, red in session.exec(of_submitted(
            select(Audit.team_id, bucket, func.count(), func.sum(case((letter == "R", 1), else_=0))),
            week.previous_start,
        ).where(letter.is_not(None)).group_by(Audit.team_id, bucket))
    }
    team_names = dict(session.exec(select(Team.id, Team.name)).all())
    # audit_date is a Date column: a date on both backends (``_day`` for the subquery's on SQLite).
    red_practitioners = {
        pid: PractitionerReds(int(n), AuditFact(aid, read_day(day), tid, team, pid, practitioner, overall))
        for aid, day, tid, team, pid, practitioner, overall, n in latest
    }
    tally = AuditTally(by_practitioner, team_weeks,
                       {team_id: team_names[team_id] for team_id, _ in team_weeks})
    return red_practitioners, tally


def agenda_inputs(session: Session, scope: Scope, week: AgendaWeek, rules: AgendaRules = DEFAULT_RULES) -> AgendaInputs:
    """Every row the agenda rules need for ``week``, within ``scope``."""
    if scope.aggregates_only:
        raise PermissionError("The agenda names practitioners and cases: not for an aggregates-only role.")
    as_of = week.as_of

    red_practitioners, tally = _reds_and_tally(session, scope, week, rules)

    # Each team's overdue actions counted in SQL by the tracker's rule (``core.agenda_rules.was_overdue``),
    # not every action that might be overdue built in Python (about 10,000 at 100,000 audits).
    overdue = {
        team_id: TeamOverdue(name, int(n), read_day(oldest), int(owners))
        for team_id, name, n, oldest, owners in session.exec(
            in_scope(
                select(Audit.team_id, Team.name, func.count(), func.min(RemedialAction.due_on),
                       func.count(distinct(RemedialAction.owner_id)))
                .select_from(RemedialAction)
                .join(Audit, action_of_submitted_audit)
                .join(Team, Team.id == Audit.team_id)
                .where(RemedialAction.raised_on <= as_of, RemedialAction.due_on < overdue_cutoff(as_of))
                # Not done by then; a reopened action is not done, whatever its old completion date says.
                .where(or_(col(RemedialAction.status).not_in(DONE_ACTION_STATUSES),
                           col(RemedialAction.completed_on).is_(None), col(RemedialAction.completed_on) > as_of)),
                scope,
            ).group_by(Audit.team_id, Team.name)
        )
    }

    # Through the partial index of the audits that raised a concern (a few hundred at 100,000 audits):
    # the status is hidden from SQLite's planner, which otherwise walked every submitted audit of
    # the days through an index led by status (164 -> 2 ms at 100,000 audits).
    concerns = session.exec(
        in_scope(
            select(Audit.id, Case.reference, Audit.team_id, Team.name, Audit.audit_date, Audit.safeguarding_ack_at)
            .join(Case, Case.id == Audit.case_id)
            .join(Team, Team.id == Audit.team_id)
            .where(unindexed_on_sqlite(col(Audit.status)) == "submitted")
            .where(col(Audit.safeguarding_concern).is_(True), Audit.audit_date <= as_of)
            .where(or_(col(Audit.safeguarding_ack_at).is_(None),
                       col(Audit.safeguarding_ack_at) >= _start_of(as_of + timedelta(days=1)))),
            scope,
        )
    ).all()

    moderations = session.exec(
        in_scope(
            select(Moderation.id, Audit.id, Case.reference, Audit.team_id, Team.name, User.display_name,
                   Moderation.graded_at, Audit.overall_grade, Moderation.moderator_overall_grade)
            .join(Audit, Audit.id == Moderation.audit_id)
            .join(Case, Case.id == Audit.case_id)
            .join(Team, Team.id == Audit.team_id)
            .join(User, User.id == Audit.auditor_id)
            .where(col(Moderation.status).in_(("graded", "completed")), col(Moderation.graded_at).is_not(None))
            .where(col(Moderation.graded_at) >= _start_of(week.start),
                   col(Moderation.graded_at) < _start_of(as_of + timedelta(days=1))),
            scope,
        )
    ).all()
    compared: dict[int, tuple[int, int]] = {}
    moderation_ids = [row[0] for row in moderations]
    if moderation_ids:
        differs = case((Answer.grade != ModerationAnswer.moderator_grade, 1), else_=0)
        for moderation_id, n, n_differ in session.exec(
            select(ModerationAnswer.moderation_id, func.count(), func.sum(differs))
            .join(Moderation, Moderation.id == ModerationAnswer.moderation_id)
            .join(Answer, (Answer.audit_id == Moderation.audit_id) & (Answer.question_id == ModerationAnswer.question_id))
            .where(col(ModerationAnswer.moderation_id).in_(moderation_ids))
            .where(col(Answer.grade).is_not(None), col(ModerationAnswer.moderator_grade).is_not(None))
            .group_by(ModerationAnswer.moderation_id)
        ):
            compared[moderation_id] = (int(n), int(n_differ or 0))

    risks = session.exec(
        in_scope(
            select(RiskIssue, Team.name, Practitioner.name)
            .outerjoin(Team, Team.id == RiskIssue.team_id)
            .outerjoin(Practitioner, Practitioner.id == RiskIssue.practitioner_id)
            .where(col(RiskIssue.status).in_(OPEN_STATUSES)),
            scope,
            RiskIssue.team_id,
        )
    ).all()

    return AgendaInputs(
        tally=tally,
        red_practitioners=red_practitioners,
        overdue=overdue,
        safeguarding=tuple(SafeguardingFact(aid, ref, tid, team, read_day(day), read_day(ack))
                           for aid, ref, tid, team, day, ack in concerns),
        moderations=tuple(
            ModerationFact(mid, aid, ref, tid, team, first_auditor, read_day(graded), first, second,
                           *compared.get(mid, (0, 0)))
            for mid, aid, ref, tid, team, first_auditor, graded, first, second in moderations
        ),
        open_risks=tuple(
            RiskFact(r.id, r.team_id, team, r.practitioner_id, practitioner, r.description, r.severity, r.status,
                     r.review_on, r.source)
            for r, team, practitioner in risks
        ),
    )


def suggested_agenda(
    session: Session, scope: Scope, week_start: date, today: date, rules: AgendaRules = DEFAULT_RULES
) -> list[AgendaItem]:
    """The agenda for the week starting on Monday ``week_start`` (any day of it will do)."""
    week = AgendaWeek(monday_of(week_start), today)
    return build_agenda(week, agenda_inputs(session, scope, week, rules), rules)


@dataclass(frozen=True)
class AgendaOutcome:
    meeting_id: int
    meeting_created: bool
    created: tuple[int, ...]  # new entries
    reviewed: tuple[int, ...]  # entries already in the log, given a new review date


def _weekly_meeting(session: Session, scope: Scope, held_on: date, team_ids: set[int], today: date,
                    week: AgendaWeek) -> tuple[Meeting, bool]:
    """The risks-and-issues meeting held on ``held_on`` the user can see, or a new one."""
    meeting = session.exec(
        visible(select(Meeting), scope)
        .where(Meeting.kind == "risks_and_issues", Meeting.held_on == held_on)
        .order_by(Meeting.id)
    ).first()
    if meeting is None:
        draft = MeetingDraft(
            kind="risks_and_issues", held_on=held_on,
            notes=f"Weekly risks and issues meeting: agenda for the week of {fmt(week.start)}.",
            user_ids=frozenset({scope.user_id}), team_ids=frozenset(team_ids),
        )
        return record_meeting(session, scope, draft, today), True
    present = set(session.exec(select(MeetingTeam.team_id).where(MeetingTeam.meeting_id == meeting.id)))
    attending = set(session.exec(select(MeetingAttendee.user_id).where(MeetingAttendee.meeting_id == meeting.id)))
    added_teams = sorted(team_ids - present)
    for team_id in added_teams:
        session.add(MeetingTeam(meeting_id=meeting.id, team_id=team_id))
    added_chair = scope.user_id not in attending
    if added_chair:
        session.add(MeetingAttendee(meeting_id=meeting.id, user_id=scope.user_id))
    if added_teams or added_chair:
        record(session, scope.username, "meeting.update", "meeting", meeting.id,
               after={"teams_added": added_teams, "users_added": [scope.user_id] if added_chair else []})
    return meeting, False


def turn_into_entries(
    session: Session,
    scope: Scope,
    *,
    week_start: date,
    today: date,
    keys: list[str] | tuple[str, ...],
    meeting_on: date,
    review_on: date,
    owner_id: int | None,
    rules: AgendaRules = DEFAULT_RULES,
) -> AgendaOutcome:
    """Turn the ticked agenda items (by key) into entries of the log, all or none.

    The agenda is rebuilt inside this transaction, so an entry says what the data
    says now, and a key no longer on the agenda (someone acknowledged the concern,
    another chair logged it) stops the whole step with nothing written. Items the
    log already holds open are reviewed (new review date, logged) instead of
    duplicated. Every entry is linked to the risks-and-issues meeting held on
    ``meeting_on`` (recorded if there is none) and carries its rule as ``source``.
    """
    if not may_open(scope.roles, "risks"):
        raise PermissionError("Only auditors, managers and administrators keep the risks-and-issues log.")
    week = AgendaWeek(monday_of(week_start), today)
    problems = []
    if not keys:
        problems.append("Tick at least one item to discuss.")
    if meeting_on > today:
        problems.append("The meeting date is in the future.")
    if meeting_on < week.start:
        problems.append(f"The meeting cannot be held before the week it reviews began ({fmt(week.start)}).")
    if review_on < meeting_on:
        problems.append("The review date is before the meeting.")
    items = {item.key: item for item in build_agenda(week, agenda_inputs(session, scope, week, rules), rules)}
    gone = [key for key in keys if key not in items]
    if gone:
        problems.append(
            f"{counted(len(gone), 'ticked item')} {agreeing(len(gone), 'is', 'are')} no longer on this week's agenda "
            "(the data changed since it was drafted); "
            "nothing was added. Look at the agenda again."
        )
    if problems:
        raise AgendaError(problems)
    chosen = [item for key, item in items.items() if key in set(keys)]  # agenda order
    meeting, meeting_created = _weekly_meeting(
        session, scope, meeting_on, {i.team_id for i in chosen if i.team_id is not None}, today, week
    )
    created, reviewed = [], []
    for item in chosen:
        if item.existing_risk_id is not None:
            update_risk(session, scope, item.existing_risk_id, {"review_on": review_on}, seen={}, today=today,
                        action="risk.review", note={"meeting_id": meeting.id, "agenda_item": item.key})
            reviewed.append(item.existing_risk_id)
        else:
            risk = create_risk(
                session, scope,
                RiskDraft(description=item.description[:2000], severity=item.severity, raised_on=meeting_on,
                          review_on=review_on, team_id=item.team_id, practitioner_id=item.practitioner_id,
                          owner_id=owner_id),
                today, meeting_id=meeting.id, source=item.rule, same_team=False,
            )
            created.append(risk.id)
    record(session, scope.username, "agenda.convert", "meeting", meeting.id,
           after={"week": week.start, "items": [i.key for i in chosen], "created": created, "reviewed": reviewed})
    return AgendaOutcome(meeting.id, meeting_created, tuple(created), tuple(reviewed))
