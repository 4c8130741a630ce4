"""What the progress figures say: the headline figures, the findings that title the charts and the narrative.

Each reads one ``ProgressReport`` (``core.progress``), so the page, the charts and the board report say
the same thing. A finding is computed from the figures ("Red audits fell from 45% to 12%"), and the
narrative says what changed since the previous period in numbers, not adjectives.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.periods import (
    Change,
    count_change_words,
    counted,
    one_decimal,
    percent,
    share,
    share_change_words,
    short_date,
)
from core.progress import LIVE_DAYS, ProgressReport


@dataclass(frozen=True)
class Headline:
    """One headline figure: a count, or a share with its n, in the period and the one before.

    Numbers stay numbers (``number`` is a count, or a share from 0 to 1) so that a workbook can
    store them as numbers; ``value``, ``previous`` and ``delta`` are the same figures as printed.
    """

    label: str  # what it counts
    number: int | float | None
    previous_number: int | float | None = None
    n: int | None = None  # a share's denominator; for a count against a target, the target
    previous_n: int | None = None
    unit: str = ""  # what n counts ("audits", "graded answers")
    is_share: bool = False
    has_previous: bool = False
    higher_is_better: bool = True
    help: str = ""  # what it counts and its period, in a sentence
    short: str = ""  # for a small tile on the page; the report prints ``label``
    period: str = ""  # the tile's period, written under its figure ("Month 3", "weeks 1-11")

    @property
    def tile_label(self) -> str:
        return self.short or self.label

    @property
    def tile_caption(self) -> str:
        """Under the tile's figure: a share's n, then the period ("of 38 actions · Month 3"). The period
        in the label ("Actions in 5 working days, Month 3") was cut off at 1366 and 1440 px."""
        return " · ".join(part for part in (self.of_what, self.period) if part)

    def _text(self, number: int | float | None, n: int | None) -> str:
        if self.is_share:
            return f"{percent(number)} of {n or 0} {self.unit}".rstrip()
        if n is not None:
            return f"{number} of {n}"
        return "-" if number is None else str(number)

    @property
    def value(self) -> str:
        return self._text(self.number, self.n)

    @property
    def figure(self) -> str:
        """The tile's large figure: a share's percentage alone ("13%"), which fits a quarter of a 1366 px
        screen; "13% of 168 audits" was cut to "13% of 16..." there. ``of_what`` goes under it."""
        return percent(self.number) if self.is_share else self.value

    @property
    def of_what(self) -> str:
        """Under a share's tile, its n and what it counts ("of 168 audits"); empty for a count."""
        return f"of {self.n or 0} {self.unit}".rstrip() if self.is_share else ""

    @property
    def previous(self) -> str | None:
        return self._text(self.previous_number, self.previous_n) if self.has_previous else None

    @property
    def delta(self) -> str | None:
        """e.g. "+32", "-17 pp"; None when there is nothing to compare."""
        if not self.has_previous:
            return None
        if self.is_share:
            return _points(Change(self.number, self.previous_number))
        if self.number is None or self.previous_number is None:
            return None
        return _signed(self.number - self.previous_number)


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _points(change: Change) -> str | None:
    points = change.points
    return None if points is None else f"{_signed(points)} pp"


