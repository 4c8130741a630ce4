"""AppTest: the remedial-action tracker under each role: the list, filters, transitions, bulk editor, role limits."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from db.engine import get_engine, read_session
from db.models import Audit, Case, Event, RemedialAction, Team
from tests.app.conftest import download_file, page_test, tags_as_text, texts
from tests.conftest import DEMO_TODAY, REFERENCE_DAY, THIS_MONDAY, due_date_the_rules_accept

PAGE = "pages/actions.py"

def pick(at, action_id: int):
    """Open one action by its link (?action=<id>), as an audit's page does: it opens wherever the action
    falls in the paged list (the page re-reads it through the user's scope)."""
    at.query_params["action"] = str(action_id)
    return at.run()



@pytest.fixture(autouse=True)
def demo_today(monkeypatch):
    """The page's 'today' is the day the demo was seeded, whatever the calendar says."""
    import ui.widgets

    monkeypatch.setattr(ui.widgets, "today", lambda: DEMO_TODAY)


def run(username: str, **state):
    at = page_test(PAGE, username, **state).run()
    assert not at.exception, at.exception
    return at


def actions(app_db, *, status: str, team: str | None = None, not_team: str | None = None) -> list[RemedialAction]:
    with read_session(get_engine(app_db)) as s:
        query = (select(RemedialAction).join(Audit, Audit.id == RemedialAction.audit_id)
                 .join(Team, Team.id == Audit.team_id).where(RemedialAction.status == status)
                 .order_by(RemedialAction.due_on, RemedialAction.id))
        if team:
            query = query.where(Team.name == team)
        if not_team:
            query = query.where(Team.name != not_team)
        return list(s.exec(query))


def stored(app_db, action_id: int) -> RemedialAction:
    with read_session(get_engine(app_db)) as s:
        return s.get(RemedialAction, action_id)


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def frames(at, *columns: str, without: str | None = None):
    """The read-only tables on the page that have ``columns`` (and not ``without``)."""
    found = []
    for element in at.dataframe:
        if element.editing_mode != "read_only":
            continue
        frame = element.value
        if set(columns) <= set(frame.columns) and (without is None or without not in frame.columns):
            found.append(tags_as_text(frame))
    return found


def list_frame(at):
    return frames(at, "Raised by", "Due")[0]


def team_counts(at):
    return frames(at, "Team", "Overdue", without="Practitioner")[0]


def owner_counts(at):
    return frames(at, "Practitioner", "Overdue")[0]


def chase_tables(at):
    return frames(at, "Owner", "Working days overdue", without="Raised by")


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def listed(at) -> int:
    """How many actions the list says match the filters (shown or not: the list is paged)."""
    import re

    for element in at.markdown:
        found = re.match(r"\*\*([\d,]+) actions?\*\*", element.value)
        if found:
            return int(found.group(1).replace(",", ""))
    raise AssertionError("no count of the listed actions")


# ------------------------------------------------------------------ who may open it, what they see
@pytest.mark.parametrize("username", ["support", "auditor", "manager", "admin"])
def test_allowed_roles_see_the_tracker_with_overdue_actions_first(username):
    at = run(username)
    assert at.title[0].value == "Remedial actions"
    frame = list_frame(at)
    overdue = int(metric(at, "Overdue"))
    assert overdue > 0
    assert all(str(due).startswith("OVERDUE") for due in frame["Due"][:overdue])
    assert not str(frame["Due"][overdue]).startswith("OVERDUE")
    days = list(frame["Working days overdue"][:overdue])
    assert days == sorted(days, reverse=True) and days[-1] >= 1
    if DEMO_TODAY == REFERENCE_DAY:  # the demo's random ages: on the reference day, some over 10 working days
        assert days[0] > 10
    assert any(f"{overdue} action" in e.value and "overdue" in e.value for e in at.error)


def test_sponsor_is_refused_and_sees_no_case():
    at = run("sponsor")
    assert any("do not have access" in e.value for e in at.error)
    assert "LCS" not in texts(at) and len(at.dataframe) == 0


def test_a_manager_sees_only_their_teams_actions_and_counts():
    at = run("manager")
    frame = list_frame(at)
    assert set(frame["Team"]) == {"Assessment North"}
    assert at.multiselect(key="actions_filter_team").options == ["Assessment North"]
    managed = listed(at)
    at.session_state["actions_tab"] = "Counts by team and owner"
    at.run()
    teams = team_counts(at)
    assert list(teams["Team"]) == ["Assessment North"]
    assert "figures for the teams you manage" in at.caption[0].value.lower()
    support = run("support")
    assert listed(support) > managed


# ------------------------------------------------------------------ filters
def ids_by_name(app_db, model) -> dict[str, int]:
    with read_session(get_engine(app_db)) as s:
        return {row.name: row.id for row in s.exec(select(model))}


def test_filters_team_status_overdue_and_due_this_week(app_db):
    at = run("support")
    everything = listed(at)
    teams = ids_by_name(app_db, Team)
    at.multiselect(key="actions_filter_team").select(teams["Child Protection"]).run()
    frame = list_frame(at)
    assert set(frame["Team"]) == {"Child Protection"} and 0 < listed(at) < everything
    at.multiselect(key="actions_filter_team").unselect(teams["Child Protection"]).run()
    assert listed(at) == everything

    at.toggle(key="actions_filter_overdue").set_value(True).run()
    frame = list_frame(at)
    assert listed(at) == int(metric(at, "Overdue")) and all(d.startswith("OVERDUE") for d in frame["Due"])
    at.toggle(key="actions_filter_overdue").set_value(False).run()

    at.multiselect(key="actions_filter_status").select("done").run()
    frame = list_frame(at)
    assert set(frame["Status"]) == {"Done, to verify"}
    # A done action shows its due date (a date, not its status) and no urgency.
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(d)[:10]) for d in frame["Due on"]) and set(frame["Due"]) == {""}
    at.multiselect(key="actions_filter_status").unselect("done").run()

    at.toggle(key="actions_filter_due_this_week").set_value(True).run()
    frame = list_frame(at)
    assert len(frame) > 0
    sunday = THIS_MONDAY + timedelta(days=6)  # "this week": Monday to Sunday of today's week
    assert all(THIS_MONDAY.isoformat() <= str(d)[:10] <= sunday.isoformat() for d in frame["Due on"])
    assert set(frame["Status"]) <= {"Open", "Reopened"}


