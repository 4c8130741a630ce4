"""AppTest: the Meetings and Risks-and-issues pages under each role, their forms, the agenda and inline updates."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import get_engine, write_session
from db.models import Audit, Event, Meeting, RiskIssue, Team
from db.risks import RiskRow, update_risk
from db.users import load_signed_in
from tests.app.conftest import page_test, texts
from tests.conftest import DEMO_TODAY, THIS_MONDAY

MEETING_ROLES = ["auditor", "manager", "admin"]
REFUSED = ["sponsor", "support"]
# The meeting is on Mondays and reviews the week just ended; on any other day, the week so far.
AGENDA_MONDAY = THIS_MONDAY - timedelta(weeks=1) if DEMO_TODAY.weekday() == 0 else THIS_MONDAY
AGENDA_WEEK = AGENDA_MONDAY.isoformat()  # 2026-11-23 on the reference day


@pytest.fixture(autouse=True)
def demo_today(monkeypatch):
    """Pages take today's date from ui.widgets.today: pin it to the demo's day."""
    import ui.widgets

    monkeypatch.setattr(ui.widgets, "today", lambda: DEMO_TODAY)


def db(app_db) -> Session:
    return Session(get_engine(app_db), expire_on_commit=False)


def button(at, label):
    return next(b for b in at.button if b.label == label)


def count(app_db, model, *where) -> int:
    with db(app_db) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def open_meetings_tab(username: str, label: str):
    """The Meetings page as ``username`` with a tab open: the counts and the history are built only while open."""
    at = page_test("pages/meetings.py", username)
    at.session_state["meetings_tab"] = label
    return at.run()


def open_risks_tab(at, label: str):
    """Open a tab of the Risks and issues page: its tabs are stateful, and the agenda is drawn only when open."""
    at.session_state["risks_tab"] = label
    return at.run()


# ------------------------------------------------------------------ roles
@pytest.mark.parametrize("path", ["pages/meetings.py", "pages/risks.py"])
@pytest.mark.parametrize("username", REFUSED)
def test_sponsor_and_support_are_refused(path, username):
    at = page_test(path, username).run()
    assert any("do not have access" in e.value for e in at.error)
    assert not at.dataframe and not at.checkbox and not at.metric


@pytest.mark.parametrize("username", MEETING_ROLES)
def test_meetings_page_for_each_role(username):
    at = page_test("pages/meetings.py", username).run()
    assert not at.exception
    assert at.title[0].value == "Meetings"
    assert at.session_state["meetings_tab"] == "Record a meeting" and at.text_area  # the form is the first tab
    assert not at.metric and not at.dataframe  # the counts and the history wait for their tabs
    metrics = {m.label: m.value for m in open_meetings_tab(username, "Counts by week").metric}
    at = open_meetings_tab(username, "History")
    summary = at.dataframe[0].value  # the managers' table, then the meetings
    if username == "manager":
        assert 0 < int(metrics["Mentoring and reflective"]) < 101
        assert "the teams you manage and the meetings you attended" in at.caption[0].value
        assert list(summary["Manager"]) == ["Sam Patel"]
    else:
        assert metrics["Mentoring and reflective"] == "101"
        assert metrics["Risks and issues"] == "12"
        assert len(summary) == 8  # the eight team managers


def test_a_manager_sees_only_meetings_about_their_team_or_that_they_attended():
    at = open_meetings_tab("manager", "History")
    history = at.dataframe[1].value  # after the managers' table
    assert len(history) > 0
    for _, row in history.iterrows():
        assert "Assessment North" in row["Teams"] or "Sam Patel" in row["Attended"]
    auditor = open_meetings_tab("auditor", "History")
    assert len(auditor.dataframe[1].value) > len(history)


def test_a_long_history_shows_the_newest_hundred_and_says_how_many_there_are(app_db):
    """The demo's programme holds more meetings than the history lists at once (100, newest first)."""
    with Session(get_engine(app_db)) as s:
        total = s.exec(select(func.count()).select_from(Meeting)).one()
        newest = s.exec(select(Meeting.held_on).order_by(Meeting.held_on.desc())).first()
    assert total > 100
    at = open_meetings_tab("auditor", "History")
    history = at.dataframe[1].value
    assert len(history) == 100 and history["Date"].iloc[0] == newest
    assert f"The newest 100 of {total} meetings." in [c.value for c in at.caption][-1]


