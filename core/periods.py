"""Reporting periods and period-on-period comparisons.

A period is an inclusive range of dates with a stable key (kept in the page's URL)
and a label for titles. The board report's natural period is a *programme month*:
four programme weeks (weeks 1-4, 5-8, 9-12), so every month of a 12-week programme
has the same number of working weeks and month-on-month comparisons are fair.
Calendar months, the programme to date and any custom range are offered as well.

Comparisons say what changed in numbers ("fell from 45% to 12%"), never in
adjectives, and percentages are formatted in one place so that the dashboard and
the report print the same figure for the same share.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

WEEKS_PER_PROGRAMME_MONTH = 4
MONTH_NAMES = ("January February March April May June July August September October November December").split()


@dataclass(frozen=True)
class Period:
    """An inclusive range of dates, with the key and label it is known by."""

    key: str
    label: str  # short, for sentences: "Month 2", "October 2026"
    start: date
    end: date
    note: str = ""  # e.g. "weeks 5-8"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def span(self) -> str:
        """The dates in words, e.g. '5 Oct - 1 Nov 2026'."""
        return date_span(self.start, self.end)

    @property
    def phrase(self) -> str:
        """The label as it reads inside a sentence ('in the programme to date', 'in Month 2')."""
        return "the programme to date" if self.key == "to-date" else self.label

    @property
    def name(self) -> str:
        """Label and note, e.g. 'Month 2 (weeks 5-8)'."""
        return f"{self.label} ({self.note})" if self.note else self.label

    @property
    def title(self) -> str:
        """Label, note and dates, e.g. 'Month 2 (weeks 5-8), 5 Oct - 1 Nov 2026'."""
        return self.span if self.name == self.span else f"{self.name}, {self.span}"

    def up_to(self, as_of: date) -> date:
        """The last day with figures: the period's end, or ``as_of`` if it is still running."""
        return min(self.end, as_of)


def short_date(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1][:3]} {day.year}"


def date_span(start: date, end: date) -> str:
    if start == end:
        return short_date(start)
    if start.year == end.year:
        first = f"{start.day} {MONTH_NAMES[start.month - 1][:3]}"
        return f"{first} - {short_date(end)}"
    return f"{short_date(start)} - {short_date(end)}"


# ------------------------------------------------------------------ programme weeks and months
def programme_end(start: date, weeks: int) -> date:
    return start + timedelta(days=7 * weeks - 1)


def week_of(start: date, day: date) -> int:
    """The programme week of ``day``: the app's one rule for "which week" (SQL groups by day and the
    days are put into weeks with it; ``tests/data/test_week_and_rag_rules.py`` has the hand count).

    Week 1 is the seven days from ``start`` (Monday to Sunday, as every programme starts on a
    Monday), week 2 the next seven, and so on; weekends and bank holidays count like any day.
    Before the start the count carries on backwards: the seven days before ``start`` are week 0,
    the seven before those week -1. So a date before the start gives 0 or less, never week 1,
    and each earlier week keeps a number of its own (the heatmap's team x week columns). A caller
    asking how far the programme has got ("week n of 12") clamps with ``max(0, ...)``.
    """
    return (day - start).days // 7 + 1


def week_dates(start: date, week: int) -> tuple[date, date]:
    """First and last day (Monday-Sunday when the programme starts on a Monday) of ``week``."""
    first = start + timedelta(days=7 * (week - 1))
    return first, first + timedelta(days=6)


def weeks_in(period: Period, start: date, weeks: int) -> list[int]:
    """The programme weeks that overlap ``period``."""
    return [w for w in range(1, weeks + 1)
            if week_dates(start, w)[0] <= period.end and week_dates(start, w)[1] >= period.start]


def programme_months(start: date, weeks: int) -> list[Period]:
    """Weeks 1-4, 5-8, 9-12...; a programme whose length is not a multiple of 4 ends with a shorter month."""
    months = []
    count = math.ceil(weeks / WEEKS_PER_PROGRAMME_MONTH)
    for index in range(count):
        first_week = index * WEEKS_PER_PROGRAMME_MONTH + 1
        last_week = min(weeks, first_week + WEEKS_PER_PROGRAMME_MONTH - 1)
        note = f"weeks {first_week}-{last_week}" if last_week > first_week else f"week {first_week}"
        months.append(Period(f"m{index + 1}", f"Month {index + 1}", week_dates(start, first_week)[0],
                             week_dates(start, last_week)[1], note))
    return months


def calendar_month(year: int, month: int) -> Period:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return Period(f"{year:04d}-{month:02d}", f"{MONTH_NAMES[month - 1]} {year}", first, following - timedelta(days=1))


