"""The demo programme: a deterministic, invented programme that tells the case study's story.

One 12-week programme ending this week; 4 external auditors; 8 teams and 60
practitioners with invented names; 386 external audits (87 Assessment, 63 Front
door, 105 Neglect, 65 Risk, 66 Repeat Section 47) whose quality improves week by
week, lived experience the weakest domain; internal audits by managers, 33 of
them moderated in weeks 7 to 12 with the agreement of real practice (see
``db.demo_audits._moderate``: one manager grades generously, one harshly, agreement
improves as feedback takes effect); remedial actions due 5 working days after their
audit, most done and verified, some overdue; 101 mentoring or reflective meetings;
weekly risks-and-issues meetings and entries.

Every figure comes from one seeded random generator, so two seeds of the same
day are identical; dates are laid relative to ``today`` so the demo looks live.

The story is told by ``db.demo_people`` (teams, practitioners, users), ``db.demo_audits`` (audits,
actions, moderations, safeguarding) and ``db.demo_meetings`` (meetings, risks and issues), from the
figures and words of ``db.demo_story``; the sign-in accounts are ``db.demo_accounts``.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from sqlmodel import Session, select

from core import clock
from core.workdays import week_start
from db.demo_audits import external_audits, internal_audits, safeguarding
from db.demo_context import DemoContext
from db.demo_meetings import meetings
from db.demo_people import people
from db.demo_story import MODERATION_SEED, SEED, TARGETS, WEEKS
from db.events import record
from db.models import Programme, ProgrammeTarget, Theme
from db.rollups import rebuild
from db.templates import latest_version, questions_of, sync_bundled_templates


def is_seeded(session: Session) -> bool:
    return session.exec(select(Programme.id)).first() is not None


def _templates(ctx: DemoContext, session: Session) -> None:
    sync_bundled_templates(session, actor="demo")
    for theme in session.exec(select(Theme)):
        ctx.themes[theme.code] = theme
        version = latest_version(session, theme.id)
        ctx.versions[theme.code] = version.id
        ctx.questions[theme.code] = questions_of(session, version.id)


def _programme(ctx: DemoContext, session: Session) -> Programme:
    programme = Programme(name="Thematic audit programme (demo)", start_date=ctx.start, weeks=WEEKS)
    session.add(programme)
    session.flush()
    for code, target in TARGETS.items():
        session.add(ProgrammeTarget(programme_id=programme.id, theme_id=ctx.themes[code].id, target=target))
    return programme


def programme_start_for(today: date) -> date:
    """The demo programme's first Monday: week 12 is the current week."""
    return week_start(today) - timedelta(weeks=WEEKS - 1)


def seed_demo(session: Session, today: date | None = None) -> dict[str, int]:
    """Fill an empty database with the demo programme; return what was created.

    Refuses a database that already has a programme, so it can never mix demo
    rows into a council's real data.
    """
    if is_seeded(session):
        raise RuntimeError("This database already holds a programme; the demo is only seeded into an empty one.")
    today = today or clock.today()
    ctx = DemoContext(
        # bandit B311: deterministic demo data, not security
        rng=random.Random(SEED),  # nosec B311
        today=today, start=programme_start_for(today), now=datetime.now(timezone.utc),
        teams={}, practitioners={}, themes={}, questions={}, versions={}, users={}, case_refs=set(),
        moderation_rng=random.Random(MODERATION_SEED),  # nosec B311
    )
    _templates(ctx, session)
    people(ctx, session)
    programme = _programme(ctx, session)
    external = external_audits(ctx, session, programme)
    internal_audits(ctx, session, programme)
    safeguarding(ctx, session, external)
    meetings(ctx, session)
    rebuild(session)  # Progress's rollup of the answers just loaded (db.rollups)
    counts = {
        "external_audits": len(external),
        "teams": len(ctx.teams),
        "practitioners": sum(len(p) for p in ctx.practitioners.values()),
    }
    record(session, "demo", "demo.seed", "programme", programme.id, after=counts)
    return counts