def test_manager_form_offers_only_their_team_and_its_practitioners():
    at = page_test("pages/meetings.py", "manager").run()
    assert at.multiselect(key="meetings_record_teams_0").options == ["Assessment North"]
    practitioners = at.multiselect(key="meetings_record_practitioners_0").options
    assert practitioners and all(p.endswith("(Assessment North)") for p in practitioners)


# ------------------------------------------------------------------ recording a meeting
def test_recording_a_meeting_keeps_what_was_typed_on_error_then_saves(app_db):
    before = count(app_db, Meeting)
    reflective = count(app_db, Meeting, Meeting.kind == "reflective")  # 42 in the demo as of the reference day
    at = page_test("pages/meetings.py", "auditor").run()
    with db(app_db) as s:
        team_id = s.exec(select(Team.id).where(Team.name == "Child in Need West")).one()
    notes = "Talked through what Good looks like for lived experience."
    at.text_area(key="meetings_record_notes_0").input(notes)
    at.text_area(key="meetings_record_follow_ups_0").input("Re-audit two cases in January.")
    at.multiselect(key="meetings_record_teams_0").select(team_id)
    button(at, "Record meeting").click().run()
    assert "The meeting was not recorded" in texts(at)
    assert "Choose the type of meeting" in texts(at)
    assert count(app_db, Meeting) == before
    # Nothing typed is lost.
    assert at.text_area(key="meetings_record_notes_0").value == notes
    assert at.multiselect(key="meetings_record_teams_0").value == [team_id]

    at.selectbox(key="meetings_record_kind_0").select("reflective")
    button(at, "Record meeting").click().run()
    assert not at.exception
    assert f"Recorded the reflective meeting of {DEMO_TODAY:%d %b %Y}." in texts(at)  # e.g. 26 Nov 2026, 04 Jan 2027
    assert count(app_db, Meeting) == before + 1
    with db(app_db) as s:
        meeting = s.exec(select(Meeting).order_by(Meeting.id.desc())).first()
        assert (meeting.kind, meeting.held_on, meeting.notes) == ("reflective", DEMO_TODAY, notes)
        event = s.exec(select(Event).where(Event.action == "meeting.record")).one()
        assert event.username == "auditor" and event.after["teams"] == [team_id]
    # The form starts afresh for the next meeting; the counts tab, opened, has it.
    assert at.text_area(key="meetings_record_notes_1").value == ""
    at.session_state["meetings_tab"] = "Counts by week"
    at.run()
    assert int({m.label: m.value for m in at.metric}["Reflective"]) == reflective + 1
    assert at.text_area(key="meetings_record_notes_1").value == ""  # the form is still drawn under its tab


# ------------------------------------------------------------------ the log
def _open_entries(app_db, username):
    with db(app_db) as s:
        scope = load_signed_in(s, username).scope
        from db.risks import risk_log

        return risk_log(s, scope, statuses=["open", "monitoring"])


@pytest.mark.parametrize("username", MEETING_ROLES)
def test_the_log_shows_open_entries_in_scope(app_db, username):
    # One open entry about the manager's team and one about another, whatever the demo's random log
    # holds on the suite's day (on some days none of its open entries is about the manager's team).
    with db(app_db) as s:
        scope = load_signed_in(s, "auditor").scope
        teams = dict(s.exec(select(Team.name, Team.id)).all())
    from core.risks import RiskDraft
    from db.risks import create_risk

    with write_session(get_engine(app_db)) as w:
        for team in ("Assessment North", "Child Protection"):
            create_risk(w, scope, RiskDraft(f"Supervision records are missing in {team}.", "medium", DEMO_TODAY,
                                            DEMO_TODAY + timedelta(days=7), team_id=teams[team]), DEMO_TODAY)
    at = page_test("pages/risks.py", username).run()
    assert not at.exception
    expected = _open_entries(app_db, username)
    assert {m.label: m.value for m in at.metric}["Entries shown"] == str(len(expected))
    table = at.data_editor[0].value
    assert list(table["#"]) == [r.id for r in expected]
    if username == "manager":
        assert set(table["Team"]) == {"Assessment North"}
    else:
        assert len(set(table["Team"])) > 1


def test_log_filters(app_db):
    at = page_test("pages/risks.py", "auditor").run()
    at.multiselect(key="risks_log_status").set_value(["closed"]).run()
    table = at.data_editor[0].value
    assert set(table["Status"]) == {"Closed"}
    assert len(table) == count(app_db, RiskIssue, RiskIssue.status == "closed")
    at.multiselect(key="risks_log_status").set_value([]).run()
    at.toggle(key="risks_log_due").set_value(True).run()
    due = at.data_editor[0].value
    assert len(due) == int({m.label: m.value for m in at.metric}["Due for review"]) > 0
    assert all(d <= DEMO_TODAY for d in pd.to_datetime(due["Review on"]).dt.date)
    at.text_input(key="risks_log_search").input("staffing gaps").run()
    found = at.data_editor[0].value
    assert len(found) > 0 and all("Staffing gaps" in d for d in found["Description"])


