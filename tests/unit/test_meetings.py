"""Unit tests for the agenda rules (core.agenda, core.agenda_rules) and the meeting and risk-log rules, worked by hand."""
from __future__ import annotations

from datetime import date

import pytest

from core.agenda import (
    MODERATION_DISAGREEMENT, OVERDUE_ACTIONS, RED_PRACTITIONER, RED_SHARE_RISE, RISK_REVIEW, RULES, SAFEGUARDING,
    ActionFact, AgendaInputs, AgendaRules, AgendaWeek, AuditFact, ModerationFact, RiskFact, SafeguardingFact,
    by_rule, default_agenda_week,
)
from core.agenda_rules import build_agenda, was_overdue
from core.meetings import MeetingDraft, meeting_problems
from core.risks import RiskDraft, change_problems, next_review, risk_problems

MONDAY = date(2026, 11, 23)  # the week of 23 to 29 Nov 2026
THURSDAY = date(2026, 11, 26)
WEEK = AgendaWeek(MONDAY, THURSDAY)


def audit(n, day, overall, team=1, practitioner=10, name="Amira Bell", team_name="Team A"):
    return AuditFact(n, day, team, team_name, practitioner, name, overall)


def action(n, due, status="open", completed=None, team=1, owner=10, raised=None):
    return ActionFact(n, team, "Team A" if team == 1 else "Team B", owner, raised or date(2026, 9, 1), due, status,
                      completed)


def only(items, rule):
    return [i for i in items if i.rule == rule]


# ------------------------------------------------------------------ weeks
@pytest.mark.parametrize("today, monday", [
    (date(2026, 11, 30), date(2026, 11, 23)),  # Monday's meeting reviews the week just ended
    (date(2026, 11, 26), date(2026, 11, 23)),  # Thursday: the week so far
    (date(2026, 11, 29), date(2026, 11, 23)),  # Sunday
    (date(2026, 12, 1), date(2026, 11, 30)),   # Tuesday: the new week
])
def test_default_agenda_week(today, monday):
    assert default_agenda_week(today) == monday


def test_a_running_week_is_taken_as_of_today_and_a_past_one_as_of_its_sunday():
    assert WEEK.end == date(2026, 11, 29)
    assert WEEK.as_of == THURSDAY
    assert AgendaWeek(date(2026, 11, 16), THURSDAY).as_of == date(2026, 11, 22)
    assert WEEK.red_window_start() == date(2026, 11, 2)
    assert WEEK.data_from() == date(2026, 11, 2)


# ------------------------------------------------------------------ overdue on a day
@pytest.mark.parametrize("fact, expected", [
    (action(1, date(2026, 11, 20)), True),  # open, due last Friday
    (action(2, THURSDAY), False),  # due today is not overdue yet
    (action(3, date(2026, 11, 20), "done", date(2026, 11, 25)), False),  # done by then
    (action(4, date(2026, 11, 20), "verified", date(2026, 11, 27)), True),  # done only later: overdue then
    (action(5, date(2026, 11, 20), "reopened", date(2026, 11, 19)), True),  # reopened: its old completion is void
    (action(6, date(2026, 12, 4), raised=date(2026, 11, 27)), False),  # raised after the day
])
def test_was_overdue(fact, expected):
    assert was_overdue(fact, THURSDAY) is expected


@pytest.mark.parametrize("as_of, expected", [
    (date(2026, 11, 21), False),  # the Saturday after a Friday due date: no working day has passed
    (date(2026, 11, 22), False),  # the Sunday: a past week's agenda is taken as of its Sunday
    (date(2026, 11, 23), True),   # the Monday: one working day overdue, as the tracker says
])
def test_a_friday_due_date_is_overdue_on_the_agenda_when_the_tracker_says_so(as_of, expected):
    assert was_overdue(action(7, date(2026, 11, 20)), as_of) is expected


def test_over_christmas_the_overdue_day_waits_for_the_next_working_day():
    # Due Thursday 24 December 2026; Friday 25 and Monday 28 (substitute Boxing Day) are bank holidays.
    due_christmas_eve = action(8, date(2026, 12, 24))
    assert was_overdue(due_christmas_eve, date(2026, 12, 28)) is False
    assert was_overdue(due_christmas_eve, date(2026, 12, 29)) is True


