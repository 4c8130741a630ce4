"""Small things a user trips on (issue 17), in a real browser because they live in the browser's own
widget state: the Add user form clears after "created"; after moving a practitioner the Teams page
stays on its Practitioners tab and the picker shows the new team."""
from __future__ import annotations

import pytest

from tests.browser.conftest import choose_options, open_tab, signed_in, submit_once, wait_idle

pytestmark = pytest.mark.browser


def test_the_add_user_form_is_empty_after_a_user_is_created(page, server):
    signed_in(page, server, "admin", "admin_users")
    form = page.locator("[data-testid='stForm']").filter(has=page.get_by_role("button", name="Create user"))
    form.get_by_role("textbox", name="Username").fill("r.osei")
    form.get_by_label("Full name").fill("Ruth Osei")
    form.get_by_label("Email (required to sign in through the provider)").fill("ruth.osei@example.org")
    choose_options(page, form, "Roles", "support - ")
    first_password = form.get_by_role("textbox", name="Temporary password").input_value()
    username = form.get_by_role("textbox", name="Username")
    submit_once(page, form.get_by_role("button", name="Create user"), "User 'r.osei' created.",
                lambda: username.input_value() == "r.osei")
    wait_idle(page)
    form = page.locator("[data-testid='stForm']").filter(has=page.get_by_role("button", name="Create user"))
    assert form.get_by_role("textbox", name="Username").input_value() == ""
    assert form.get_by_label("Full name").input_value() == ""
    assert form.get_by_label("Email (required to sign in through the provider)").input_value() == ""
    assert "support - " not in form.inner_text()  # no role left chosen
    assert form.get_by_role("textbox", name="Temporary password").input_value() not in ("", first_password)


def test_moving_a_practitioner_stays_on_the_tab_and_shows_the_new_team(page, server):
    signed_in(page, server, "admin", "admin_teams")
    open_tab(page, page.get_by_role("tab", name="Practitioners"), reruns=True)
    picker = page.get_by_role("combobox", name="Practitioner", exact=True)
    before = picker.input_value()  # "Name (Team)"
    name, old_team = before.rsplit(" (", 1)
    move = page.locator("[data-testid='stForm']").filter(has=page.get_by_role("button", name="Move", exact=True))
    new_team = move.get_by_role("combobox", name="Move to team").input_value()
    assert new_team and new_team != old_team.rstrip(")")
    move.get_by_role("button", name="Move", exact=True).click()
    page.get_by_text(f"{name} moved from").wait_for()
    wait_idle(page)
    assert page.get_by_role("tab", name="Practitioners").get_attribute("aria-selected") == "true"
    assert page.get_by_role("combobox", name="Practitioner", exact=True).input_value() == f"{name} ({new_team})"
