"""What the demo's builders share while seeding: the seeded generators, the calendar and what is made so far."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from core.workdays import is_working_day
from db.models import Practitioner, Question, Team, Theme, User


@dataclass
class DemoContext:
    rng: random.Random
    today: date
    start: date
    now: datetime
    teams: dict[str, Team]
    practitioners: dict[int, list[Practitioner]]
    themes: dict[str, Theme]
    questions: dict[str, list[Question]]
    versions: dict[str, int]
    users: dict[str, User]
    case_refs: set[str]
    moderation_rng: random.Random | None = None


def day_in_week(ctx: DemoContext, week: int) -> date:
    """A random working day of programme week ``week`` (1-based), never after today."""
    monday = ctx.start + timedelta(weeks=week - 1)
    days = [monday + timedelta(days=i) for i in range(5)]
    days = [d for d in days if is_working_day(d) and d <= ctx.today] or [min(monday, ctx.today)]
    return ctx.rng.choice(days)


def stamp(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.utc)