# ------------------------------------------------------------------ practitioners with repeated Red audits
def test_two_red_audits_in_the_four_week_window_put_a_practitioner_on_the_agenda():
    inputs = AgendaInputs(audits=(
        audit(1, date(2026, 11, 3), 1),
        audit(2, date(2026, 11, 25), 1, team=2, team_name="Team B"),
        audit(3, date(2026, 11, 10), 3),
        audit(4, date(2026, 10, 30), 1),  # before the window (2 Nov)
        audit(5, date(2026, 11, 4), 1, practitioner=11, name="Ben Carter"),  # one Red only
    ))
    [item] = only(build_agenda(WEEK, inputs), RED_PRACTITIONER)
    assert item.key == "red_practitioner:practitioner-10"
    assert item.title == "Amira Bell: repeated Red audits"
    assert item.reason == (
        "2 of 3 audits Red (Inadequate overall) in the 4 weeks 2 Nov 2026 to 29 Nov 2026; "
        "the latest on 25 Nov 2026 in Team B."
    )
    assert (item.severity, item.team_id, item.practitioner_id) == ("medium", 2, 10)


def test_three_red_audits_are_high_severity_and_most_reds_come_first():
    inputs = AgendaInputs(audits=(
        *[audit(n, date(2026, 11, 9 + n), 1) for n in range(3)],
        *[audit(10 + n, date(2026, 11, 9 + n), 1, practitioner=11, name="Ben Carter") for n in range(2)],
    ))
    items = only(build_agenda(WEEK, inputs), RED_PRACTITIONER)
    assert [(i.practitioner, i.severity) for i in items] == [("Amira Bell", "high"), ("Ben Carter", "medium")]


def test_a_longer_threshold_or_shorter_window_changes_what_is_found():
    inputs = AgendaInputs(audits=(audit(1, date(2026, 11, 3), 1), audit(2, date(2026, 11, 24), 1)))
    assert only(build_agenda(WEEK, inputs, AgendaRules(red_window_weeks=1)), RED_PRACTITIONER) == []
    assert only(build_agenda(WEEK, inputs, AgendaRules(min_red_audits=3)), RED_PRACTITIONER) == []


# ------------------------------------------------------------------ teams whose Red share rose
def _team_week(first_id, monday, grades, team=1, name="Team A"):
    return [audit(first_id + i, monday, g, team=team, team_name=name, practitioner=100 + first_id + i)
            for i, g in enumerate(grades)]


def test_a_team_whose_red_share_rose_is_on_the_agenda():
    last = date(2026, 11, 16)
    inputs = AgendaInputs(audits=(*_team_week(1, MONDAY, [1, 3, 2]), *_team_week(10, last, [1, 3, 3, 2])))
    [item] = only(build_agenda(WEEK, inputs), RED_SHARE_RISE)
    assert item.key == "red_share_rise:team-1"
    assert item.reason == "33% Red in the week of 23 Nov 2026 (1 of 3 audits) against 25% the week before (1 of 4)."
    assert item.severity == "medium"


@pytest.mark.parametrize("this_week, last_week", [
    ([1, 3, 3], [1, 3, 3]),  # the same share: not a rise
    ([1, 3], [3, 3, 3]),  # two audits this week: too few to say
    ([3, 3, 3], [3, 3, 3]),  # no Red at all
    ([1, 1, 3], []),  # nothing to compare with
    ([1, 3, 0, 0], [1, 3, 3]),  # not-applicable grades do not count as audits: 1 of 2 ... too few
])
def test_no_rise_no_item(this_week, last_week):
    inputs = AgendaInputs(audits=(*_team_week(1, MONDAY, this_week), *_team_week(20, date(2026, 11, 16), last_week)))
    assert only(build_agenda(WEEK, inputs), RED_SHARE_RISE) == []


def test_half_or_more_red_is_high_severity():
    inputs = AgendaInputs(audits=(*_team_week(1, MONDAY, [1, 1, 3]), *_team_week(10, date(2026, 11, 16), [1, 3])))
    [item] = only(build_agenda(WEEK, inputs), RED_SHARE_RISE)
    assert item.severity == "high"
    assert item.reason.startswith("67% Red")


# ------------------------------------------------------------------ overdue actions by team
def test_overdue_actions_are_counted_by_team_with_the_oldest_in_working_days():
    inputs = AgendaInputs(actions=(
        action(1, date(2026, 11, 20), owner=10),
        action(2, date(2026, 11, 24), owner=11),
        action(3, date(2026, 11, 24), "done", date(2026, 11, 23)),
        action(4, date(2026, 11, 25), team=2, owner=12),
    ))
    items = only(build_agenda(WEEK, inputs), OVERDUE_ACTIONS)
    assert [i.key for i in items] == ["overdue_actions:team-1", "overdue_actions:team-2"]
    assert items[0].reason == (
        "2 actions overdue on 26 Nov 2026, owned by 2 practitioners; the oldest was due on 20 Nov 2026, "
        "4 working days ago."
    )
    assert (items[0].severity, items[1].severity) == ("medium", "low")