def test_owner_and_theme_filters(app_db):
    from db.models import Practitioner, Theme

    at = run("support")
    owner = list_frame(at)["Owner"][0]
    at.multiselect(key="actions_filter_owner").select(ids_by_name(app_db, Practitioner)[owner]).run()
    assert set(list_frame(at)["Owner"]) == {owner}
    at.multiselect(key="actions_filter_owner").set_value([]).run()
    at.multiselect(key="actions_filter_theme").select(ids_by_name(app_db, Theme)["Neglect"]).run()
    frame = list_frame(at)
    assert set(frame["Theme"]) == {"Neglect"} and len(frame) > 10


# ------------------------------------------------------------------ one action
def test_marking_done_is_refused_without_a_note_then_works_with_one(app_db):
    action = actions(app_db, status="open")[0]
    at = run("support")
    pick(at, action.id)
    button(at, "Mark done").click().run()
    assert any("without a note" in e.value for e in at.error)
    assert stored(app_db, action.id).status == "open"

    at.text_area(key=f"actions_detail_done_note_{action.id}").input("Chronology updated with the 2024 referrals.")
    button(at, "Mark done").click().run()
    assert not at.exception
    assert any("Marked done" in s.value for s in at.success)
    row = stored(app_db, action.id)
    assert (row.status, row.completion_note, row.completed_on) == (
        "done", "Chronology updated with the 2024 referrals.", DEMO_TODAY)
    # What the page shows after the save's rerun (the cached list must not be stale): the list is paged,
    # overdue first, so look among the done actions, where it is now "to verify".
    at.multiselect(key="actions_filter_status").set_value(["done"]).run()
    shown = list_frame(at)
    assert shown.loc[shown["Action no."] == action.id, "Status"].tolist() == ["Done, to verify"]


