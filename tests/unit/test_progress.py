"""Unit tests for the progress figures: periods, comparisons, the forecast, findings and the report tables."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from core.authz import Role, Scope
from core.board_report import file_stem
from core.board_report_tables import headline_sheet_rows, moderation_table, report_tables, team_table, theme_table
from core.forecast import burn_up, complete_weeks, current_pace, forecast, planned_by
from core.periods import (
    Change,
    agreeing,
    calendar_month,
    count_change_words,
    counted,
    custom_period,
    default_period,
    parse_period,
    percent,
    period_options,
    previous_period,
    programme_months,
    programme_to_date,
    round_half_up,
    share_change_words,
    week_of,
    weeks_in,
)
from core.progress import (
    FEWER_THAN,
    WITHHELD_WITH,
    ActionFigures,
    Agreement,
    DomainFigures,
    Liveness,
    PeriodFigures,
    ProgressReport,
    RagCounts,
    TeamAgreement,
    TeamFigures,
    ThemeFigures,
    WeekActions,
    WeeklySeries,
    report_audience,
    withheld_groups,
    withhold_small_teams,
    withholds_small_teams,
)
from core.progress_charts import agreement_chart, burn_up_chart
from core.progress_findings import (
    finding_actions,
    finding_agreement,
    finding_burn_up,
    finding_domains,
    finding_liveness,
    finding_meetings,
    finding_rag_by_week,
    finding_themes,
    headlines,
    narrative,
)

START = date(2026, 9, 7)  # a Monday: the demo programme's start as seeded on 26 Nov 2026
WEEKS = 12


# ------------------------------------------------------------------ periods
def test_programme_months_are_four_programme_weeks_each():
    months = programme_months(START, WEEKS)
    assert [(m.key, m.name, m.start, m.end) for m in months] == [
        ("m1", "Month 1 (weeks 1-4)", date(2026, 9, 7), date(2026, 10, 4)),
        ("m2", "Month 2 (weeks 5-8)", date(2026, 10, 5), date(2026, 11, 1)),
        ("m3", "Month 3 (weeks 9-12)", date(2026, 11, 2), date(2026, 11, 29)),
    ]
    assert months[1].title == "Month 2 (weeks 5-8), 5 Oct - 1 Nov 2026"


def test_a_programme_not_a_multiple_of_four_weeks_ends_with_a_short_month():
    assert [m.name for m in programme_months(START, 10)] == [
        "Month 1 (weeks 1-4)", "Month 2 (weeks 5-8)", "Month 3 (weeks 9-10)"]
    assert programme_months(START, 9)[-1].name == "Month 3 (week 9)"


def test_calendar_months_know_their_lengths():
    assert calendar_month(2026, 12).end == date(2026, 12, 31)
    assert calendar_month(2028, 2).end == date(2028, 2, 29)
    assert calendar_month(2026, 2).end == date(2026, 2, 28)
    assert calendar_month(2026, 11).title == "November 2026, 1 Nov - 30 Nov 2026"


@pytest.mark.parametrize("key, previous", [
    ("m2", ("m1", date(2026, 9, 7), date(2026, 10, 4))),
    ("m3", ("m2", date(2026, 10, 5), date(2026, 11, 1))),
    ("m1", None),
    ("to-date", None),
    ("2026-11", ("2026-10", date(2026, 10, 1), date(2026, 10, 31))),
    ("2026-01", ("2025-12", date(2025, 12, 1), date(2025, 12, 31))),
    ("2026-10-10..2026-10-19", ("2026-09-30..2026-10-09", date(2026, 9, 30), date(2026, 10, 9))),
])
def test_the_period_to_compare_with(key, previous):
    period = parse_period(key, START, WEEKS, date(2026, 11, 26))
    before = previous_period(period, START, WEEKS)
    if previous is None:
        assert before is None
    else:
        assert (before.key, before.start, before.end) == previous
        assert before.days == period.days or period.key.startswith("20")  # calendar months differ in length


@pytest.mark.parametrize("key", ["", None, "m9", "month-2", "2026-13", "2026-10-40..2026-11-01", "x..y",
                                 "2026-10-05..2026-09-01"])
def test_keys_that_name_no_period(key):
    assert parse_period(key, START, WEEKS, date(2026, 11, 26)) is None


def test_chosen_dates_are_named_by_their_dates():
    period = custom_period(date(2026, 10, 5), date(2026, 10, 18))
    assert (period.key, period.title, period.days) == ("2026-10-05..2026-10-18", "5 Oct - 18 Oct 2026", 14)
    assert custom_period(date(2026, 12, 28), date(2027, 1, 3)).title == "28 Dec 2026 - 3 Jan 2027"


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        custom_period(date(2026, 10, 2), date(2026, 10, 1))


def test_options_offer_only_months_that_have_begun():
    as_of = date(2026, 10, 14)  # week 6
    keys = [p.key for p in period_options(START, WEEKS, as_of)]
    assert keys == ["m2", "m1", "to-date", "2026-10", "2026-09"]
    to_date = programme_to_date(START, WEEKS, as_of)
    assert (to_date.start, to_date.end, to_date.note) == (START, as_of, "weeks 1-6")


@pytest.mark.parametrize("as_of, key", [
    (date(2026, 9, 1), "m1"), (date(2026, 10, 14), "m2"), (date(2026, 11, 26), "m3"), (date(2027, 3, 1), "m3")])
def test_the_default_period_is_the_month_under_way(as_of, key):
    assert default_period(START, WEEKS, as_of).key == key


def test_programme_weeks_of_days_and_periods():
    assert week_of(START, date(2026, 9, 6)) == 0
    assert week_of(START, START) == 1
    assert week_of(START, date(2026, 9, 13)) == 1  # Sunday ends week 1
    assert week_of(START, date(2026, 11, 26)) == 12
    assert weeks_in(calendar_month(2026, 10), START, WEEKS) == [4, 5, 6, 7, 8]  # 28 Sep - 1 Nov
    assert weeks_in(programme_months(START, WEEKS)[1], START, WEEKS) == [5, 6, 7, 8]


# ------------------------------------------------------------------ shares and changes
def test_percentages_round_half_up_the_same_way_everywhere():
    assert percent(0.125) == "13%"  # Python's round() would say 12
    assert percent(0.124) == "12%"
    assert percent(None) == "-"
    assert percent(1.0) == "100%"
    assert round_half_up(2.25, 1) == 2.3
    assert round_half_up(-2.5) == -3


def test_a_count_of_one_is_singular():
    assert counted(1, "audit") == "1 audit"
    assert counted(0, "audit") == "0 audits"
    assert counted(2, "safeguarding concern") == "2 safeguarding concerns"
    assert counted(1, "analysis", "analyses") == "1 analysis"
    assert counted(3, "analysis", "analyses") == "3 analyses"
    assert counted(3698, "reflective feedback record") == "3,698 reflective feedback records"  # as a board reads it
    assert [agreeing(n, "is", "are") for n in (0, 1, 2)] == ["are", "is", "are"]


def test_changes_are_said_in_numbers():
    assert share_change_words(Change(0.12, 0.45)) == "fell from 45% to 12%"
    assert share_change_words(Change(0.2, 0.124)) == "rose from 12% to 20%"
    assert share_change_words(Change(0.301, 0.299)) == "stayed at 30%"
    assert share_change_words(Change(0.3, None)) == "was 30%"
    assert share_change_words(Change(None, 0.3)) == "could not be measured"
    assert Change(0.12, 0.45).points == -33
    assert count_change_words(136, 114) == "136, up 22 on the 114 before"
    assert count_change_words(10, 15) == "10, down 5 on the 15 before"
    assert count_change_words(7, 7) == "7, the same as the 7 before"
    assert count_change_words(7, None) == "7"


# ------------------------------------------------------------------ the forecast
def test_the_plan_is_a_straight_line_to_the_target():
    assert planned_by(90, 12, 3) == 22.5
    assert planned_by(90, 12, 14) == 90
    points = burn_up({1: 5, 2: 0, 3: 10}, 90, 12, 4)
    assert [(p.week, p.done, p.planned) for p in points] == [(1, 5, 7.5), (2, 5, 15.0), (3, 15, 22.5), (4, 15, 30.0)]


def test_only_complete_weeks_set_the_pace():
    assert complete_weeks(START, WEEKS, date(2026, 11, 1)) == 8  # the Sunday ends week 8
    assert complete_weeks(START, WEEKS, date(2026, 11, 26)) == 11  # Thursday of week 12
    assert complete_weeks(START, WEEKS, date(2026, 9, 8)) == 0
    assert complete_weeks(START, WEEKS, date(2027, 1, 1)) == 12
    weekly = {w: w for w in range(1, 13)}  # 1, 2, ... 12 audits a week
    assert current_pace(weekly, START, WEEKS, date(2026, 11, 26)) == ((8 + 9 + 10 + 11) / 4, 4)
    assert current_pace(weekly, START, WEEKS, date(2026, 9, 20)) == ((1 + 2) / 2, 2)
    assert current_pace(weekly, START, WEEKS, date(2026, 9, 8)) == (None, 0)


def test_forecast_after_the_programme_ends_is_not_at_current_pace():
    weekly = {w: 7 for w in range(1, 9)}  # 56 done by the end of week 8, 7 a week
    result = forecast("Assessment", weekly, 90, START, WEEKS, date(2026, 11, 1))
    # 34 to go at 7 a week is 34 days: 5 Dec, after the programme ends on 29 Nov.
    assert (result.done, result.remaining, result.pace) == (56, 34, 7.0)
    assert result.forecast_on == date(2026, 12, 5)
    assert result.status == "not at current pace"
    assert result.text == "not at current pace (5 Dec 2026)"


def test_forecast_within_the_programme_is_on_track():
    weekly = {w: 7 for w in range(1, 9)}
    result = forecast("Risk", weekly, 60, START, WEEKS, date(2026, 11, 1))
    assert result.forecast_on == date(2026, 11, 5)  # 4 to go at 1 a day
    assert (result.status, result.text) == ("on track", "forecast 5 Nov 2026")


def test_a_met_target_says_in_which_week():
    weekly = {w: 7 for w in range(1, 9)}  # 49 by week 7, 56 by week 8
    result = forecast("Neglect", weekly, 50, START, WEEKS, date(2026, 11, 1))
    assert (result.status, result.met_in_week, result.text) == ("met", 8, "target met in week 8")
    assert result.forecast_on is None and result.remaining == 0


def test_no_audits_lately_and_too_early_and_no_target():
    stalled = forecast("Front door", {1: 10, 2: 10}, 90, START, WEEKS, date(2026, 11, 1))
    assert stalled.pace == 0 and stalled.status == "not at current pace"
    assert stalled.text == "not at current pace (no audits in the last weeks)"
    early = forecast("Front door", {1: 4}, 90, START, WEEKS, date(2026, 9, 9))
    assert early.status == "too early" and "too early" in early.text
    assert forecast("Other", {1: 4}, 0, START, WEEKS, date(2026, 11, 1)).text == "no target set"


# ------------------------------------------------------------------ findings and the narrative
def _period_figures(period, *, external, red, amber, green, mentoring, agreement, actions, domain_red):
    return PeriodFigures(
        period=period, up_to=period.end,
        themes=[ThemeFigures("Assessment", external, 2, RagCounts(red, amber, green))],
        teams=[TeamFigures("Assessment North", external, 2, RagCounts(red, amber, green), actions.raised, actions.due,
                           actions.in_time, actions.overdue_at_end)],
        domains=[DomainFigures("Lived experience and voice", RagCounts(domain_red, 10 - domain_red, 0),
                               domain_red + 2 * (10 - domain_red), 0)],
        agreement=agreement, agreement_by_team=[], actions=actions,
        meetings={"mentoring": mentoring, "reflective": 0, "workshop": 1, "coaching": 0},
        liveness=[Liveness("external", external, external * 4, {"0-7 days": external}), Liveness("internal", 0, 0, {})],
    )


def _report(with_previous: bool = True) -> ProgressReport:
    months = programme_months(START, WEEKS)
    current = _period_figures(months[1], external=8, red=2, amber=4, green=4, mentoring=15,
                              agreement=Agreement(3, 20, 15, 19, 4, 1, 3, 2),
                              actions=ActionFigures(6, 5, 4, 5, 4, 1), domain_red=3)
    previous = _period_figures(months[0], external=10, red=4, amber=4, green=2, mentoring=10,
                               agreement=Agreement(), actions=ActionFigures(4, 4, 4, 4, 2, 0), domain_red=6)
    weekly = WeeklySeries(
        through_week=8, external_by_theme={"Assessment": {w: 2 for w in range(1, 9)}},
        rag={w: RagCounts(1, 1, 1) for w in range(1, 9)}, agreement={7: Agreement(3, 20, 15, 19, 4, 1, 3, 2)},
        actions={w: WeekActions(1, 1, 1) for w in range(1, 9)}, meetings={5: {"mentoring": 15}},
        liveness={(5, "external"): (8, 32)},
    )
    return ProgressReport("Test programme", START, WEEKS, date(2026, 11, 26), "all teams", {"Assessment": 24},
                          current, previous if with_previous else None, weekly)


def test_chart_titles_state_their_findings():
    report = _report()
    assert finding_rag_by_week(report) == "Red audits fell from 40% to 20% from Month 1 to Month 2"
    assert finding_burn_up(report) == (
        "16 of 24 planned audits done by the end of week 8 (67%), on the straight-line plan")
    assert finding_domains(report) == (
        "Lived experience and voice is the weakest domain: 30% of 10 answers Inadequate, mean grade 1.7 of 4")
    assert finding_agreement(report) == (
        "Moderators agreed exactly with 75% of first grades in Month 2; the first grade was the higher one in 80% "
        "of disagreements")
    assert finding_actions(report) == (
        "80% of remedial actions raised in Month 2 were done within 5 working days (4 of 5); 50% in Month 1")
    assert finding_meetings(report) == "15 mentoring and reflective meetings in Month 2, up 5 on Month 1"
    # 8 to go at 2 a week is 28 days from 1 Nov: 29 Nov, the programme's last day.
    assert finding_themes(report) == "0 of 1 themes have met their target, 1 on track"
    assert report.forecasts()[0].forecast_on == date(2026, 11, 29)
    assert finding_liveness(report) == (
        "100% of external audits in Month 2 looked at work from the 7 days before (mean 4.0 days)")


def test_without_a_previous_period_nothing_is_compared():
    report = _report(with_previous=False)
    assert finding_rag_by_week(report) == "20% of audits in Month 2 were Red (2 of 10)"
    figures = {h.label: h for h in headlines(report)}
    red = figures["Red audits (Inadequate overall)"]
    assert red.previous is None and red.delta is None
    assert not any("before" in line for line in narrative(report))


def test_headlines_and_narrative_give_the_numbers():
    report = _report()
    figures = {h.label: (h.value, h.previous, h.delta) for h in headlines(report)}
    assert figures["External audits submitted in the period"] == ("8", "10", "-2")
    assert figures["External audits, programme start to the end of week 8"] == ("16 of 24", None, None)
    # Shares carry their n: 2 Red of 10 graded audits; 4 of 10 in Month 1.
    assert figures["Red audits (Inadequate overall)"] == ("20% of 10 audits", "40% of 10 audits", "-20 pp")
    assert figures["Remedial actions done within 5 working days of being raised"] == (
        "80% of 5 actions", "50% of 4 actions", "+30 pp")
    assert figures["Moderation: exact agreement of first and moderated grades"] == (
        "75% of 20 graded answers", "- of 0 graded answers", None)
    assert figures["Mentoring and reflective meetings held"] == ("15", "10", "+5")
    # Every tile names what it counts, and under its figure a share's n and its period (short labels:
    # the period in the label was cut off at 1366 px).
    assert [(h.tile_label, h.tile_caption) for h in headlines(report)] == [
        ("External audits", "Month 2"), ("External audits to date", "weeks 1-8"),
        ("Red audits", "of 10 audits · Month 2"), ("Green audits", "of 10 audits · Month 2"),
        ("Exact agreement", "of 20 graded answers · Month 2"), ("Actions in 5 working days", "of 5 actions · Month 2"),
        ("Mentoring meetings", "Month 2"), ("Audits within 7 days", "of 8 audits · Month 2")]
    text = " ".join(narrative(report))
    assert "External audits: 8, down 2 on the 10 before; 2 internal audits." in text
    assert "Red fell from 40% to 20% and Green rose from 20% to 40%" in text
    assert "Inadequate fell from 60% to 30%" in text
    assert "6 raised, 5 done and 4 verified" in text
    assert "Mentoring and reflective meetings: 15, up 5 on the 10 before." in text
    # A count of one is singular ("1 answer", not "1 answers").
    assert ("Moderation: 3 audits moderated; exact agreement was 75% on 20 answers, within one grade 95%; "
            "the first grade was higher in 4 and lower in 1 answer.") in text
    for adjective in ("good", "poor", "excellent", "worrying", "significant", "strong"):
        assert adjective not in text.lower().split()


def test_report_tables_keep_numbers_numeric_and_total_the_themes():
    report = _report()
    headline = {row[0]: row[1:] for row in report_tables(report)[0].rows}
    assert headline["External audits submitted in the period"] == ["8", "10", "down 2"]
    assert headline["Red audits (Inadequate overall)"] == ["20% of 10 audits", "40% of 10 audits", "down 20 pp"]
    assert headline["Mentoring and reflective meetings held"] == ["15", "10", "up 5"]
    assert headline["External audits, programme start to the end of week 8"] == ["16 of 24", None, None]
    # The workbook's rows hold numbers: a share as a fraction beside its n, a count as an integer.
    sheet = {row[0]: (row, share) for row, share in headline_sheet_rows(report)}
    red, is_share = sheet["Red audits (Inadequate overall)"]
    assert is_share and red[2:4] == [0.2, 10] and red[5:7] == [0.4, 10]
    external, is_share = sheet["External audits submitted in the period"]
    assert not is_share and external[2:4] == [8, None] and external[5] == 10
    themes = theme_table(report)
    assert themes.rows[-1][:6] == ["All themes", 24, 8, 2, 16, 67]
    teams = team_table(report)
    assert teams.rows == [["Assessment North", 8, 2, 2, 4, 4, 20, 6, 5, 4, 80, 1, None]]
    keys = [t.key for t in report_tables(report)]
    assert keys == ["headlines", "themes", "forecast", "teams", "domains", "moderation", "actions", "meetings",
                    "liveness", "weekly"]
    assert file_stem(report) == "board-report-month-2-20261005-20261101"


def _team(name: str, external: int, internal: int, red: int) -> TeamFigures:
    return TeamFigures(name, external, internal, RagCounts(red, external + internal - red, 0), 2, 2, 1, 0)


def test_teams_under_three_audits_are_withheld_with_a_complement():
    """Sizes 1, 2, 3, 9 audits: the 1- and 2-audit teams are withheld (fewer than 3); together they hold 3,
    and there are two of them, so no other team is needed to stop them being worked out from the total."""
    assert withheld_groups({"A": 1, "B": 2, "C": 3, "D": 9}) == {"A": FEWER_THAN, "B": FEWER_THAN}
    # One small team alone would be the total minus the others: the smallest other team goes with it.
    assert withheld_groups({"A": 2, "C": 5, "D": 9}) == {"A": FEWER_THAN, "C": WITHHELD_WITH}
    # Two small teams holding 2 audits between them: still fewer than 3, so the smallest other joins.
    assert withheld_groups({"A": 1, "B": 1, "C": 4, "D": 9}) == {"A": FEWER_THAN, "B": FEWER_THAN, "C": WITHHELD_WITH}
    assert withheld_groups({"C": 3, "D": 9}) == {}
    assert FEWER_THAN == "fewer than 3 audits"


def test_a_withheld_team_has_no_figures_in_the_tables():
    months = programme_months(START, WEEKS)
    figures = _period_figures(months[1], external=8, red=2, amber=4, green=4, mentoring=15,
                              agreement=Agreement(3, 20, 15, 19, 4, 1, 3, 2),
                              actions=ActionFigures(6, 5, 4, 5, 4, 1), domain_red=3)
    figures = replace(figures, teams=[_team("Big", 6, 2, 3), _team("Tiny", 1, 0, 1), _team("Mid", 4, 0, 2)],
                      agreement_by_team=[TeamAgreement("Big", Agreement(4, 30, 20, 28, 6, 4, 4, 3)),
                                         TeamAgreement("Tiny", Agreement(1, 8, 2, 8, 6, 0, 1, 0))])
    withheld = withhold_small_teams(figures)
    report = replace(_report(), current=withheld, small_teams_withheld=True)
    rows = {row[0]: row for row in team_table(report).rows}
    assert rows["Big"][1:3] == [6, 2]
    assert rows["Tiny"][1:] == [None] * 11 + ["fewer than 3 audits"]
    assert rows["Mid"][1:] == [None] * 11 + ["withheld with a team of fewer than 3 audits"]
    agreement = {row[0]: row for row in moderation_table(report).rows}
    # Big has 4 moderations, Tiny 1: Tiny is withheld and, alone, takes Big with it.
    assert agreement["Tiny"][1:] == [None] * 7 + ["fewer than 3 audits"]
    assert agreement["Big"][1:] == [None] * 7 + ["withheld with a team of fewer than 3 audits"]
    assert withheld.teams[1] == TeamFigures("Tiny", None, None, None, None, None, None, None, "fewer than 3 audits")
    assert "fewer than 3 audits" in team_table(report).note


def test_the_agreement_chart_marks_weeks_with_fewer_than_5_moderations():
    report = _report()
    weekly = replace(report.weekly, agreement={7: Agreement(3, 20, 15, 19, 4, 1, 3, 2),
                                               8: Agreement(6, 40, 30, 38, 6, 4, 6, 5)})
    chart = agreement_chart(replace(report, weekly=weekly))
    spec = chart.chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert {(r["week"], r["small_n"], r["n"]) for r in rows} == {
        (7, True, "3 moderations (fewer than 5: read with care)"), (8, False, "6 moderations")}
    hollow = [layer for layer in spec["layer"] if layer["mark"].get("filled") is False]
    assert hollow and hollow[0]["transform"] == [{"filter": "datum.small_n"}]
    assert "Hollow points: weeks with fewer than 5 moderations (week 7)" in chart.caption


def test_small_teams_are_withheld_from_whoever_sees_all_teams_only_as_a_sponsor():
    def scope(*roles):
        return Scope(1, "someone", frozenset(roles), frozenset({1}))

    assert withholds_small_teams(scope(Role.SPONSOR))
    assert withholds_small_teams(scope(Role.SPONSOR, Role.MANAGER))  # every team, through the sponsor role
    assert not withholds_small_teams(scope(Role.SPONSOR, Role.AUDITOR))
    assert not withholds_small_teams(scope(Role.ADMIN))
    assert not withholds_small_teams(scope(Role.AUDITOR))
    assert not withholds_small_teams(scope(Role.MANAGER))


def test_users_share_a_cached_report_only_when_it_would_be_the_same_report():
    """The cache key of a progress report: the teams seen and whether small teams are withheld."""
    def scope(user_id, *roles, teams=frozenset()):
        return Scope(user_id, f"user{user_id}", frozenset(roles), frozenset(teams))

    every_team = (None, False)
    assert report_audience(scope(1, Role.AUDITOR)) == every_team
    assert report_audience(scope(2, Role.ADMIN)) == every_team
    assert report_audience(scope(3, Role.SUPPORT)) == every_team
    assert report_audience(scope(4, Role.SPONSOR)) == (None, True)
    assert report_audience(scope(5, Role.SPONSOR, Role.MANAGER, teams={2})) == (None, True)
    assert report_audience(scope(6, Role.MANAGER, teams={3, 1})) == ((1, 3), False)
    assert report_audience(scope(7, Role.MANAGER, teams={1, 3})) == ((1, 3), False)
    assert report_audience(scope(8, Role.MANAGER, teams={1})) == ((1,), False)


def test_the_burn_up_caption_names_the_plan_and_target_lines_only_when_they_are_drawn():
    """A manager's report carries no targets (they are the programme's): no dashed plan, no target line,
    so the caption must not describe them."""
    with_targets = burn_up_chart(_report())
    assert with_targets.caption == ("n = 16 external audits from the programme's start to 1 Nov 2026. Dashed: the "
                                    "straight-line plan; black line: the programme target. Month 2 (weeks 5-8), "
                                    "5 Oct - 1 Nov 2026.")
    scoped = burn_up_chart(replace(_report(), targets=None, scope_label="the teams you manage"))
    assert scoped.caption == ("n = 16 external audits from the programme's start to 1 Nov 2026. "
                              "Month 2 (weeks 5-8), 5 Oct - 1 Nov 2026.")
    assert [layer.get("mark", {}).get("type") for layer in scoped.chart.to_dict(validate=False)["layer"]] == ["line"]