def test_christmas_is_not_counted_as_working_days_late():
    week = AgendaWeek(date(2026, 12, 28), date(2026, 12, 29))
    inputs = AgendaInputs(actions=(action(1, date(2026, 12, 23)),))
    [item] = only(build_agenda(week, inputs), OVERDUE_ACTIONS)
    # 24 Dec, (25, 26 weekend/holidays), 28 Dec is the Boxing Day substitute, 29 Dec: 2 working days.
    assert "2 working days ago" in item.reason


def test_five_overdue_actions_or_ten_working_days_late_is_high():
    five = AgendaInputs(actions=tuple(action(n, date(2026, 11, 25)) for n in range(5)))
    assert only(build_agenda(WEEK, five), OVERDUE_ACTIONS)[0].severity == "high"
    late = AgendaInputs(actions=(action(1, date(2026, 11, 11)),))
    [item] = only(build_agenda(WEEK, late), OVERDUE_ACTIONS)
    assert "11 working days ago" in item.reason and item.severity == "high"
    assert only(build_agenda(WEEK, late, AgendaRules(min_overdue_actions=2)), OVERDUE_ACTIONS) == []


# ------------------------------------------------------------------ safeguarding
def test_unacknowledged_safeguarding_concerns():
    inputs = AgendaInputs(safeguarding=(
        SafeguardingFact(7, "LCS123456", 1, "Team A", date(2026, 11, 18), None),
        SafeguardingFact(8, "LCS654321", 1, "Team A", date(2026, 11, 18), date(2026, 11, 19)),
        SafeguardingFact(9, "LCS111111", 2, "Team B", date(2026, 11, 27), None),  # after today
    ))
    [item] = only(build_agenda(WEEK, inputs), SAFEGUARDING)
    assert item.key == "safeguarding:audit-7"
    assert item.title == "Safeguarding concern on LCS123456 not acknowledged"
    assert "after 6 working days" in item.reason and item.severity == "high"


def test_a_concern_acknowledged_after_a_past_week_was_open_in_that_week():
    concern = SafeguardingFact(7, "LCS123456", 1, "Team A", date(2026, 11, 18), date(2026, 11, 24))
    past = AgendaWeek(date(2026, 11, 16), THURSDAY)
    assert [i.key for i in build_agenda(past, AgendaInputs(safeguarding=(concern,)))] == ["safeguarding:audit-7"]
    assert build_agenda(WEEK, AgendaInputs(safeguarding=(concern,))) == []


# ------------------------------------------------------------------ moderation disagreements
def moderation(n, first, second, compared=8, differing=1, graded=date(2026, 11, 24)):
    return ModerationFact(n, 100 + n, f"LCS10000{n}", 1, "Team A", "Rachel Hughes", graded, first, second, compared,
                          differing)


def test_moderations_two_grades_apart_or_half_the_questions_different():
    inputs = AgendaInputs(moderations=(
        moderation(1, 3, 1),  # two grades apart
        moderation(2, 3, 2, differing=4),  # half the questions
        moderation(3, 3, 2, differing=3),  # 3 of 8: below the threshold
        moderation(4, 4, 1, graded=date(2026, 11, 20)),  # the week before
        moderation(5, 3, 3, compared=0, differing=0),  # nothing compared
    ))
    items = only(build_agenda(WEEK, inputs), MODERATION_DISAGREEMENT)
    assert [i.key for i in items] == ["moderation_disagreement:moderation-1", "moderation_disagreement:moderation-2"]
    assert items[0].severity == "high" and items[1].severity == "medium"
    assert items[0].reason == (
        "Moderated on 24 Nov 2026: 1 of 8 questions graded differently (12%); overall Good by Rachel Hughes, "
        "Inadequate by the moderator (2 grades apart)."
    )
    assert "4 of 8 questions graded differently (50%)" in items[1].reason


# ------------------------------------------------------------------ open risks due for review, and the log
def risk(n, review, status="open", source="", team=1, practitioner=None, description="Drift in neglect cases."):
    return RiskFact(n, team, "Team A", practitioner, "Amira Bell" if practitioner else None, description, "medium",
                    status, review, source)