def test_an_auditor_verifies_after_ticking_that_the_record_was_checked(app_db):
    action = actions(app_db, status="done")[0]
    at = run("auditor")
    pick(at, action.id)
    assert "Mark done" not in [b.label for b in at.button]
    button(at, "Verify").click().run()
    assert any("Tick the box" in e.value for e in at.error)
    assert stored(app_db, action.id).status == "done"
    at.checkbox(key=f"actions_detail_verify_checked_{action.id}").check()
    button(at, "Verify").click().run()
    assert any("Verified" in s.value for s in at.success)
    row = stored(app_db, action.id)
    assert row.status == "verified" and row.verified_on == DEMO_TODAY


def test_an_auditor_reopens_with_a_reason(app_db):
    action = actions(app_db, status="done")[0]
    at = run("auditor")
    pick(at, action.id)
    button(at, "Reopen").click().run()
    assert any("why the action is reopened" in e.value.lower() for e in at.error)
    at.text_area(key=f"actions_detail_reopen_reason_{action.id}").input("The chronology still stops in 2023.")
    button(at, "Reopen").click().run()
    row = stored(app_db, action.id)
    assert row.status == "reopened" and row.reopen_reason == "The chronology still stops in 2023."
    # Reopened: the auditor can now no longer verify it, and it can be marked done again.
    labels = [b.label for b in at.button]
    assert "Verify" not in labels and "Mark done" in labels


def test_support_cannot_verify_or_reopen(app_db):
    action = actions(app_db, status="done")[0]
    at = run("support")
    pick(at, action.id)
    labels = [b.label for b in at.button]
    assert "Verify" not in labels and "Reopen" not in labels and "Mark done" not in labels
    assert "Nothing for you to do" in texts(at)


def test_changing_the_due_date_needs_a_reason_and_is_logged(app_db):
    action = actions(app_db, status="open")[0]
    # The Wednesday a fortnight on: a future working day whatever the suite's clock (30 Nov 2026 was used).
    new_due = DEMO_TODAY + timedelta(days=14 + (2 - DEMO_TODAY.weekday()))
    at = run("support")
    pick(at, action.id)
    at.date_input(key=f"actions_detail_due_new_{action.id}").set_value(new_due)
    button(at, "Change the due date").click().run()
    assert any("needs a reason" in e.value for e in at.error)
    at.text_input(key=f"actions_detail_due_reason_{action.id}").input("Practitioner on leave this week")
    button(at, "Change the due date").click().run()
    assert stored(app_db, action.id).due_on == new_due
    with read_session(get_engine(app_db)) as s:
        event = s.exec(select(Event).where(Event.action == "action.due_changed",
                                           Event.object_id == str(action.id))).one()
    assert event.username == "support" and event.after["reason"] == "Practitioner on leave this week"


def test_someone_elses_save_in_between_is_reported_not_overwritten(app_db):
    from core.authz import Role, Scope
    from db import actions as db_actions
    from db.engine import write_session

    action = actions(app_db, status="open")[0]
    at = run("support")
    pick(at, action.id)
    # Someone else marks it done while this user is typing.
    with write_session(get_engine(app_db)) as s:
        db_actions.mark_done(s, Scope(99, "someone", frozenset({Role.ADMIN})), action.id, version=action.version,
                             note="Done by someone else first.", completed_on=DEMO_TODAY, today=DEMO_TODAY)
    at.text_area(key=f"actions_detail_done_note_{action.id}").input("My own note of the same work.")
    button(at, "Mark done").click().run()
    assert any("Someone else changed this action" in e.value for e in at.error)
    assert stored(app_db, action.id).completion_note == "Done by someone else first."