# ---------------------------------------------------------------- headline figures
def headlines(report: ProgressReport) -> list[Headline]:
    cur, prev = report.current, report.previous
    had = prev is not None
    label = report.period.label
    items = [
        Headline("External audits submitted in the period", cur.external, prev.external if prev else None,
                 has_previous=had, help=f"Submitted external audits with an audit date in {report.period.phrase}.",
                 short="External audits", period=label),
    ]
    items.append(Headline(
        f"External audits, programme start to the end of week {report.through_week}", report.done_to_date(),
        n=report.total_target,
        help=(f"Submitted external audits from week 1 to week {report.through_week}, against the programme target "
              f"of {report.total_target}; straight-line plan by this week: {report.planned_to_date}."
              if report.total_target is not None else
              f"Submitted external audits of {report.scope_label} from week 1 to week {report.through_week}."),
        short="External audits to date", period=f"weeks 1-{report.through_week}"))
    red, green = report.red_change(), report.green_change()
    graded_before = prev.rag.total if prev else None
    items += [
        Headline("Red audits (Inadequate overall)", red.current, red.previous, cur.rag.total, graded_before,
                 "audits", True, had, higher_is_better=False,
                 help=f"Share of the audits in {report.period.phrase} (external and internal) graded Inadequate "
                      "overall, moderated grade where moderated.", short="Red audits", period=label),
        Headline("Green audits (Good or Outstanding overall)", green.current, green.previous, cur.rag.total,
                 graded_before, "audits", True, had,
                 help=f"Share of the audits in {report.period.phrase} (external and internal) graded Good or "
                      "Outstanding overall, moderated grade where moderated.", short="Green audits", period=label),
    ]
    agreement = report.agreement_change()
    items.append(Headline("Moderation: exact agreement of first and moderated grades", agreement.current,
                          agreement.previous, cur.agreement.answers, prev.agreement.answers if prev else None,
                          "graded answers", True, had,
                          help=f"Graded answers of the {cur.agreement.audits} moderations completed in "
                               f"{report.period.phrase} whose first grade equals the moderated grade.",
                          short="Exact agreement", period=label))
    in_time = report.in_time_change()
    items.append(Headline("Remedial actions done within 5 working days of being raised", in_time.current,
                          in_time.previous, cur.actions.due, prev.actions.due if prev else None, "actions", True,
                          had,
                          help=f"Of the actions raised in {report.period.phrase} that were done or whose 5 working "
                               f"days had passed by {short_date(report.as_of)}: {cur.actions.in_time} of "
                               f"{cur.actions.due} done within 5 working days.",
                          short="Actions in 5 working days", period=label))
    items.append(Headline("Mentoring and reflective meetings held", cur.mentoring,
                          prev.mentoring if prev else None, has_previous=had,
                          help=f"Mentoring and reflective meetings held in {report.period.phrase}.",
                          short="Mentoring meetings", period=label))
    live = report.live_change()
    external = cur.liveness_of("external")
    items.append(Headline(f"External audits of work from the {LIVE_DAYS} days before the audit", live.current,
                          live.previous, external.audits,
                          prev.liveness_of("external").audits if prev else None, "audits", True, had,
                          help=f"External audits in {report.period.phrase} with the date of the work audited; mean "
                               f"{one_decimal(external.mean_days)} days between the work audited and the audit.",
                          short=f"Audits within {LIVE_DAYS} days", period=label))
    return items


# ---------------------------------------------------------------- findings (chart titles)
def finding_burn_up(report: ProgressReport) -> str:
    done = report.done_to_date()
    if report.total_target is None:
        return f"{done} external audits done in {report.scope_label} by the end of week {report.through_week}"
    plan = report.planned_to_date or 0
    gap = done - plan
    position = ("on the straight-line plan" if gap == 0 else
                f"{abs(gap)} {'ahead of' if gap > 0 else 'behind'} the straight-line plan of {plan}")
    return (f"{done} of {report.total_target} planned audits done by the end of week {report.through_week} "
            f"({percent(share(done, report.total_target))}), {position}")


def finding_themes(report: ProgressReport) -> str:
    forecasts = [f for f in report.forecasts() if f.name != "All themes"]
    if not forecasts:
        leader = max(report.current.themes, key=lambda t: report.done_to_date(t.theme), default=None)
        if leader is None:
            return "No external audits yet"
        return f"{leader.theme} has the most external audits: {report.done_to_date(leader.theme)}"
    met = [f for f in forecasts if f.status == "met"]
    track = [f for f in forecasts if f.status == "on track"]
    behind = [f for f in forecasts if f.status == "not at current pace"]
    parts = [f"{len(met)} of {len(forecasts)} themes have met their target"]
    if track:
        parts.append(f"{len(track)} on track")
    if behind:
        parts.append(f"{len(behind)} not at the current pace")
    return ", ".join(parts)


def finding_rag_by_week(report: ProgressReport) -> str:
    change = report.red_change()
    if change.current is None:
        return f"No audits graded in {report.period.phrase}"
    if change.previous is None:
        return f"{percent(change.current)} of audits in {report.period.phrase} were Red ({report.current.rag.red} of " \
               f"{report.current.rag.total})"
    return (f"Red audits {share_change_words(change)} from {_previous_label(report)} to {report.period.label}")


def finding_rag_by_theme(report: ProgressReport) -> str:
    graded = [t for t in report.current.themes if t.rag.total]
    if not graded:
        return f"No audits graded in {report.period.phrase}"
    worst = max(graded, key=lambda t: (t.rag.share("R") or 0, t.rag.total))
    if not worst.rag.red:
        return f"No theme had a Red audit in {report.period.phrase}"
    return (f"{worst.theme} had the highest share of Red audits in {report.period.phrase}: "
            f"{percent(worst.rag.share('R'))} of {worst.rag.total}")


def finding_domains(report: ProgressReport) -> str:
    weakest = report.weakest_domain()
    if weakest is None:
        return f"No graded answers in {report.period.phrase}"
    return (f"{weakest.domain} is the weakest domain: {percent(weakest.rag.share('R'))} of "
            f"{weakest.answers} answers Inadequate, mean grade {one_decimal(weakest.mean_grade)} of 4")


def finding_agreement(report: ProgressReport) -> str:
    agreement = report.current.agreement
    if not agreement.answers:
        return f"No moderations completed in {report.period.phrase}"
    change = report.agreement_change()
    words = share_change_words(change)
    if change.previous is not None:
        first = f"Exact agreement {words} ({_previous_label(report)} to {report.period.label})"
    else:
        first = f"Moderators agreed exactly with {percent(change.current)} of first grades in {report.period.phrase}"
    generous = agreement.generous_share
    if generous is None:
        return first
    return f"{first}; the first grade was the higher one in {percent(generous)} of disagreements"


