"""The burn-up against the programme plan and a forecast of when each target is met.

The plan line is straight: a theme with a target of 90 over 12 weeks plans 7.5
audits a week, so 30 by the end of week 4. The forecast extrapolates the current
pace, the mean of the last four *complete* programme weeks (a week still under way
would drag the pace down), from the day the figures run to. It answers with a
date, "target met" (and in which week), or "not at current pace" when the pace
does not reach the target before the programme ends.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from core.periods import programme_end, short_date, week_dates, week_of

PACE_WEEKS = 4


@dataclass(frozen=True)
class BurnUpPoint:
    week: int
    done: int  # cumulative by the end of the week (or by the day figures run to)
    planned: float  # the straight-line plan by the end of the week
    target: int


def planned_by(target: int, weeks: int, week: int) -> float:
    """Audits the straight-line plan expects by the end of ``week``."""
    if weeks <= 0:
        return float(target)
    return target * min(week, weeks) / weeks


def burn_up(weekly: Mapping[int, int], target: int, weeks: int, through_week: int) -> list[BurnUpPoint]:
    """Cumulative audits done by week 1..``through_week`` beside the plan and the target."""
    points = []
    done = 0
    for week in range(1, through_week + 1):
        done += weekly.get(week, 0)
        points.append(BurnUpPoint(week, done, planned_by(target, weeks, week), target))
    return points


@dataclass(frozen=True)
class Forecast:
    """When a target is met at the current pace."""

    name: str
    target: int
    done: int
    pace: float | None  # audits a week, over ``pace_weeks`` complete weeks
    pace_weeks: int
    met_in_week: int | None  # the week the target was reached, when it has been
    forecast_on: date | None  # the day it would be reached at the current pace
    programme_ends: date

    @property
    def remaining(self) -> int:
        return max(0, self.target - self.done)

    @property
    def status(self) -> str:
        """'met', 'on track', 'not at current pace', 'too early' or 'no target'."""
        if self.target <= 0:
            return "no target"
        if self.done >= self.target:
            return "met"
        if self.pace is None:
            return "too early"
        if self.forecast_on is None or self.forecast_on > self.programme_ends:
            return "not at current pace"
        return "on track"

    @property
    def text(self) -> str:
        """What a board member reads: 'target met in week 9', 'forecast 20 Nov 2026',
        'not at current pace (7 Dec 2026)'."""
        status = self.status
        if status == "no target":
            return "no target set"
        if status == "met":
            return f"target met in week {self.met_in_week}" if self.met_in_week else "target met"
        if status == "too early":
            return "too early to forecast: no complete week yet"
        if status == "on track":
            return f"forecast {short_date(self.forecast_on)}"
        if self.forecast_on is None:
            return "not at current pace (no audits in the last weeks)"
        return f"not at current pace ({short_date(self.forecast_on)})"


def complete_weeks(start: date, weeks: int, as_of: date) -> int:
    """How many programme weeks have ended by ``as_of`` (its last day counts as ended)."""
    week = week_of(start, as_of)
    if week <= 0:
        return 0
    if week > weeks:
        return weeks
    return week if as_of >= week_dates(start, week)[1] else week - 1


def current_pace(weekly: Mapping[int, int], start: date, weeks: int, as_of: date,
                 window: int = PACE_WEEKS) -> tuple[float | None, int]:
    """Mean audits a week over the last ``window`` complete weeks (fewer early on), and how many weeks."""
    ended = complete_weeks(start, weeks, as_of)
    used = list(range(max(1, ended - window + 1), ended + 1))
    if not used:
        return None, 0
    return sum(weekly.get(w, 0) for w in used) / len(used), len(used)


def forecast(name: str, weekly: Mapping[int, int], target: int, start: date, weeks: int, as_of: date,
             window: int = PACE_WEEKS) -> Forecast:
    """Forecast for one theme (or the total) from its audits per programme week up to ``as_of``.

    ``weekly`` must hold only audits done on or before ``as_of``.
    """
    done = 0
    met_in_week = None
    for week in sorted(weekly):
        done += weekly[week]
        if met_in_week is None and target > 0 and done >= target:
            met_in_week = week
    pace, used = current_pace(weekly, start, weeks, as_of, window)
    forecast_on = None
    if done < target and pace:
        forecast_on = as_of + timedelta(days=math.ceil(7 * (target - done) / pace))
    return Forecast(name, target, done, pace, used, met_in_week, forecast_on, programme_end(start, weeks))
