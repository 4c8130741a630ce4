"""Working days in England and Wales: weekends and bank holidays skipped.

Remedial actions are due five working days after the audit. Bank holidays come
from the ``holidays`` package's UK calendar for England (which England and Wales
share), so one-off days such as a coronation are included without code changes.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

ACTION_DUE_WORKING_DAYS = 5


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def default_due_date(raised_on: date) -> date:
    return add_working_days(raised_on, ACTION_DUE_WORKING_DAYS)


@lru_cache(maxsize=65_536)
def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; negative if end < start.

    Cached: a list of 30,000 actions asks for the same few hundred (due date, today) pairs,
    and each answer walks the calendar day by day."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())