def finding_actions(report: ProgressReport) -> str:
    actions = report.current.actions
    if not actions.raised and not actions.due:
        return f"No remedial actions raised in {report.period.phrase}"
    if not actions.due:
        return f"{actions.raised} remedial actions raised in {report.period.phrase}, none due yet"
    change = report.in_time_change()
    text = (f"{percent(change.current)} of remedial actions raised in {report.period.phrase} were done within 5 "
            f"working days ({actions.in_time} of {actions.due})")
    if change.previous is not None:
        text += f"; {percent(change.previous)} in {_previous_label(report)}"
    return text


def finding_meetings(report: ProgressReport) -> str:
    current = report.current.mentoring
    previous = report.previous.mentoring if report.previous else None
    if previous is None:
        return f"{current} mentoring and reflective meetings in {report.period.phrase}"
    difference = current - previous
    if difference == 0:
        return (f"{current} mentoring and reflective meetings in {report.period.phrase}, "
                f"as in {_previous_label(report)}")
    return (f"{current} mentoring and reflective meetings in {report.period.phrase}, "
            f"{'up' if difference > 0 else 'down'} {abs(difference)} on {_previous_label(report)}")


def finding_liveness(report: ProgressReport) -> str:
    external = report.current.liveness_of("external")
    if not external.audits:
        return f"No external audits with a date of the work audited in {report.period.phrase}"
    return (f"{percent(external.live_share)} of external audits in {report.period.phrase} looked at work from the "
            f"{LIVE_DAYS} days before "
            f"(mean {one_decimal(external.mean_days)} days)")


def _previous_label(report: ProgressReport) -> str:
    return report.previous.period.label if report.previous else ""


# ---------------------------------------------------------------- the narrative
def narrative(report: ProgressReport) -> list[str]:
    """What changed since the previous period, sentence by sentence, in numbers."""
    cur, prev = report.current, report.previous
    lines = []
    audits = (f"External audits: {count_change_words(cur.external, prev.external if prev else None)}; "
              f"{cur.internal} internal audits.")
    if report.total_target is not None:
        audits += (f" {report.done_to_date()} of {report.total_target} planned audits done by the end of week "
                   f"{report.through_week} ({percent(share(report.done_to_date(), report.total_target))}); "
                   f"the straight-line plan was {report.planned_to_date}.")
    lines.append(audits)
    red, green = report.red_change(), report.green_change()
    if cur.rag.total:
        lines.append(f"Of {cur.rag.total} audits graded, Red {share_change_words(red)} and Green "
                     f"{share_change_words(green)}" + (f" (previous: {prev.rag.total} audits)." if prev else "."))
    weakest = report.weakest_domain()
    if weakest:
        before = prev.domain(weakest.domain) if prev else None
        change = Change(weakest.rag.share("R"), before.rag.share("R") if before and before.answers else None)
        lines.append(f"Weakest domain: {weakest.domain}; the share of its answers graded Inadequate "
                     f"{share_change_words(change)} ({weakest.answers} answers).")
    agreement = cur.agreement
    if agreement.answers:
        lines.append(
            f"Moderation: {counted(agreement.audits, 'audit')} moderated; exact agreement "
            f"{share_change_words(report.agreement_change())} on {counted(agreement.answers, 'answer')}, "
            f"within one grade {percent(agreement.within_one_share)}; the first grade was higher in "
            f"{agreement.first_higher} and lower in {counted(agreement.first_lower, 'answer')}.")
    else:
        lines.append("Moderation: no moderations completed in the period.")
    actions = cur.actions
    lines.append(
        f"Remedial actions: {actions.raised} raised, {actions.done} done and {actions.verified} verified; "
        f"done within 5 working days {share_change_words(report.in_time_change())} "
        f"({actions.in_time} of {actions.due}); {actions.overdue_at_end} overdue on {short_date(cur.up_to)}.")
    lines.append(f"Mentoring and reflective meetings: "
                 f"{count_change_words(cur.mentoring, prev.mentoring if prev else None)}.")
    external = cur.liveness_of("external")
    if external.audits:
        lines.append(f"External audits of work from the last {LIVE_DAYS} days "
                     f"{share_change_words(report.live_change())}; mean {one_decimal(external.mean_days)} days "
                     "between the work and the audit.")
    forecasts = [f for f in report.forecasts() if f.name != "All themes"]
    if forecasts:
        lines.append("At the pace of the last 4 complete weeks: "
                     + "; ".join(f"{f.name} {f.done} of {f.target}, {f.text}" for f in forecasts)
                     + f". The programme ends on {short_date(forecasts[0].programme_ends)}.")
    return lines
