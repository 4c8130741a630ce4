"""The board report's tables, from one ``ProgressReport``: what the PDF, the workbook and the Progress page print.

Numbers stay numbers (percentages as whole numbers); ``report_tables`` is also what the Progress page
shows, so the dashboard and the report print the same numbers.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.periods import round_half_up, share, short_date, week_dates
from core.progress import (
    FEWER_THAN,
    LIVE_DAYS,
    LIVENESS_BUCKETS,
    MEETING_KINDS,
    OTHER_MEETING_KINDS,
    Agreement,
    ProgressReport,
)
from core.progress_findings import headlines

PRIVACY_NOTE = "Aggregate and team-level figures only: no case references, practitioner names or free text from audits."



@dataclass(frozen=True)
class ReportTable:
    """One table of the report: numbers stay numbers (percentages as whole numbers)."""

    key: str
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    note: str = ""


def _pct(value: float | None) -> int | None:
    """A share as the whole percentage shown everywhere (22 for 0.2234)."""
    return None if value is None else round_half_up(value * 100)


def _mean(value: float | None) -> float | None:
    return None if value is None else round_half_up(value, 1)


# ------------------------------------------------------------------ the tables
def headline_table(report: ProgressReport) -> ReportTable:
    """The headline figures as printed: each share with its n beside it ("22% of 136 audits")."""
    previous = report.previous.period.name if report.previous else "Previous period"
    rows = [[h.label, h.value, h.previous, _delta_words(h.delta)] for h in headlines(report)]
    return ReportTable("headlines", "Headline figures", ["Figure", report.period.name, previous, "Change"], rows,
                       "A share is printed with its n: '22% of 136 audits' is 30 of 136.")


HEADLINE_SHEET_COLUMNS = ("Figure", "Period", "Value", "n", "Previous period", "Previous value", "Previous n",
                          "Change", "What it counts")


def headline_sheet_rows(report: ProgressReport) -> list[tuple[list[Any], bool]]:
    """The headline figures for the workbook as (row, is a share): numbers stay numbers.

    A share is stored as a fraction (0.22) for the sheet's "0%" format; its n beside it.
    """
    previous = report.previous.period.title if report.previous else None
    rows = []
    for h in headlines(report):
        rows.append(([h.label, report.period.title, h.number, h.n, previous if h.has_previous else None,
                      h.previous_number if h.has_previous else None, h.previous_n if h.has_previous else None,
                      _delta_words(h.delta), h.help], h.is_share))
    return rows


def _delta_words(delta: str | None) -> str | None:
    """'+22' -> 'up 22', '-15 pp' -> 'down 15 pp': a spreadsheet would take a leading sign for a formula."""
    if delta is None:
        return None
    if delta.startswith("+"):
        return f"up {delta[1:]}"
    if delta.startswith("-"):
        return f"down {delta[1:]}"
    return "no change" if delta.split()[0] == "0" else delta


def theme_table(report: ProgressReport) -> ReportTable:
    rows = []
    for theme in report.current.themes:
        target = (report.targets or {}).get(theme.theme)
        to_date = report.done_to_date(theme.theme)
        rows.append([theme.theme, target, theme.external, theme.internal, to_date,
                     _pct(share(to_date, target)) if target else None, theme.rag.total,
                     _pct(theme.rag.share("R")), _pct(theme.rag.share("A")), _pct(theme.rag.share("G"))])
    rag = report.current.rag
    rows.append(["All themes", report.total_target, report.current.external, report.current.internal,
                 report.done_to_date(), _pct(share(report.done_to_date(), report.total_target))
                 if report.total_target else None, rag.total, _pct(rag.share("R")),
                 _pct(rag.share("A")), _pct(rag.share("G"))])
    return ReportTable(
        "themes", f"Audits by theme, {report.period.label}",
        ["Theme", "Target", "External in period", "Internal in period", f"External to week {report.through_week}",
         "% of target", "Audits graded", "Red %", "Amber %", "Green %"],
        rows, "RAG shares are of every audit in the period (external and internal), moderated grade where moderated.")


def team_table(report: ProgressReport) -> ReportTable:
    rows = []
    for t in report.current.teams:
        if t.withheld:
            rows.append([t.team, *([None] * 11), t.withheld])
            continue
        rows.append([t.team, t.external, t.internal, t.rag.red, t.rag.amber, t.rag.green, _pct(t.rag.share("R")),
                     t.actions_raised, t.actions_due, t.actions_in_time, _pct(t.in_time_share),
                     t.actions_overdue_at_end, None])
    note = (f"Audits with an audit date in {report.period.phrase}; actions raised in it, 'due' once their 5 working "
            f"days have passed or they are done (as of {short_date(report.as_of)}); overdue on the period's last day.")
    if report.small_teams_withheld:
        note += (f" A team with {FEWER_THAN} in the period has no figures here (and, where one such team could "
                 "be worked out from the totals, the next smallest team is withheld with it).")
    return ReportTable(
        "teams", f"Audits and remedial actions by team, {report.period.label}",
        ["Team", "External", "Internal", "Red", "Amber", "Green", "Red %", "Actions raised", "Actions due",
         "Done within 5 working days", "% within 5 working days", f"Overdue on {short_date(report.current.up_to)}",
         "Note"],
        rows, note)


def domain_table(report: ProgressReport) -> ReportTable:
    rows = [[d.domain, d.answers, d.rag.red, d.rag.amber, d.rag.green, _pct(d.rag.share("R")),
             _mean(d.mean_grade), d.not_applicable] for d in report.current.domains]
    return ReportTable("domains", f"Domains, weakest first, {report.period.label}",
                       ["Domain", "Graded answers", "Red", "Amber", "Green", "Red %", "Mean grade (1-4)",
                        "Not applicable"], rows,
                       f"Every question's grade in the audits of {report.period.phrase}, moderated grade where "
                       "moderated.")


def _agreement_row(name: str, a: Agreement | None, withheld: str = "") -> list[Any]:
    if a is None:
        return [name, *([None] * (len(AGREEMENT_COLUMNS) - 2)), withheld]
    return [name, a.audits, a.answers, _pct(a.exact_share), _pct(a.within_one_share), a.first_higher, a.first_lower,
            _pct(a.overall_exact_share), None]


AGREEMENT_COLUMNS = ["Moderations of", "Audits moderated", "Graded answers", "Exact agreement %", "Within one grade %",
                     "First grade higher", "First grade lower", "Overall grade agreed %", "Note"]


def moderation_table(report: ProgressReport) -> ReportTable:
    rows = [_agreement_row(f"All teams, {report.period.label}" if report.targets is not None else report.period.label,
                           report.current.agreement)]
    if report.previous:
        rows.append(_agreement_row(f"Previous: {report.previous.period.label}", report.previous.agreement))
    rows += [_agreement_row(t.team, t.agreement, t.withheld) for t in report.current.agreement_by_team]
    note = (f"First grade against the moderated grade, question by question, for moderations completed in "
            f"{report.period.phrase}. 'First grade higher': the first auditor was more generous than the moderator.")
    if report.small_teams_withheld:
        note += f" A team with {FEWER_THAN} moderated in the period has no figures here."
    if 0 < report.current.agreement.audits < 10:
        note += " Fewer than 10 moderations: read with care."
    return ReportTable("moderation", f"Moderation findings, {report.period.label}", AGREEMENT_COLUMNS, rows, note)


def actions_table(report: ProgressReport) -> ReportTable:
    cur, prev = report.current.actions, report.previous.actions if report.previous else None

    def row(label: str, attribute: str) -> list[Any]:
        return [label, getattr(cur, attribute), getattr(prev, attribute) if prev else None]

    rows = [row("Raised", "raised"), row("Done", "done"), row("Verified", "verified"),
            row("Due (5 working days passed, or done)", "due"), row("Done within 5 working days", "in_time"),
            ["% done within 5 working days", _pct(cur.in_time_share), _pct(prev.in_time_share) if prev else None],
            row("Overdue on the period's last day", "overdue_at_end")]
    previous = report.previous.period.name if report.previous else "Previous period"
    return ReportTable("actions", f"Remedial-action performance, {report.period.label}", ["Remedial actions", report.period.name, previous],
                       rows,
                       f"Done within 5 working days of being raised (England and Wales bank holidays skipped), as of "
                       f"{short_date(report.as_of)}.")


def meetings_table(report: ProgressReport) -> ReportTable:
    previous = report.previous.period.name if report.previous else "Previous period"
    rows = [[kind.capitalize(), report.current.meetings.get(kind, 0),
             report.previous.meetings.get(kind, 0) if report.previous else None]
            for kind in MEETING_KINDS + OTHER_MEETING_KINDS]
    rows.append(["Mentoring and reflective", report.current.mentoring,
                 report.previous.mentoring if report.previous else None])
    return ReportTable("meetings", f"Mentoring and support meetings, {report.period.label}",
                       ["Meetings", report.period.name, previous], rows, f"Meetings held in {report.period.phrase}.")


def liveness_table(report: ProgressReport) -> ReportTable:
    rows = []
    for item in report.current.liveness:
        rows.append([item.kind.capitalize(), item.audits, _mean(item.mean_days),
                     *(item.buckets.get(b, 0) for b in LIVENESS_BUCKETS), _pct(item.live_share)])
    return ReportTable("liveness", f"How live the audits were, {report.period.label}: days between the work audited "
                                   "and the audit",
                       ["Audits", "With the date of the work", "Mean days", *LIVENESS_BUCKETS,
                        f"% within {LIVE_DAYS} days"], rows)


def forecast_table(report: ProgressReport) -> ReportTable:
    rows = [[f.name, f.target, f.done, f.remaining, _mean(f.pace), f.status, f.text] for f in report.forecasts()]
    return ReportTable("forecast", f"Forecast at the pace of the last 4 complete weeks, as of "
                                   f"{short_date(report.current.up_to)}",
                       ["Theme", "Target", "Done", "Remaining", "Audits a week", "Status", "Forecast"], rows)


def weekly_table(report: ProgressReport) -> ReportTable:
    rows = []
    burn = {p.week: p for p in report.burn_up()}
    for week in range(1, report.through_week + 1):
        rag = report.weekly.rag.get(week)
        agreement = report.weekly.agreement.get(week)
        actions = report.weekly.actions.get(week)
        meetings = report.weekly.meetings.get(week, {})
        live_n, live_days = report.weekly.liveness.get((week, "external"), (0, 0))
        point = burn.get(week)
        rows.append([
            week, week_dates(report.programme_start, week)[0], report.weekly.external_in_week(week),
            point.done if point else None,
            round_half_up(point.planned) if point and report.targets is not None else None,
            rag.red if rag else 0, rag.amber if rag else 0, rag.green if rag else 0,
            _pct(rag.share("R")) if rag else None,
            _pct(agreement.exact_share) if agreement else None, agreement.answers if agreement else 0,
            actions.raised if actions else 0, actions.done if actions else 0, actions.verified if actions else 0,
            meetings.get("mentoring", 0), meetings.get("reflective", 0), _mean(share(live_days, live_n)),
        ])
    return ReportTable(
        "weekly", f"Week by week, programme weeks 1-{report.through_week}",
        ["Week", "Week starting", "External audits", "External to date", "Plan to date", "Red", "Amber", "Green",
         "Red %", "Exact agreement %", "Answers moderated", "Actions raised", "Actions done", "Actions verified",
         "Mentoring", "Reflective", "Mean days (external)"], rows,
        "Figures up to the period's last day.")


def report_tables(report: ProgressReport) -> list[ReportTable]:
    """Every table of the report, in order (the page shows the same ones)."""
    tables = [headline_table(report), theme_table(report)]
    if report.targets is not None:
        tables.append(forecast_table(report))
    return tables + [team_table(report), domain_table(report), moderation_table(report), actions_table(report),
                     meetings_table(report), liveness_table(report), weekly_table(report)]


__all__ = ["PRIVACY_NOTE", "ReportTable", "headline_sheet_rows", "report_tables"]
