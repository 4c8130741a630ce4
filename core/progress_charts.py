"""The progress charts, built once from a ``ProgressReport`` for the page and the board report.

Each chart comes with its title (a finding computed from the figures) and a caption
giving n and the period, so a chart shown on a meeting-room screen or printed in the
report says what it shows. Weekly charts run from programme week 1 to the week
holding the period's last day, with the period's weeks drawn solid and the weeks
before it faded. ``width`` None lets Streamlit stretch a chart to its container; the
report passes a width in pixels for the PNG.
"""
from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from core.agreement import SMALL_N
from core.chart_channels import layer_of, opacity_when, tooltips
from core.grades import RAG_COLOURS, Rag
from core.periods import counted, one_decimal, percent, round_half_up, short_date, weeks_in
from core.progress import AUDIT_KINDS, LIVE_DAYS, MEETING_KINDS, ProgressReport
from core.progress_findings import (
    finding_actions,
    finding_agreement,
    finding_burn_up,
    finding_domains,
    finding_liveness,
    finding_meetings,
    finding_rag_by_theme,
    finding_rag_by_week,
    finding_themes,
)

RAG_ORDER = ["R", "A", "G"]
RAG_NAMES = {"R": "Red", "A": "Amber", "G": "Green"}
RAG_SCALE = alt.Scale(domain=[RAG_NAMES[r] for r in RAG_ORDER], range=[RAG_COLOURS[Rag(r)] for r in RAG_ORDER])
PLAN_COLOUR = "#555555"
DONE_COLOUR = "#1d4f91"
# The project's accessible amber (core.grades), 3:1 on white: the usual #e69f00 is 2.25:1.
AMBER_COLOUR = RAG_COLOURS[Rag.AMBER]
FADED = 0.35
# Themes get colours that cannot be mistaken for a RAG rating.
THEME_COLOURS = ["#1d4f91", "#6a3d9a", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#aec7e8"]


@dataclass(frozen=True)
class ProgressChart:
    key: str
    title: str  # the finding
    caption: str  # n and the period
    chart: alt.TopLevelMixin


def _size(chart, width: int | None, height: int):
    """``chart`` (built here, held by no one else) sized and given a flat y title, in place.

    ``.properties()`` and ``.configure_axisY()`` would each deep-copy the whole chart, every layer
    and encoding, for the same spec: about a quarter of a layered chart's build."""
    chart.height = height
    if width is not None:
        chart.width = width
    chart.config = FLAT_Y_TITLE
    return chart


# The y axis's title written flat above the axis, not turned on its side.
FLAT_Y_TITLE = alt.Config(axisY=alt.AxisConfig(titleAngle=0, titleAlign="left", titleBaseline="bottom", titleX=-28,
                                               titleY=-8))


def _room_above(*values: float) -> alt.Scale:
    """A y scale from 0 whose top stays at least a tenth above the largest of ``values`` (and its label)."""
    largest = max((float(v) for v in values if pd.notna(v)), default=0.0)
    return alt.Scale(domain=[0, max(1.0, largest * 1.1)], nice=True)


def _weeks_note(report: ProgressReport) -> str:
    period = report.period
    return (f"{period.title}; programme weeks 1-{report.through_week} shown, "
            f"{period.label} solid" if report.through_week else period.title)


def _period_weeks(report: ProgressReport) -> set[int]:
    return set(weeks_in(report.period, report.programme_start, report.programme_weeks))


def _week_axis(report: ProgressReport) -> alt.X:
    return alt.X("week:O", title="Programme week", sort=list(range(1, report.through_week + 1)),
                 scale=alt.Scale(domain=list(range(1, max(1, report.through_week) + 1))), axis=alt.Axis(labelAngle=0))


def _opacity(report: ProgressReport):
    return opacity_when("datum.in_period", 1.0, FADED)


# ------------------------------------------------------------------ the charts
def burn_up_chart(report: ProgressReport, width: int | None = None, height: int = 300) -> ProgressChart:
    points = report.burn_up()
    weeks = report.programme_weeks
    rows = [{"week": 0, "series": "Done", "audits": 0}] + [
        {"week": p.week, "series": "Done", "audits": p.done} for p in points]
    layers = []
    if report.total_target is not None:
        target = report.total_target
        rows += [{"week": w, "series": "Plan", "audits": round(target * w / weeks, 1)} for w in range(0, weeks + 1)]
    frame = pd.DataFrame(rows)
    series = ["Done", "Plan"] if report.total_target is not None else ["Done"]
    colour = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom-right"),  # clear of the lines and target
                       scale=alt.Scale(domain=series, range=[DONE_COLOUR, PLAN_COLOUR][:len(series)]))
    lines = alt.Chart().mark_line(point=True).encode(  # draws the chart's frame (layer_of below)
        x=alt.X("week:Q", title="Programme week", scale=alt.Scale(domain=[0, weeks]), axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("audits:Q", title="External audits (cumulative)", scale=_room_above(frame["audits"].max())),
        color=colour,
        strokeDash=alt.StrokeDashValue([1, 0], condition={"test": "datum.series == 'Plan'", "value": [6, 4]}),
        tooltip=tooltips("week:Q", "series:N", "audits:Q"),
    )
    layers.append(lines)
    if report.total_target is not None:
        rule = alt.Chart(pd.DataFrame([{"target": report.total_target, "label": f"Target {report.total_target}"}]))
        layers.append(rule.mark_rule(color="#111", strokeWidth=2).encode(y=alt.Y("target:Q")))
        layers.append(rule.mark_text(align="left", dx=4, dy=-8, color="#111").encode(
            y=alt.Y("target:Q"), x=alt.XValue(0), text=alt.Text("label:N")))
    chart = _size(layer_of(frame, *layers), width, height)
    n = report.done_to_date()
    # A manager's chart has neither line: targets are the whole programme's (core.progress).
    key = " Dashed: the straight-line plan; black line: the programme target." if report.total_target is not None else ""
    return ProgressChart("burn_up", finding_burn_up(report),
                         f"n = {n} external audits from the programme's start to {short_date(report.current.up_to)}."
                         f"{key} {report.period.title}.",
                         chart)


def themes_chart(report: ProgressReport, width: int | None = None, height: int = 300) -> ProgressChart:
    rows = []
    targets = report.targets
    for theme in report.themes:
        target = (targets or {}).get(theme)
        for point in report.burn_up(theme):
            value = round(100 * point.done / target, 1) if targets is not None and target else point.done
            rows.append({"week": point.week, "theme": theme, "value": value, "done": point.done,
                         "target": target or 0})
    frame = pd.DataFrame(rows or [{"week": 1, "theme": "", "value": 0, "done": 0, "target": 0}])
    if targets is not None:
        y = alt.Y("value:Q", title="% of the theme's target done", scale=alt.Scale(domain=[0, 110]))
    else:
        y = alt.Y("value:Q", title="External audits (cumulative)")
    layers = [alt.Chart().mark_line(point=True).encode(  # draws the chart's frame (layer_of below)
        x=alt.X("week:Q", title="Programme week", scale=alt.Scale(domain=[1, report.programme_weeks]),
                axis=alt.Axis(tickMinStep=1)),
        y=y,
        color=alt.Color("theme:N", title="Theme", legend=alt.Legend(orient="bottom", columns=3),
                        scale=alt.Scale(range=THEME_COLOURS)),
        tooltip=tooltips("theme:N", "week:Q", "done:Q", "target:Q", alt.Tooltip("value:Q", title="% of target")),
    )]
    if targets is not None:
        plan = pd.DataFrame([{"week": w, "value": round(100 * w / report.programme_weeks, 1)}
                             for w in range(1, report.programme_weeks + 1)])
        layers.append(alt.Chart(plan).mark_line(color=PLAN_COLOUR, strokeDash=[6, 4]).encode(x=alt.X("week:Q"),
                                                                                               y=alt.Y("value:Q")))
        layers.append(alt.Chart(pd.DataFrame([{"value": 100}])).mark_rule(color="#111").encode(y=alt.Y("value:Q")))
    forecasts = {f.name: f for f in report.forecasts()}
    described = "; ".join(f"{name} {f.text}" for name, f in forecasts.items() if name != "All themes")
    ends = short_date(forecasts["All themes"].programme_ends) if forecasts else ""
    to_date = f"from the programme's start to {short_date(report.current.up_to)} (programme weeks 1-{report.through_week})"
    caption = (f"n = {report.done_to_date()} external audits by theme, {to_date}. Dashed: the straight-line plan; "
               f"black line: the target. At the pace of the last 4 complete weeks: {described}; the programme ends on "
               f"{ends}. {report.period.title}."
               if targets is not None else
               f"n = {report.done_to_date()} external audits by theme in {report.scope_label}, {to_date}. "
               f"{report.period.title}.")
    return ProgressChart("themes", finding_themes(report), caption, _size(layer_of(frame, *layers), width, height))


def rag_by_week_chart(report: ProgressReport, width: int | None = None, height: int = 300) -> ProgressChart:
    in_period = _period_weeks(report)
    rows = []
    for week in range(1, report.through_week + 1):
        counts = report.weekly.rag.get(week)
        if counts is None or not counts.total:
            continue
        for letter in RAG_ORDER:
            rows.append({"week": week, "rag": RAG_NAMES[letter], "order": RAG_ORDER.index(letter),
                         "audits": counts.count(letter), "share": percent(counts.share(letter)),
                         "in_period": week in in_period})
    frame = pd.DataFrame(rows or [{"week": 1, "rag": "Red", "order": 0, "audits": 0, "share": "-", "in_period": True}])
    chart = alt.Chart(frame).mark_bar().encode(
        x=_week_axis(report),
        y=alt.Y("audits:Q", stack="normalize", title="Share of audits", axis=alt.Axis(format="%")),
        color=alt.Color("rag:N", scale=RAG_SCALE, title="RAG", legend=alt.Legend(orient="bottom")),
        order=alt.Order("order:Q"),
        opacity=_opacity(report),
        tooltip=tooltips("week:O", "rag:N", "audits:Q", "share:N"),
    )
    total = report.current.rag.total
    return ProgressChart("rag_week", finding_rag_by_week(report),
                         f"n = {total} audits (external and internal) in {report.period.phrase}; moderated grade "
                         f"where moderated. {_weeks_note(report)}.", _size(chart, width, height))


def rag_by_theme_chart(report: ProgressReport, width: int | None = None, height: int = 300) -> ProgressChart:
    rows = []
    for theme in report.current.themes:
        for letter in RAG_ORDER:
            if theme.rag.total:
                rows.append({"theme": f"{theme.theme} (n={theme.rag.total})", "rag": RAG_NAMES[letter],
                             "order": RAG_ORDER.index(letter), "audits": theme.rag.count(letter),
                             "share": percent(theme.rag.share(letter))})
    frame = pd.DataFrame(rows or [{"theme": "", "rag": "Red", "order": 0, "audits": 0, "share": "-"}])
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("theme:N", title=None, sort=None, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        x=alt.X("audits:Q", stack="normalize", title="Share of audits", axis=alt.Axis(format="%")),
        color=alt.Color("rag:N", scale=RAG_SCALE, title="RAG", legend=alt.Legend(orient="bottom")),
        order=alt.Order("order:Q"),
        tooltip=tooltips("theme:N", "rag:N", "audits:Q", "share:N"),
    )
    return ProgressChart("rag_theme", finding_rag_by_theme(report),
                         f"n = {report.current.rag.total} audits (external and internal) in {report.period.title}; "
                         "moderated grade where moderated.", _size(chart, width, height))


def domains_chart(report: ProgressReport, width: int | None = None, height: int = 300) -> ProgressChart:
    rows = []
    for rank, domain in enumerate(report.current.domains):
        for letter in RAG_ORDER:
            rows.append({"domain": domain.domain, "rank": rank, "rag": RAG_NAMES[letter],
                         "order": RAG_ORDER.index(letter), "answers": domain.rag.count(letter),
                         "share": percent(domain.rag.share(letter)), "mean": one_decimal(domain.mean_grade)})
    frame = pd.DataFrame(rows or [{"domain": "", "rank": 0, "rag": "Red", "order": 0, "answers": 0, "share": "-",
                                   "mean": "-"}])
    order = [d.domain for d in report.current.domains]
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("domain:N", title=None, sort=order, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        x=alt.X("answers:Q", stack="normalize", title="Share of graded answers", axis=alt.Axis(format="%")),
        color=alt.Color("rag:N", scale=RAG_SCALE, title="RAG", legend=alt.Legend(orient="bottom")),
        order=alt.Order("order:Q"),
        tooltip=tooltips("domain:N", "rag:N", "answers:Q", "share:N", alt.Tooltip("mean:N", title="Mean grade")),
    )
    answers = sum(d.answers for d in report.current.domains)
    # Every domain needs room for its label, however many the templates have.
    height = max(height, 34 * len(report.current.domains) + 40)
    return ProgressChart("domains", finding_domains(report),
                         f"n = {answers} graded answers in {report.current.rag.total} audits, {report.period.title}; "
                         "weakest domain (lowest mean grade) first; moderated grade where moderated.",
                         _size(chart, width, height))


def agreement_chart(report: ProgressReport, width: int | None = None, height: int = 300) -> ProgressChart:
    """Agreement by week; a week with fewer than ``SMALL_N`` moderations is drawn as a hollow point."""
    in_period = _period_weeks(report)
    rows = []
    for week, agreement in sorted(report.weekly.agreement.items()):
        small = agreement.audits < SMALL_N
        for measure, value in (("Exact agreement", agreement.exact_share),
                               ("Within one grade", agreement.within_one_share)):
            if value is not None:
                rows.append({"week": week, "measure": measure, "percent": round(100 * value, 1),
                             "answers": agreement.answers, "moderations": agreement.audits,
                             "in_period": week in in_period, "small_n": small,
                             "n": counted(agreement.audits, "moderation")
                                  + (f" (fewer than {SMALL_N}: read with care)" if small else "")})
    frame = pd.DataFrame(rows or [{"week": 1, "measure": "Exact agreement", "percent": None, "answers": 0,
                                   "moderations": 0, "in_period": True, "small_n": True, "n": "no moderations"}])
    colour = alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom"),
                       scale=alt.Scale(range=[DONE_COLOUR, "#7aa6d8"]))
    tooltip = tooltips("week:O", "measure:N", "percent:Q", "answers:Q", "n:N")
    base = alt.Chart().encode(
        x=_week_axis(report),
        y=alt.Y("percent:Q", title="% of graded answers", scale=alt.Scale(domain=[0, 100])),
        color=colour,
        tooltip=tooltip,
    )
    chart = layer_of(
        frame,
        base.mark_line(),
        # Points are left out of the accessibility tree (aria=False): an empty layer (no small week,
        # or only small weeks) would otherwise be an unnamed graphic; the line and the table under the
        # chart carry the figures.
        base.transform_filter("!datum.small_n").mark_point(filled=True, size=70, opacity=1, aria=False),
        base.transform_filter("datum.small_n").mark_point(filled=False, size=70, strokeWidth=2, opacity=1,
                                                           aria=False),
    )
    agreement = report.current.agreement
    small_weeks = sorted(w for w, a in report.weekly.agreement.items() if a.audits < SMALL_N)
    small = " Fewer than 10 moderations in the period: read with care." if 0 < agreement.audits < 10 else ""
    hollow = (f" Hollow points: weeks with fewer than {SMALL_N} moderations ({'weeks' if len(small_weeks) > 1 else 'week'} "
              f"{', '.join(str(w) for w in small_weeks)}), too few to read a trend into." if small_weeks else "")
    return ProgressChart("agreement", finding_agreement(report),
                         f"n = {agreement.answers} graded answers in {agreement.audits} moderations completed in "
                         f"{report.period.phrase}; first grade against the moderated grade, by week the moderation was "
                         f"completed. {_weeks_note(report)}.{small}{hollow}", _size(chart, width, height))