def test_open_entries_due_for_review_by_the_end_of_the_week():
    inputs = AgendaInputs(open_risks=(
        risk(1, date(2026, 11, 16)), risk(2, date(2026, 11, 29), "monitoring", practitioner=10),
        risk(3, date(2026, 11, 30)), risk(4, None),
    ))
    items = only(build_agenda(WEEK, inputs), RISK_REVIEW)
    assert [(i.key, i.existing_risk_id) for i in items] == [("risk_review:risk-1", 1), ("risk_review:risk-2", 2)]
    assert items[0].reason == "Drift in neglect cases. (open; review was due on 16 Nov 2026)."
    assert items[1].title == "Review entry #2 about Amira Bell, Team A"


def test_an_item_already_open_in_the_log_is_matched_and_not_listed_twice():
    red = (audit(1, date(2026, 11, 3), 1, team=1), audit(2, date(2026, 11, 24), 1, team=1))
    logged = risk(9, date(2026, 11, 20), source=RED_PRACTITIONER, practitioner=10,
                  description="Amira Bell: repeated Red audits. 2 of 2 audits Red ...")
    other = risk(10, date(2026, 11, 20), source=RED_PRACTITIONER, practitioner=11,
                 description="Ben Carter: repeated Red audits. ...")
    items = build_agenda(WEEK, AgendaInputs(audits=red, open_risks=(logged, other)))
    [item] = only(items, RED_PRACTITIONER)
    assert item.existing_risk_id == 9
    # Entry 9 is reviewed through the rule's item; entry 10 still gets its own review item.
    assert [i.existing_risk_id for i in only(items, RISK_REVIEW)] == [10]


def test_agenda_order_and_keys_are_stable_across_weeks():
    inputs = AgendaInputs(
        audits=(audit(1, date(2026, 11, 24), 1), audit(2, date(2026, 11, 25), 1)),
        safeguarding=(SafeguardingFact(7, "LCS123456", 1, "Team A", date(2026, 11, 18), None),),
        open_risks=(risk(1, date(2026, 11, 16)),),
        actions=(action(1, date(2026, 11, 20)),),
    )
    items = build_agenda(WEEK, inputs)
    assert [i.rule for i in items] == [SAFEGUARDING, RED_PRACTITIONER, OVERDUE_ACTIONS, RISK_REVIEW]
    next_week = build_agenda(AgendaWeek(date(2026, 11, 30), date(2026, 12, 2)), inputs)
    assert {i.key for i in items} <= {i.key for i in next_week}
    grouped = by_rule(items)
    assert list(grouped) == list(RULES) and grouped[RED_SHARE_RISE] == []
    assert items[1].description == items[1].title + ". " + items[1].reason


def test_an_empty_week_has_an_empty_agenda():
    assert build_agenda(WEEK, AgendaInputs()) == []


# ------------------------------------------------------------------ meeting rules
def test_a_complete_meeting_has_no_problems():
    draft = MeetingDraft("mentoring", THURSDAY, notes="Lived experience.", user_ids=frozenset({1}),
                         team_ids=frozenset({2}))
    assert meeting_problems(draft, THURSDAY) == []


def test_every_problem_of_a_meeting_is_reported_at_once():
    problems = meeting_problems(MeetingDraft("", None), THURSDAY)
    assert len(problems) == 4
    assert problems[0].startswith("Choose the type of meeting")
    assert "date" in problems[1] and "attended" in problems[2] and "note" in problems[3]


def test_meeting_rules_one_by_one():
    base = dict(held_on=THURSDAY, notes="x", user_ids=frozenset({1}))
    assert any("future" in p for p in meeting_problems(MeetingDraft("workshop", date(2026, 11, 27), notes="x",
                                                                     user_ids=frozenset({1})), THURSDAY))
    assert meeting_problems(MeetingDraft("coaching", **base), THURSDAY) == [
        "A coaching meeting concerns at least one team: choose it."]
    # Workshops and risks-and-issues meetings may be about no team in particular.
    assert meeting_problems(MeetingDraft("risks_and_issues", **base), THURSDAY) == []
    practitioner_only = MeetingDraft("workshop", THURSDAY, notes="x", practitioner_ids=frozenset({5}))
    assert meeting_problems(practitioner_only, THURSDAY) == []
    assert meeting_problems(MeetingDraft("workshop", THURSDAY, notes="   ", user_ids=frozenset({1})), THURSDAY) == [
        "Write a note of what was discussed."]
    too_long = MeetingDraft("workshop", THURSDAY, notes="x" * 5001, user_ids=frozenset({1}))
    assert "5001 characters" in meeting_problems(too_long, THURSDAY)[0]