# ------------------------------------------------------------------ role limits, even by widget value
def test_a_manager_cannot_see_or_change_another_teams_action_even_by_widget_value(app_db):
    other = actions(app_db, status="open", not_team="Assessment North")[0]
    with read_session(get_engine(app_db)) as s:
        audit = s.get(Audit, other.audit_id)
        case_reference = s.get(Case, audit.case_id).reference
    at = page_test(PAGE, "manager", actions_list_pick=other.id)
    at.run()
    assert not at.exception
    assert case_reference not in texts(at)
    assert "Mark done" not in [b.label for b in at.button]

    at = page_test(PAGE, "manager")
    at.query_params["action"] = str(other.id)
    at.run()
    assert any(f"Action {other.id} was not found" in w.value for w in at.warning)
    assert case_reference not in texts(at)
    assert "Mark done" not in [b.label for b in at.button]

    # Filtering by the other team through the widget's state shows nothing either.
    with read_session(get_engine(app_db)) as s:
        other_team = s.exec(select(Audit.team_id).where(Audit.id == other.audit_id)).one()
    at = page_test(PAGE, "manager", actions_filter_team=[other_team])
    at.run()
    listed = frames(at, "Raised by", "Due")
    assert not listed or set(listed[0]["Team"]) <= {"Assessment North"}
    assert stored(app_db, other.id).status == "open"


def test_a_manager_marks_their_own_teams_action_done(app_db):
    own = actions(app_db, status="open", team="Assessment North")[0]
    at = run("manager")
    pick(at, own.id)
    at.text_area(key=f"actions_detail_done_note_{own.id}").input("Strategy discussion held and minuted.")
    button(at, "Mark done").click().run()
    assert stored(app_db, own.id).status == "done"


# ------------------------------------------------------------------ bulk editor
def test_bulk_editor_saves_valid_rows_and_reports_the_invalid_one(app_db):
    at = run("support", actions_tab="Update several")
    key = at.session_state["actions_bulk_key"]
    editor = at.data_editor(key=key).value
    first, second, third = (int(i) for i in editor["Action no."][:3])
    new_due = due_date_the_rules_accept()
    at.session_state[key] = {
        "edited_rows": {
            0: {"Status": "done", "What was done": "Child seen alone; views recorded.",
                "Done on": DEMO_TODAY.isoformat()},
            1: {"Status": "done"},  # no note, no date: refused
            2: {"Due on": new_due.isoformat(), "Reason for new due date": "Agreed with the manager"},
        },
        "added_rows": [], "deleted_rows": [],
    }
    button(at, "Save changes").click().run()
    assert not at.exception
    assert any("Saved 2 actions" in w.value and "1 row was not saved" in w.value for w in at.warning)
    assert stored(app_db, first).status == "done"
    assert stored(app_db, first).completed_on == DEMO_TODAY
    assert stored(app_db, second).status == "open"
    assert stored(app_db, third).due_on == new_due
    # The rejected row comes back first, with the user's input and the reason.
    editor = at.data_editor(key=at.session_state["actions_bulk_key"]).value
    top = editor.iloc[0]
    assert int(top["Action no."]) == second and top["Status"] == "done"
    assert "without a note" in top["Problem"] and "date" in top["Problem"]
    with read_session(get_engine(app_db)) as s:
        logged = s.exec(select(Event.object_id).where(Event.object_type == "remedial_action")).all()
    assert str(second) not in logged and str(first) in logged


