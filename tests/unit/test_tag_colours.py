"""Tables whose cells are coloured tags (``ui.widgets.tag_column``). The tracker's list and its chase list colour each
action's Due and Status by its urgency (README, "Remedial actions"): overdue red, due today or within three working
days amber, verified green, the rest plain grey; on the chase list (overdue and due by the end of the week only)
overdue red and the rest amber. Moderation agreement colours a first auditor's reading. The colours are written out
here, not taken from the app's constants."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ui.actions import chase_tag, due_tag, due_tags
from ui.actions_list import status_shade
from ui.widgets import tag_column

RED, AMBER, GREEN, GREY = "#fde2e1", "#fff4d6", "#dff0e2", "#eeeeee"


WEDNESDAY = date(2026, 11, 25)  # no bank holiday within two weeks either side


def test_the_list_colours_each_due_by_its_urgency():
    # Due on the Monday and Tuesday before: 2 and 1 working days overdue. Today, Thursday, Friday, Monday 30th:
    # due within 0 to 3 working days. Tuesday 1 December: 4 working days; 14 December: 13.
    dues = [date(2026, 11, 23), date(2026, 11, 24), WEDNESDAY, date(2026, 11, 26), date(2026, 11, 27),
            date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 14)]
    assert [due_tag("open", d, WEDNESDAY) for d in dues] == [RED, RED, AMBER, AMBER, AMBER, AMBER, GREY, GREY]
    assert [due_tag("reopened", d, WEDNESDAY) for d in dues[:3]] == [RED, RED, AMBER]
    # Done work is neither overdue nor due: its status says where it is.
    assert [due_tag(status, date(2026, 11, 23), WEDNESDAY) for status in ("done", "verified")] == [GREY, GREY]


def test_the_same_due_words_get_the_colour_of_the_actions_showing_them():
    @dataclass
    class Shown:  # what due_tags reads of an ActionView
        status: str
        due_on: date

    views = [Shown("open", date(2026, 11, 24)), Shown("reopened", date(2026, 11, 24)), Shown("open", WEDNESDAY),
             Shown("open", date(2026, 12, 1)), Shown("done", date(2026, 11, 20))]
    colour = due_tags(views, WEDNESDAY, due_tag)
    assert [colour(words) for words in ("OVERDUE · 1 working day", "Due today", "Due in 4 working days")] == [
        RED, AMBER, GREY]
    chase = due_tags(views, WEDNESDAY, chase_tag)
    assert [chase(words) for words in ("OVERDUE · 1 working day", "Due today", "Due in 4 working days")] == [
        RED, AMBER, AMBER]


def test_only_a_verified_action_has_a_green_status():
    statuses = ["Open", "Reopened", "Done, to verify", "Verified"]
    assert [status_shade(s) for s in statuses] == [GREY, GREY, GREY, GREEN]


def test_the_chase_list_colours_overdue_red_and_the_rest_amber():
    dues = [date(2026, 11, 24), date(2026, 11, 27), WEDNESDAY, date(2026, 12, 1)]
    assert [chase_tag("open", d, WEDNESDAY) for d in dues] == [RED, AMBER, AMBER, AMBER]


def test_a_tag_column_gives_one_tag_a_cell_none_for_no_text_and_a_colour_per_text():
    shade = {"Due today": AMBER, "OVERDUE · 2 working days": RED}.__getitem__
    cells, config = tag_column("Due", ["Due today", "", "OVERDUE · 2 working days", "Due today"], shade)
    assert cells == [["Due today"], [], ["OVERDUE · 2 working days"], ["Due today"]]
    assert config["label"] == "Due"
    assert config["type_config"]["options"] == [{"value": "Due today", "color": AMBER},
                                                {"value": "OVERDUE · 2 working days", "color": RED}]
    _, nothing = tag_column("Due", ["", ""], shade)  # a page of done actions: no tag, no colour
    assert not nothing["type_config"].get("options")


def test_moderation_agreement_colours_a_generous_reading_orange_and_a_harsh_one_blue():
    from ui.agreement import reading_shade

    # README, "Moderation": a first auditor a quarter of a grade or more above the agreed grade on average is
    # "Generous", as far below "Harsh"; the rest plain.
    readings = ("Generous", "Harsh", "In line", "Too few to judge", "Nothing compared")
    assert [reading_shade(r) for r in readings] == ["#fde2c8", "#d6e6f7", GREY, GREY, GREY]