def actions_chart(report: ProgressReport, width: int | None = None, height: int = 300) -> ProgressChart:
    in_period = _period_weeks(report)
    rows = []
    for week in range(1, report.through_week + 1):
        counts = report.weekly.actions.get(week)
        for measure in ("raised", "done", "verified"):
            rows.append({"week": week, "measure": measure.capitalize(), "actions": getattr(counts, measure, 0),
                         "in_period": week in in_period})
    frame = pd.DataFrame(rows or [{"week": 1, "measure": "Raised", "actions": 0, "in_period": True}])
    chart = alt.Chart(frame).mark_bar().encode(
        x=_week_axis(report),
        xOffset=alt.XOffset("measure:N", sort=["Raised", "Done", "Verified"]),
        y=alt.Y("actions:Q", title="Remedial actions", scale=_room_above(frame["actions"].max())),
        color=alt.Color("measure:N", title=None, sort=["Raised", "Done", "Verified"],
                        legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["Raised", "Done", "Verified"],
                                        range=[AMBER_COLOUR, "#7aa6d8", DONE_COLOUR])),
        opacity=_opacity(report),
        tooltip=tooltips("week:O", "measure:N", "actions:Q"),
    )
    actions = report.current.actions
    return ProgressChart("actions", finding_actions(report),
                         f"n = {actions.raised} raised, {actions.done} done, {actions.verified} verified in "
                         f"{report.period.phrase}; within 5 working days of being raised, of the {actions.due} due by "
                         f"{short_date(report.as_of)}. {_weeks_note(report)}.", _size(chart, width, height))