def test_inline_status_change_is_saved_and_logged(app_db):
    at = page_test("pages/risks.py", "auditor").run()
    first = int(at.data_editor[0].value["#"].iloc[0])
    at.session_state["risks_log_editor_0"] = {
        "edited_rows": {0: {"Status": "Closed"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    button(at, "Save changes to 1 entry").click().run()
    assert not at.exception
    assert f"Saved changes to #{first}." in texts(at)
    with db(app_db) as s:
        entry = s.get(RiskIssue, first)
        assert (entry.status, entry.closed_on) == ("closed", DEMO_TODAY)
        event = s.exec(select(Event).where(Event.action == "risk.update")).one()
        assert event.username == "auditor" and event.after == {"status": "closed"}
    assert first not in list(at.data_editor[0].value["#"])  # closed entries are filtered out now


def test_inline_change_to_an_entry_someone_else_changed_is_refused_and_kept(app_db):
    at = page_test("pages/risks.py", "auditor").run()
    first = int(at.data_editor[0].value["#"].iloc[0])
    at.session_state["risks_log_editor_0"] = {
        "edited_rows": {0: {"Severity": "Low"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    with db(app_db) as s:
        scope = load_signed_in(s, "admin").scope
    with db(app_db) as s:
        other_status = "open" if s.get(RiskIssue, first).status == "monitoring" else "monitoring"
    with write_session(get_engine(app_db)) as w:
        update_risk(w, scope, first, {"status": other_status}, seen={}, today=DEMO_TODAY)
    button(at, "Save changes to 1 entry").click().run()
    shown = texts(at)
    assert f"Entry #{first} was changed by someone else" in shown and "Nothing was saved" in shown
    with db(app_db) as s:
        entry = s.get(RiskIssue, first)
        assert entry.status == other_status and entry.severity != "low"
    # The edit is still pending, with a way to discard it.
    assert button(at, "Save changes to 1 entry") and button(at, "Discard my changes")
    button(at, "Discard my changes").click().run()
    assert not any(b.label.startswith("Save changes") for b in at.button)


def test_adding_an_entry_by_hand(app_db):
    before = count(app_db, RiskIssue)
    at = open_risks_tab(page_test("pages/risks.py", "manager").run(), "Add an entry")
    assert at.selectbox(key="risks_add_team_0").options == ["Choose a team", "Assessment North"]
    at.text_area(key="risks_add_description_0").input("Supervision records are missing for two months.")
    button(at, "Add to the log").click().run()
    assert "Say which team or practitioner the entry is about." in texts(at)
    assert at.text_area(key="risks_add_description_0").value.startswith("Supervision records")
    at.selectbox(key="risks_add_team_0").select_index(1)
    at.selectbox(key="risks_add_severity_0").select("high")
    button(at, "Add to the log").click().run()
    assert count(app_db, RiskIssue) == before + 1
    assert "to the log." in texts(at)
    assert at.session_state["risks_tab"] == "Add an entry" and at.text_area  # still on the form, emptied
    assert not at.text_area[0].value
    with db(app_db) as s:
        entry = s.exec(select(RiskIssue).order_by(RiskIssue.id.desc())).first()
        assert (entry.severity, entry.status, entry.raised_on, entry.source) == ("high", "open", DEMO_TODAY, "")


# ------------------------------------------------------------------ the suggested agenda
def test_the_agenda_drafts_this_week_and_ticked_items_become_entries(app_db):
    before = count(app_db, RiskIssue)
    meetings_before = count(app_db, Meeting, Meeting.kind == "risks_and_issues")
    # The entries go to the risks-and-issues meeting held today, made if there is none yet.
    held_today = count(app_db, Meeting, Meeting.kind == "risks_and_issues", Meeting.held_on == DEMO_TODAY)
    at = open_risks_tab(page_test("pages/risks.py", "auditor").run(), "Suggested agenda")
    assert at.selectbox(key="risks_agenda_week").value == AGENDA_MONDAY
    shown = texts(at)
    # Concerns raised by the end of the reviewed week (today, for the current week) and not acknowledged
    # then: counted from the rows (the demo leaves its latest concern unacknowledged).
    as_of = min(DEMO_TODAY, AGENDA_MONDAY + timedelta(days=6))
    with db(app_db) as s:
        concerns = s.exec(select(func.count()).select_from(Audit).where(
            Audit.status == "submitted", Audit.safeguarding_concern == True,  # noqa: E712
            Audit.audit_date <= as_of, Audit.safeguarding_ack_at == None)).one()  # noqa: E711
    if concerns:
        assert f"Unacknowledged safeguarding concerns ({concerns})" in shown
    else:
        assert "Unacknowledged safeguarding concerns (" not in shown
    assert "Practitioners with repeated Red audits" in shown
    # Every rule is either a heading with its count or named under "Nothing this week for"
    # (on the reference day: "Nothing this week for: Moderation disagreements.").
    nothing = [line for line in shown.splitlines() if line.startswith("Nothing this week for: ")]
    assert "Moderation disagreements (" in shown or "Moderation disagreements" in "".join(nothing)
    prefix = f"risks_agenda_item_0_{AGENDA_WEEK}_"
    ticks = [c for c in at.checkbox if c.key.startswith(prefix + "red_practitioner") or
             c.key.startswith(prefix + "overdue_actions")][:2]
    assert len(ticks) == 2
    for tick in ticks:
        tick.check()
    button(at, "Add ticked items to the log").click().run()
    assert not at.exception
    assert "Done: added 2 entries" in texts(at)
    assert count(app_db, RiskIssue) == before + 2
    assert count(app_db, Meeting, Meeting.kind == "risks_and_issues") == meetings_before + (0 if held_today else 1)
    with db(app_db) as s:
        entries = s.exec(select(RiskIssue).order_by(RiskIssue.id.desc()).limit(2)).all()
        assert {e.source for e in entries} <= {"red_practitioner", "overdue_actions"}
        # Reviewed at the next weekly meeting: a week after today.
        assert all(e.review_on == DEMO_TODAY + timedelta(days=7) and e.raised_on == DEMO_TODAY for e in entries)
        assert entries[0].meeting_id == entries[1].meeting_id is not None
    # The page stays on the agenda, and the ticked items now show as already in the log.
    assert at.session_state["risks_tab"] == "Suggested agenda"
    assert "Already in the log as #" in texts(at)


def test_adding_with_nothing_ticked_says_so_and_writes_nothing(app_db):
    before = count(app_db, RiskIssue)
    at = open_risks_tab(page_test("pages/risks.py", "auditor").run(), "Suggested agenda")
    button(at, "Add ticked items to the log").click().run()
    assert "Tick at least one item to discuss." in texts(at)
    assert count(app_db, RiskIssue) == before


def test_a_manager_agenda_is_about_their_team_only():
    at = open_risks_tab(page_test("pages/risks.py", "manager").run(), "Suggested agenda")
    labels = [c.label for c in at.checkbox]
    assert labels
    assert all("Assessment North" in l or "Review entry" in l or ": repeated Red" in l for l in labels)
    shown = texts(at)
    for other in ("Child in Need West", "Front Door (MASH)", "Children Looked After"):
        assert other not in shown
        assert all(other not in label for label in labels)


def test_an_earlier_week_can_be_chosen():
    at = open_risks_tab(page_test("pages/risks.py", "auditor").run(), "Suggested agenda")
    earlier = AGENDA_MONDAY - timedelta(weeks=1)  # 16 Nov 2026 on the reference day
    at.selectbox(key="risks_agenda_week").select(earlier).run()
    sunday = earlier + timedelta(days=6)  # a past week is drafted from the data as its Sunday ended
    assert f"Drafted from the data on {sunday.day} {sunday:%b %Y}." in texts(at)  # "22 Nov 2026"
    assert any(c.key.startswith(f"risks_agenda_item_0_{earlier.isoformat()}_") for c in at.checkbox)


def test_free_text_in_the_agenda_is_shown_as_text(app_db):
    with db(app_db) as s:
        scope = load_signed_in(s, "auditor").scope
        team_id = s.exec(select(Team.id).where(Team.name == "Child Protection")).one()
    from core.risks import RiskDraft
    from db.risks import create_risk

    # Reviewed the day before the agenda's day (today, or the Sunday of the week a Monday reviews):
    # 25 Nov 2026 on the reference day, raised five days before it.
    review = min(DEMO_TODAY, AGENDA_MONDAY + timedelta(days=6)) - timedelta(days=1)
    raised = review - timedelta(days=5)
    with write_session(get_engine(app_db)) as w:
        create_risk(w, scope, RiskDraft("**Urgent** [click](http://evil.example) :red[now]", "high",
                                        raised, review, team_id=team_id), DEMO_TODAY)
    at = open_risks_tab(page_test("pages/risks.py", "auditor").run(), "Suggested agenda")
    captions = [c.value for c in at.markdown if "Urgent" in c.value]  # a note, not a caption (contrast)
    assert captions == [
        # the text seam (ui/text.py): a word joiner stops the autolink, the directive's colon is escaped
        ":red-badge[High] \\*\\*Urgent\\*\\* \\[click\\](http\u2060\\://evil.example) \\:red\\[now\\] "
        f"(open; review was due on {review.day} {review:%b %Y})."
    ]


def test_only_the_agenda_waits_for_its_tab_and_the_open_tab_stays_open():
    at = page_test("pages/risks.py", "auditor").run()
    assert at.session_state["risks_tab"] == "Log" and at.data_editor  # the log is the first tab
    assert not any(c.key.startswith("risks_agenda_item_") for c in at.checkbox)  # the agenda is not built
    at.multiselect(key="risks_log_status").set_value(["closed"]).run()
    closed = len(at.data_editor[0].value)
    at = open_risks_tab(at, "Suggested agenda")
    assert any(c.key.startswith(f"risks_agenda_item_0_{AGENDA_WEEK}_") for c in at.checkbox)
    earlier = AGENDA_MONDAY - timedelta(weeks=1)  # the week before the agenda's (16 Nov on the reference day)
    at.selectbox(key="risks_agenda_week").select(earlier).run()
    assert at.session_state["risks_tab"] == "Suggested agenda"
    assert any(c.key.startswith(f"risks_agenda_item_0_{earlier}_") for c in at.checkbox)
    # The log is drawn under its tab all along: its filters and rows are as they were left.
    assert at.multiselect(key="risks_log_status").value == ["closed"] and len(at.data_editor[0].value) == closed
    at = open_risks_tab(at, "Log")
    assert not any(c.key.startswith("risks_agenda_item_") for c in at.checkbox)
    assert at.multiselect(key="risks_log_status").value == ["closed"] and len(at.data_editor[0].value) == closed
    assert not at.warning and not at.exception


# ------------------------------------------------------------------ the page helpers
def test_md_escape_neutralises_markdown_and_leaves_plain_names_alone():
    from ui.meetings import md_escape

    assert md_escape("Daniel Dunn: repeated Red audits") == "Daniel Dunn: repeated Red audits"
    assert md_escape("Front Door (MASH)") == "Front Door (MASH)"
    assert md_escape("**x** _y_ `z` <b> $a$") == "\\*\\*x\\*\\* \\_y\\_ \\`z\\` \\<b\\> \\$a\\$"
    assert md_escape(":smile: :material/home:") == "\\:smile: \\:material/home:"
    assert md_escape("# Title") == "\\# Title" and md_escape("1. first") == "1\\. first"
    assert md_escape("two\nlines") == "two lines"


def test_editor_edits_map_cells_to_changes_with_what_was_seen():
    from ui.meetings import editor_edits

    row = RiskRow(id=7, raised_on=date(2026, 11, 1), team_id=1, team="A", practitioner_id=None, practitioner=None,
                  description="x", severity="medium", status="open", owner_id=3, owner="Alex", review_on=date(2026, 11, 8),
                  source="", meeting_id=None, meeting_held_on=None, raised_by="Alex", closed_on=None)
    owners = {3: "Alex Morgan", 4: "Sam Patel"}
    edits = editor_edits({"0": {"Status": "Closed", "Review on": "2026-12-03", "Owner": "Sam Patel",
                                "Severity": "Medium"}}, [row], owners)
    assert edits == {7: ({"status": "closed", "review_on": date(2026, 12, 3), "owner_id": 4},
                         {"status": "open", "severity": "medium", "review_on": date(2026, 11, 8), "owner_id": 3})}
    assert editor_edits({0: {"Severity": "Medium"}}, [row], owners) == {}  # no real change
    assert editor_edits({0: {"Review on": None}}, [row], owners)[7][0] == {"review_on": None}


def test_a_manager_of_one_team_has_it_chosen_and_an_auditor_of_all_teams_chooses():
    manager = page_test("pages/meetings.py", "manager").run()  # Sam Patel manages Assessment North only
    teams = manager.multiselect(key="meetings_record_teams_0")
    assert teams.options == ["Assessment North"] and teams.indices == [0]  # chosen already
    auditor = page_test("pages/meetings.py", "auditor").run()  # sees every team: nothing preset
    assert auditor.multiselect(key="meetings_record_teams_0").value == []