def calendar_months(first: date, last: date) -> list[Period]:
    """Every calendar month from ``first``'s to ``last``'s, in order."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(calendar_month(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def programme_to_date(start: date, weeks: int, as_of: date) -> Period:
    end = max(start, min(as_of, programme_end(start, weeks)))
    return Period("to-date", "Programme to date", start, end, f"weeks 1-{max(1, week_of(start, end))}")


def custom_period(start: date, end: date) -> Period:
    return Period(f"{start.isoformat()}..{end.isoformat()}", date_span(start, end), start, end)


def period_options(start: date, weeks: int, as_of: date) -> list[Period]:
    """What a user may pick: the programme months that have begun, the programme to date,
    and the calendar months the programme has touched so far (newest first within each)."""
    last_day = max(start, min(as_of, programme_end(start, weeks)))
    months = [m for m in programme_months(start, weeks) if m.start <= last_day]
    return [*reversed(months), programme_to_date(start, weeks, as_of), *reversed(calendar_months(start, last_day))]


def default_period(start: date, weeks: int, as_of: date) -> Period:
    """The programme month under way on ``as_of`` (the last one after the programme ends)."""
    months = programme_months(start, weeks)
    started = [m for m in months if m.start <= as_of]
    return started[-1] if started else months[0]


def parse_period(key: str | None, start: date, weeks: int, as_of: date) -> Period | None:
    """The period a key names (as kept in the URL), or None if it names none."""
    if not key:
        return None
    for option in [*programme_months(start, weeks), programme_to_date(start, weeks, as_of)]:
        if option.key == key:
            return option
    try:
        if ".." in key:
            first, last = (date.fromisoformat(part) for part in key.split("..", 1))
            return custom_period(first, last)
        if len(key) == 7 and key[4] == "-":
            return calendar_month(int(key[:4]), int(key[5:]))
    except ValueError:
        return None
    return None


def previous_period(period: Period, start: date, weeks: int) -> Period | None:
    """The period to compare with: the month before, or as many days just before.

    None when there is nothing fair to compare with: the first programme month, or
    the programme to date.
    """
    if period.key == "to-date":
        return None
    months = programme_months(start, weeks)
    for index, month in enumerate(months):
        if month.key == period.key:
            return months[index - 1] if index else None
    if period.key == f"{period.start.year:04d}-{period.start.month:02d}" and period.start.day == 1:
        before = period.start - timedelta(days=1)
        return calendar_month(before.year, before.month)
    length = timedelta(days=period.days)
    first, last = period.start - length, period.start - timedelta(days=1)
    return Period(f"{first.isoformat()}..{last.isoformat()}", date_span(first, last), first, last)


# ------------------------------------------------------------------ shares and changes
def share(part: int | float, whole: int | float) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


def agreeing(number: int, one: str, many: str) -> str:
    """The word that agrees with ``number``: agreeing(1, 'is', 'are') == 'is'."""
    return one if number == 1 else many


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun: '1 audit', '2 audits', '3,698 records' ('1 safeguarding concern', '3 analyses')."""
    return f"{number:,} {agreeing(number, noun, plural or noun + 's')}"


def percent(value: float | None) -> str:
    """A share as a whole percentage ('45%'); a dash when it cannot be computed."""
    if value is None:
        return "-"
    return f"{round_half_up(value * 100)}%"


def round_half_up(value: float, digits: int = 0) -> int | float:
    """School rounding (2.5 -> 3), so that a figure never differs between the page and the report."""
    factor = 10**digits
    result = math.floor(abs(value) * factor + 0.5) / factor
    result = math.copysign(result, value)
    return int(result) if digits == 0 else result


def one_decimal(value: float | None) -> str:
    return "-" if value is None else f"{round_half_up(value, 1):.1f}"


@dataclass(frozen=True)
class Change:
    """One figure in this period and the one before (``previous`` None: nothing to compare)."""

    current: float | None
    previous: float | None

    @property
    def delta(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def points(self) -> int | None:
        """The change of a share in whole percentage points, rounded as displayed."""
        if self.current is None or self.previous is None:
            return None
        return round_half_up(self.current * 100) - round_half_up(self.previous * 100)


def share_change_words(change: Change) -> str:
    """'fell from 45% to 12%', 'rose from 12% to 20%', 'stayed at 30%', or 'was 30%'."""
    if change.current is None:
        return "could not be measured"
    if change.previous is None:
        return f"was {percent(change.current)}"
    points = change.points
    if points == 0:
        return f"stayed at {percent(change.current)}"
    verb = "rose" if points > 0 else "fell"
    return f"{verb} from {percent(change.previous)} to {percent(change.current)}"


def count_change_words(current: int, previous: int | None) -> str:
    """'136, up 32 on the previous period's 104' / 'down 5' / 'the same as'."""
    if previous is None:
        return f"{current}"
    difference = current - previous
    if difference == 0:
        return f"{current}, the same as the {previous} before"
    direction = "up" if difference > 0 else "down"
    return f"{current}, {direction} {abs(difference)} on the {previous} before"