# ------------------------------------------------------------------ chase list, counts, charts
def test_the_reading_tabs_are_drawn_only_when_open_and_chase_list_counts_and_charts_show():
    at = run("support")
    overdue = int(metric(at, "Overdue"))
    # The chase list, the counts and the charts only read: built when their tab is opened.
    assert chase_tables(at) == [] and not any(m.label.startswith("Completed within") for m in at.metric)
    assert frames(at, "Practitioner", "Overdue") == []

    at = run("support", actions_tab="Chase list")
    shown = texts(at)
    assert f"{overdue} overdue actions" in shown
    assert "grouped by team and owner" in shown
    # One team at a time on screen, the team with the most overdue actions first.
    picker = at.selectbox(key="actions_chase_team")
    first = picker.options[0]
    team_overdue = int(first.split(" · ")[1].split()[0])
    assert [len(frame) for frame in chase_tables(at)] == [team_overdue]
    assert sum(int(o.split(" · ")[1].split()[0]) for o in picker.options) == overdue
    # The tabs where work is typed stay drawn under it, so nothing typed there is lost.
    assert len(frames(at, "Raised by", "Due")) == 1 and at.data_editor(key=at.session_state["actions_bulk_key"])
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download list (CSV)", "Download list (Excel)", "Download chase list (CSV)",
                      "Download chase list (Excel)"]

    at = run("support", actions_tab="Counts by team and owner")
    assert owner_counts(at)["Overdue"].sum() == overdue == team_counts(at)["Overdue"].sum()

    at = run("support", actions_tab="Charts")
    assert metric(at, "Completed within 5 working days").endswith("%")
    assert metric(at, "Red audits' actions verified").endswith("%")
    assert len(at.get("vega_lite_chart")) == 3


def test_a_large_teams_chase_list_is_read_a_page_at_a_time(monkeypatch):
    """Past the page's size (100 rows; lowered to 2 here: on the reference day the demo's busiest team
    has 7 overdue actions, two owners with 2 each, which pages of 2 rows in a row would split; the
    rule itself is worked by hand in tests/unit/test_chase_pages.py), one team's chase list shows a page, says which rows, and pages on; an owner's actions
    stay on one page unless the owner alone has more than a page; another team starts at its first page."""
    import ui.actions_reports

    monkeypatch.setattr(ui.actions_reports, "CHASE_SHOWN", 2)
    at = run("support", actions_tab="Chase list")
    picker = at.selectbox(key="actions_chase_team")
    team_overdue = int(picker.options[0].split(" · ")[1].split()[0])
    assert team_overdue > 2  # the demo's team with the most overdue actions
    pages = []
    while True:
        page = chase_tables(at)[0]
        shown_from = sum(len(p) for p in pages) + 1
        assert f"Rows {shown_from} to {shown_from + len(page) - 1} of {team_overdue}, grouped by owner" in texts(at)
        pages.append(page)
        following = at.button(key="actions_chase_pager_next")  # the list above has its own "Next"
        if following.disabled:
            break
        following.click().run()
    assert len(pages) > 1
    at.button(key="actions_chase_pager_previous").click().run()  # and back one page
    assert list(chase_tables(at)[0]["Action no."]) == list(pages[-2]["Action no."])
    # Every overdue action of the team once, no page over 2 rows.
    numbers = [n for page in pages for n in page["Action no."]]
    assert len(numbers) == len(set(numbers)) == team_overdue
    assert all(1 <= len(page) <= 2 for page in pages)
    # An owner on two pages has more than a page of actions; a page ends early only before a new owner.
    owners = [list(page["Owner"]) for page in pages]
    everyone = [owner for page in owners for owner in page]
    for first, second in zip(owners, owners[1:]):
        if first[-1] == second[0]:
            assert everyone.count(first[-1]) > 2, f"{first[-1]} split over two pages"
        elif len(first) < 2:
            assert everyone.count(second[0]) + len(first) > 2, f"{second[0]} would have fitted on the page before"
    at.selectbox(key="actions_chase_team").select_index(1).run()
    other = int(at.selectbox(key="actions_chase_team").options[1].split(" · ")[1].split()[0])
    first_page = chase_tables(at)[0]
    assert 1 <= len(first_page) <= min(2, other)
    assert other > 2 and f"Rows 1 to {len(first_page)} of {other}," in texts(at)  # back to the first page


