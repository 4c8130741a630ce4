"""The demo's meetings: mentoring, reflective, workshops and coaching, and the weekly
risks-and-issues meeting with the risks it logged."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from db.demo_context import DemoContext, day_in_week, stamp
from db.demo_story import MENTORING_MEETINGS, OTHER_AUDITORS, RISK_TEXTS, TEAMS
from db.models import Meeting, MeetingAttendee, MeetingTeam, RiskIssue


def meetings(ctx: DemoContext, session: Session) -> None:
    auditors = [ctx.users["auditor"]] + [ctx.users[u] for u, _ in OTHER_AUDITORS]
    managers = [(ctx.users[name], ctx.teams[name]) for name, _ in TEAMS]
    # 101 mentoring and reflective meetings, more as the programme got going.
    weights = [1, 3, 5, 7, 9, 10, 11, 11, 11, 11, 11, 11]
    per_week = [round(MENTORING_MEETINGS * w / sum(weights)) for w in weights]
    per_week[-1] += MENTORING_MEETINGS - sum(per_week)
    for week, count in enumerate(per_week, start=1):
        for _ in range(count):
            manager, team = ctx.rng.choice(managers)
            _meeting(
                ctx, session, kind=ctx.rng.choice(("mentoring", "reflective")), day=day_in_week(ctx, week),
                chair=ctx.rng.choice(auditors), users=[manager], teams=[team],
                notes="Discussed recent audit findings and what Good looks like for lived experience.",
            )
        if week % 3 == 0:
            manager, team = ctx.rng.choice(managers)
            _meeting(ctx, session, kind="workshop", day=day_in_week(ctx, week), chair=ctx.rng.choice(auditors),
                     users=[m for m, _ in managers[:4]], teams=[t for _, t in managers[:4]],
                     notes="Remote workshop: analysing risk, not describing it.")
        if week % 2 == 0:
            manager, team = ctx.rng.choice(managers)
            practitioner = ctx.rng.choice(ctx.practitioners[team.id])
            _meeting(ctx, session, kind="coaching", day=day_in_week(ctx, week), chair=ctx.rng.choice(auditors),
                     users=[manager], teams=[team], practitioners=[practitioner],
                     notes="1:1 coaching on completing remedial actions.")
        # The weekly risks-and-issues meeting and what it logged.
        day = day_in_week(ctx, week)
        meeting = _meeting(ctx, session, kind="risks_and_issues", day=day, chair=ctx.users["auditor"],
                           users=auditors, teams=[], notes="Weekly risks and issues review.")
        for _ in range(ctx.rng.randint(1, 3)):
            team = ctx.rng.choice(list(ctx.teams.values()))
            practitioner = ctx.rng.choice(ctx.practitioners[team.id]) if ctx.rng.random() < 0.4 else None
            closed = week < 9 and ctx.rng.random() < 0.7
            session.add(RiskIssue(
                team_id=team.id, practitioner_id=practitioner.id if practitioner else None,
                description=ctx.rng.choice(RISK_TEXTS), severity=ctx.rng.choice(("low", "medium", "medium", "high")),
                owner_id=ctx.rng.choice(auditors).id, status="closed" if closed else ctx.rng.choice(("open", "monitoring")),
                raised_on=day, review_on=day + timedelta(days=7), raised_by_id=ctx.users["auditor"].id,
                meeting_id=meeting.id, closed_on=min(ctx.today, day + timedelta(days=14)) if closed else None,
            ))


def _meeting(ctx, session, *, kind, day, chair, users, teams, notes, practitioners=()) -> Meeting:
    meeting = Meeting(kind=kind, held_on=day, notes=notes, recorded_by_id=chair.id, created_at=stamp(day, 17))
    session.add(meeting)
    session.flush()
    for user in {chair.id, *(u.id for u in users)}:
        session.add(MeetingAttendee(meeting_id=meeting.id, user_id=user))
    for practitioner in practitioners:
        session.add(MeetingAttendee(meeting_id=meeting.id, practitioner_id=practitioner.id))
    for team in teams:
        session.add(MeetingTeam(meeting_id=meeting.id, team_id=team.id))
    return meeting