def meetings_chart(report: ProgressReport, width: int | None = None, height: int = 300) -> ProgressChart:
    in_period = _period_weeks(report)
    rows = []
    for week in range(1, report.through_week + 1):
        counts = report.weekly.meetings.get(week, {})
        for kind in MEETING_KINDS:
            rows.append({"week": week, "kind": kind.capitalize(), "meetings": counts.get(kind, 0),
                         "in_period": week in in_period})
    frame = pd.DataFrame(rows or [{"week": 1, "kind": "Mentoring", "meetings": 0, "in_period": True}])
    chart = alt.Chart(frame).mark_bar().encode(
        x=_week_axis(report),
        y=alt.Y("meetings:Q", title="Meetings held", scale=_room_above(frame.groupby("week")["meetings"].sum().max())),
        color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["Mentoring", "Reflective"], range=[DONE_COLOUR, "#7aa6d8"])),
        opacity=_opacity(report),
        tooltip=tooltips("week:O", "kind:N", "meetings:Q"),
    )
    return ProgressChart("meetings", finding_meetings(report),
                         f"n = {report.current.mentoring} mentoring and reflective meetings in {report.period.phrase}. "
                         f"{_weeks_note(report)}.", _size(chart, width, height))


def liveness_chart(report: ProgressReport, width: int | None = None, height: int = 300) -> ProgressChart:
    in_period = _period_weeks(report)
    rows = []
    for (week, kind), (audits, days) in sorted(report.weekly.liveness.items()):
        if audits:
            rows.append({"week": week, "kind": kind.capitalize() + " audits", "days": round_half_up(days / audits, 1),
                         "audits": audits, "in_period": week in in_period})
    frame = pd.DataFrame(rows or [{"week": 1, "kind": "External audits", "days": None, "audits": 0, "in_period": True}])
    lines = alt.Chart().mark_line(point=True).encode(  # draws the chart's frame (layer_of below)
        x=_week_axis(report),
        y=alt.Y("days:Q", title="Mean days, work to audit", scale=_room_above(frame["days"].max(), LIVE_DAYS)),
        color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=[k.capitalize() + " audits" for k in AUDIT_KINDS],
                                        range=[DONE_COLOUR, AMBER_COLOUR])),
        tooltip=tooltips("week:O", "kind:N", "days:Q", "audits:Q"),
    )
    rule = alt.Chart(pd.DataFrame([{"days": LIVE_DAYS}])).mark_rule(color="#111", strokeDash=[2, 2]).encode(
        y=alt.Y("days:Q"))
    external, internal = report.current.liveness_of("external"), report.current.liveness_of("internal")
    return ProgressChart(
        "liveness", finding_liveness(report),
        f"n = {external.audits} external and {internal.audits} internal audits with the date of the work in "
        f"{report.period.phrase}; internal audits: {percent(internal.live_share)} within {LIVE_DAYS} days, mean "
        f"{one_decimal(internal.mean_days)} days. Dotted line: {LIVE_DAYS} days. {_weeks_note(report)}.",
        _size(layer_of(frame, lines, rule), width, height))


# Each chart by its key, in the order the page, the presentation and the report show them.
CHARTS = {"burn_up": burn_up_chart, "themes": themes_chart, "rag_week": rag_by_week_chart,
          "rag_theme": rag_by_theme_chart, "domains": domains_chart, "agreement": agreement_chart,
          "actions": actions_chart, "meetings": meetings_chart, "liveness": liveness_chart}


def progress_charts(report: ProgressReport, width: int | None = None, height: int = 300,
                    keys: tuple[str, ...] | None = None) -> list[ProgressChart]:
    """Every progress chart (or those of ``keys``), in the order the page, the presentation and the
    report show them."""
    return [CHARTS[key](report, width=width, height=height) for key in (keys or CHARTS)]


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """A chart as PNG bytes, drawn by Vega itself (vl-convert), with no browser."""
    import vl_convert

    # validate=False: the specs are ours and tested; validating each against the Vega-Lite schema cost
    # more than drawing it.
    return vl_convert.vegalite_to_png(chart.to_dict(validate=False), scale=scale)


__all__ = ["CHARTS", "ProgressChart", "chart_png", "progress_charts"]
