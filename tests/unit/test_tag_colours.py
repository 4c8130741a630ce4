"""Tables whose cells are coloured tags (``ui.widgets.tag_column``). The tracker's list and its chase list colour each
action's Due and Status by its urgency (README, "Remedial actions"): overdue red, due today or within three working
days amber, verified green, the rest plain grey; on the chase list (overdue and due by the end of the week only)
overdue red and the rest amber. Moderation agreement colours a first auditor's reading. The colours are written out
here, not taken from the app's constants."""
from __future__ import annotations

from ui.actions import due_shade
from ui.widgets import tag_column
from ui.actions_list import status_shade
from ui.actions_reports import chase_shade

RED, AMBER, GREEN, GREY = "#fde2e1", "#fff4d6", "#dff0e2", "#eeeeee"


def test_the_list_colours_each_due_by_its_urgency():
    dues = ["OVERDUE · 2 working days", "OVERDUE · 1 working day", "Due today", "Due in 1 working day",
            "Due in 3 working days", "Due in 4 working days", "Due in 13 working days"]
    assert [due_shade(d) for d in dues] == [RED, RED, AMBER, AMBER, AMBER, GREY, GREY]


def test_only_a_verified_action_has_a_green_status():
    statuses = ["Open", "Reopened", "Done, to verify", "Verified"]
    assert [status_shade(s) for s in statuses] == [GREY, GREY, GREY, GREEN]


def test_the_chase_list_colours_overdue_red_and_the_rest_amber():
    dues = ["OVERDUE · 1 working day", "Due in 2 working days", "Due today", "Due in 4 working days"]
    assert [chase_shade(d) for d in dues] == [RED, AMBER, AMBER, AMBER]


def test_a_tag_column_gives_one_tag_a_cell_none_for_no_text_and_a_colour_per_text():
    cells, config = tag_column("Due", ["Due today", "", "OVERDUE · 2 working days", "Due today"], due_shade)
    assert cells == [["Due today"], [], ["OVERDUE · 2 working days"], ["Due today"]]
    assert config["label"] == "Due"
    assert config["type_config"]["options"] == [{"value": "Due today", "color": AMBER},
                                                {"value": "OVERDUE · 2 working days", "color": RED}]
    _, nothing = tag_column("Due", ["", ""], due_shade)  # a page of done actions: no tag, no colour
    assert not nothing["type_config"].get("options")


def test_moderation_agreement_colours_a_generous_reading_orange_and_a_harsh_one_blue():
    from ui.agreement import reading_shade

    # README, "Moderation": a first auditor a quarter of a grade or more above the agreed grade on average is
    # "Generous", as far below "Harsh"; the rest plain.
    readings = ("Generous", "Harsh", "In line", "Too few to judge", "Nothing compared")
    assert [reading_shade(r) for r in readings] == ["#fde2c8", "#d6e6f7", GREY, GREY, GREY]