# ------------------------------------------------------------------ risk-log rules
def test_a_new_entry_needs_a_subject_a_description_and_a_review_date():
    good = RiskDraft("Drift.", "high", THURSDAY, next_review(THURSDAY), team_id=1)
    assert next_review(THURSDAY) == date(2026, 12, 3)
    assert risk_problems(good, THURSDAY) == []
    bad = RiskDraft(" ", "urgent", date(2026, 11, 27), None, status="pending")
    problems = risk_problems(bad, THURSDAY)
    assert problems == [
        "Say which team or practitioner the entry is about.",
        "Describe the risk or issue.",
        "Choose a severity: high, medium or low.",
        "Choose a status: open, monitoring or closed.",
        "The date raised is in the future.",
    ]
    early = RiskDraft("Drift.", "low", THURSDAY, date(2026, 11, 20), practitioner_id=3)
    assert risk_problems(early, THURSDAY) == ["The review date 20 Nov 2026 is before the entry was raised (26 Nov 2026)."]


def test_changes_to_an_entry():
    current = {"status": "open", "severity": "low", "review_on": date(2026, 12, 3), "owner_id": 1}
    raised = date(2026, 11, 26)
    assert change_problems(current, {"status": "closed", "review_on": None}, raised) == []
    assert change_problems(current, {"review_on": None}, raised) == ["An open or monitored entry needs a review date."]
    assert change_problems(current, {"severity": "huge"}, raised) == ["Choose a severity: high, medium or low."]
    assert change_problems(current, {"description": "x"}, raised) == ["These fields cannot be changed here: description."]
    assert "before the entry was raised" in change_problems(current, {"review_on": date(2026, 11, 1)}, raised)[0]


# ------------------------------------------------------------------ what a meeting can discuss
def test_each_rule_shows_its_most_serious_items_first_and_counts_the_rest():
    from core.agenda import AgendaItem, agenda_sections

    def item(n, rule, severity):
        return AgendaItem(key=f"{rule}:{n}", rule=rule, title=f"item {n}", reason="", severity=severity,
                          team_id=1, team="Team A")

    items = [item(1, OVERDUE_ACTIONS, "low"), item(2, OVERDUE_ACTIONS, "high"), item(3, OVERDUE_ACTIONS, "medium"),
             item(4, OVERDUE_ACTIONS, "high"), item(5, SAFEGUARDING, "high")]
    sections = agenda_sections(items, per_rule=3)
    assert [s.rule for s in sections] == list(RULES)  # every rule, in agenda order, even when empty
    overdue = next(s for s in sections if s.rule == OVERDUE_ACTIONS)
    # high (2, then 4: the rule's own order), then medium (3); low (1) is past the three a meeting sees
    assert [i.key for i in overdue.shown] == [f"{OVERDUE_ACTIONS}:2", f"{OVERDUE_ACTIONS}:4", f"{OVERDUE_ACTIONS}:3"]
    assert overdue.not_shown == 1 and overdue.found == 4
    assert overdue.heading == "Overdue remedial actions by team"
    empty = next(s for s in sections if s.rule == RED_SHARE_RISE)
    assert empty.shown == () and empty.not_shown == 0


def test_the_week_by_type_table_has_a_column_per_type_that_occurs_in_kind_order_and_a_total():
    from types import SimpleNamespace as Row

    from core.meetings import weekly_table

    nov2, oct26 = date(2026, 11, 2), date(2026, 10, 26)
    counts = [Row(week_start=nov2, kind="workshop", meetings=1), Row(week_start=nov2, kind="mentoring", meetings=2),
              Row(week_start=oct26, kind="risks_and_issues", meetings=1),
              Row(week_start=oct26, kind="reflective", meetings=1),
              Row(week_start=nov2, kind="mentoring", meetings=1)]  # the same week and type again: added up
    table = weekly_table(counts)
    # No coaching meeting: no Coaching column. Oldest week first; 0 where a week had none of a type.
    assert [list(row) for row in table] == [["Week", "Mentoring", "Reflective", "Workshop", "Risks and issues", "Total"]] * 2
    assert table == [
        {"Week": oct26, "Mentoring": 0, "Reflective": 1, "Workshop": 0, "Risks and issues": 1, "Total": 2},
        {"Week": nov2, "Mentoring": 3, "Reflective": 0, "Workshop": 1, "Risks and issues": 0, "Total": 4},
    ]
    assert weekly_table([]) == []