def test_list_downloads_are_offered():
    at = run("support")
    assert [b.label for b in at.get("download_button")] == ["Download list (CSV)", "Download list (Excel)"]


def test_a_download_holds_every_listed_action_and_is_logged_when_built(app_db):
    at = run("support")
    total = listed(at)
    assert total > 50  # more than the page shows
    with read_session(get_engine(app_db)) as session:
        before = len(session.exec(select(Event).where(Event.action == "export")).all())
    header, *rows = csv.reader(io.StringIO(download_file(at, "Download list (CSV)").decode("utf-8-sig")))
    assert len(rows) == total and "Action no." in header
    with read_session(get_engine(app_db)) as session:
        exports = session.exec(select(Event).where(Event.action == "export")).all()
    assert len(exports) == before + 1
    assert exports[-1].username == "support" and exports[-1].after == {
        "file": f"remedial-actions-{DEMO_TODAY}.csv", "rows": total}


# ------------------------------------------------------------------ paged on the server, charts follow the filters
def test_the_list_shows_one_page_and_counts_what_is_not_shown(app_db):
    at = run("support")
    total = listed(at)
    first = list(list_frame(at)["Action no."])
    assert len(first) == 50 < total
    assert any(f"showing 1 to 50, {total - 50:,} not shown" in m.value for m in at.markdown)
    button(at, "Next").click().run()
    second = list(list_frame(at)["Action no."])
    assert len(second) == 50 and not set(first) & set(second)
    assert any(f"showing 51 to 100, {total - 50:,} not shown" in m.value for m in at.markdown)
    # A new filter starts again on its first page.
    at.toggle(key="actions_filter_overdue").set_value(True).run()
    assert any("showing" not in m.value and m.value.startswith(f"**{metric(at, 'Overdue')} actions**")
               for m in at.markdown)


def test_the_charts_follow_the_filters_overdue_only_included():
    import pyarrow as pa

    def raised(at) -> int:
        chart = at.get("vega_lite_chart")[0]
        blobs = [chart.proto.data.data] + [d.data.data for d in chart.proto.datasets]
        frame = next(pa.ipc.open_stream(b).read_all().to_pandas() for b in blobs if b)
        return int(frame.loc[frame["What"] == "Raised", "Actions"].sum())

    at = run("support", actions_tab="Charts")
    everything = raised(at)
    at.toggle(key="actions_filter_overdue").set_value(True).run()
    assert raised(at) == int(metric(at, "Overdue")) < everything
    assert any("match the filters" in c.value for c in at.caption)


def test_rows_edited_in_update_several_are_still_there_after_a_look_at_another_tab(app_db):
    """The bulk editor's edits are sent only on "Save changes": its tab is drawn on every run, so its
    editor keeps what was typed while another tab is open (a tab drawn only when open lost it), and
    the save after coming back writes it."""
    at = run("support", actions_tab="Update several")
    key = at.session_state["actions_bulk_key"]
    first = int(at.data_editor(key=key).value["Action no."].iloc[0])
    new_due = due_date_the_rules_accept()
    edit = {0: {"Due on": new_due.isoformat(), "Reason for new due date": "Agreed with the manager"}}
    at.session_state[key] = {"edited_rows": edit, "added_rows": [], "deleted_rows": []}
    at.run()
    at.session_state["actions_tab"] = "Chase list"
    at.run()
    assert chase_tables(at)  # the other tab is open
    at.session_state["actions_tab"] = "Update several"
    at.run()
    assert at.session_state[key]["edited_rows"] == edit
    button(at, "Save changes").click().run()
    assert stored(app_db, first).due_on == new_due
