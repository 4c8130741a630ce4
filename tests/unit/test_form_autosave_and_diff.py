"""Unit tests: when the audit form autosaves (core.autosave) and how the event log shows a
change (core.event_diff). Expected values are written out from the rules in docs/audit-form.md."""
from __future__ import annotations

from datetime import datetime, timezone

from core.autosave import autosave_due, changed_fields, section_of, uk_time
from core.event_diff import describe_changes, field_changes

DOMAINS = {"seen_alone": "Child's lived experience and voice", "chronology": "Chronology and history",
           "gcp2": "Chronology and history"}


def test_a_questions_fields_are_in_its_domain_and_the_others_in_their_section():
    assert section_of("q.seen_alone.grade", DOMAINS) == "questions: Child's lived experience and voice"
    assert section_of("q.gcp2.rationale", DOMAINS) == "questions: Chronology and history"
    assert section_of("overall_rationale", DOMAINS) == "overall"
    assert section_of("safeguarding_told", DOMAINS) == "safeguarding"
    assert section_of("actions", DOMAINS) == "actions"


def test_empty_none_and_false_are_all_nothing_when_comparing_with_the_last_save():
    saved = {"overall_rationale": "", "safeguarding_concern": False, "q.gcp2.grade": None}
    assert changed_fields(saved, {"overall_rationale": None, "q.gcp2.grade": None}) == set()
    assert changed_fields(saved, {"q.gcp2.grade": 2, "safeguarding_concern": True}) == {"q.gcp2.grade",
                                                                                      "safeguarding_concern"}


def test_autosave_waits_within_one_section_and_writes_when_the_auditor_moves_on():
    # Two fields of one domain, 5 seconds old: wait (the auditor is still in that section).
    assert not autosave_due({"q.chronology.grade", "q.gcp2.rationale"}, DOMAINS, 5, seconds=20)
    # A field of the next domain changed too: the first section is finished, write it.
    assert autosave_due({"q.gcp2.rationale", "q.seen_alone.grade"}, DOMAINS, 5, seconds=20)
    # Still one section, but the change has waited the full 20 seconds: write it.
    assert autosave_due({"q.gcp2.rationale"}, DOMAINS, 20, seconds=20)
    # Nothing changed: nothing to write, however long.
    assert not autosave_due(set(), DOMAINS, 600, seconds=20)


def test_saved_times_read_in_uk_time_summer_and_winter():
    assert uk_time(datetime(2026, 7, 1, 13, 5)) == "14:05 on 01/07/2026"  # BST: UTC+1
    assert uk_time(datetime(2026, 11, 30, 13, 5, tzinfo=timezone.utc)) == "13:05 on 30/11/2026"  # GMT


def test_the_event_log_shows_changed_fields_old_to_new_not_json():
    before = '{"status": "draft", "overall_grade": null, "work_date": "2026-11-20", "lived_experience": "same"}'
    after = '{"status": "submitted", "overall_grade": 1, "work_date": "2026-11-21", "lived_experience": "same"}'
    assert describe_changes(before, after) == (
        "overall grade: (empty) -> 1; status: draft -> submitted; work date: 20/11/2026 -> 21/11/2026"
    )


def test_created_removed_nested_and_boolean_fields_read_as_words():
    changes = [str(c) for c in field_changes(
        {"active": True, "roles": ["auditor"], "team": {"name": "Front Door"}},
        {"active": False, "username": "new.user", "team": {"name": "MASH"}},
    )]
    assert changes == ["active: yes -> no", "roles: auditor -> (removed)", "team.name: Front Door -> MASH",
                       "username: new.user"]
    assert describe_changes(None, None) == ""
    assert describe_changes("", '{"x": "' + "a" * 100 + '"}') == "x: " + "a" * 79 + "…"
