"""AppTest of the RAG heatmaps page: every role, filters kept in the URL, drill-down, what a sponsor
receives, and that a saved audit shows on the next run (no stale cache)."""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date

import pyarrow as pa
import pytest
from sqlmodel import Session, select

from core.authz import Role
from core.templates import LIVED_EXPERIENCE_DOMAIN
from db.demo_story import DEMO_MANAGER_TEAM
from db.engine import get_engine, write_session
from db.events import record
from db.models import Answer, Audit, Case, Event, Practitioner, Question, Team, Theme, User
from db.users import create_user
from tests.app.conftest import download_file, page_test, texts
from tests.conftest import demo_week

PAGE = "pages/heatmaps.py"


def _charts(at) -> list:
    return at.get("vega_lite_chart")


def chart_data(at):
    """Every row of data the page sent to its charts (what the browser receives, drawn or not)."""
    frames = []
    for chart in _charts(at):
        blobs = [chart.proto.data.data] + [d.data.data for d in chart.proto.datasets]
        frames += [pa.ipc.open_stream(b).read_all().to_pandas() for b in blobs if b]
    return frames


def _ids(url: str) -> dict:
    with Session(get_engine(url)) as s:
        teams = {t.name: t.id for t in s.exec(select(Team))}
        themes = {t.name: t.id for t in s.exec(select(Theme))}
    return {"teams": teams, "themes": themes}


def _table(at):
    """The heatmap as a table (in its expander) as a DataFrame."""
    return at.dataframe[0].value


@pytest.mark.parametrize("username", ["auditor", "manager", "admin", "sponsor"])
def test_every_role_allowed_sees_a_heatmap(username):
    at = page_test(PAGE, username).run()
    assert not at.exception
    assert at.title[0].value == "RAG heatmaps"
    assert len(_charts(at)) == 1
    table = _table(at)
    assert len(table) > 0 and set(table.columns) >= {"Row", "Column", "Audits", "Red audits", "Amber audits", "Green audits"}
    assert "fewer than 3 audits" in texts(at)


def test_support_is_refused():
    at = page_test(PAGE, "support").run()
    assert any("do not have access" in e.value for e in at.error)
    assert not _charts(at) and not at.dataframe


def test_a_manager_starts_on_their_team_and_cannot_pick_another(app_db):
    ids = _ids(app_db)
    at = page_test(PAGE, "manager").run()
    teams = at.multiselect(key="heatmaps_filter_teams")
    assert teams.value == [ids["teams"][DEMO_MANAGER_TEAM]]
    assert teams.options == [DEMO_MANAGER_TEAM]
    assert set(_table(at)["Row"]) == {DEMO_MANAGER_TEAM}
    assert at.query_params["teams"] == str(ids["teams"][DEMO_MANAGER_TEAM])
    # A shared link naming another team shows the manager nothing of it.
    other = ids["teams"]["Neglect and Long-term"]
    at = page_test(PAGE, "manager")
    at.query_params["teams"] = str(other)
    at.run()
    assert at.multiselect(key="heatmaps_filter_teams").value == []
    assert set(_table(at)["Row"]) == {DEMO_MANAGER_TEAM}
    assert "Neglect and Long-term" not in texts(at)


def test_an_auditor_sees_every_team_and_filters_live_in_the_url(app_db):
    at = page_test(PAGE, "auditor").run()
    assert len(set(_table(at)["Row"])) == 8
    assert dict(at.query_params) == {}
    at.multiselect(key="heatmaps_filter_themes").select("neglect").run()
    assert set(_table(at)["Column"]) == {"Neglect"}
    at.radio(key="heatmaps_filter_kind").set_value("internal").run()
    at.checkbox(key="heatmaps_filter_moderated").check().run()
    at.radio(key="heatmaps_filter_colour").set_value("mean").run()
    query = dict(at.query_params)
    assert query == {"themes": "neglect", "kind": "internal", "moderated": "1", "colour": "mean"}
    moderated = _table(at)
    assert moderated["Audits"].sum() < 33  # moderated internal neglect audits only
    # The same link opens the same view in a new session.
    shared = page_test(PAGE, "auditor")
    for key, value in query.items():
        shared.query_params[key] = value
    shared.run()
    assert shared.multiselect(key="heatmaps_filter_themes").value == ["neglect"]
    assert shared.radio(key="heatmaps_filter_kind").value == "internal" and shared.checkbox(key="heatmaps_filter_moderated").value
    assert _table(shared).equals(moderated)
    labels = chart_data(shared)[0]["label"]
    assert any("mean " in label for label in labels)  # the mean shows


def test_period_by_programme_weeks_and_service_area(app_db):
    at = page_test(PAGE, "auditor").run()
    everything = _table(at)["Audits"].sum()
    at.radio(key="heatmaps_filter_period").set_value("weeks").run()
    at.slider(key="heatmaps_filter_weeks").set_value((1, 2)).run()
    assert at.query_params["weeks"] == "1-2"
    first_weeks = _table(at)["Audits"].sum()
    assert 0 < first_weeks < everything / 3
    at.selectbox(key="heatmaps_filter_area").set_value("Front door").run()
    assert set(_table(at)["Row"]) == {"Front Door (MASH)"}
    assert at.query_params["area"] == "Front door"
    # The same two weeks as dates (the demo's programme starts on Monday 7 September 2026 on the reference day).
    at.selectbox(key="heatmaps_filter_area").set_value("").run()
    at.radio(key="heatmaps_filter_period").set_value("dates").run()
    first, last = demo_week(1)[0], demo_week(2)[1]
    at.date_input(key="heatmaps_filter_dates_input").set_value((first, last)).run()
    assert (at.query_params["from"], at.query_params["to"]) == (first.isoformat(), last.isoformat())
    assert "weeks" not in at.query_params
    assert _table(at)["Audits"].sum() == first_weeks


def test_team_by_week_shows_the_programme_weeks():
    at = page_test(PAGE, "manager").run()
    at.radio(key="heatmaps_filter_view").set_value("team-week").run()
    assert at.query_params["view"] == "team-week"
    assert set(_table(at)["Column"]) == {f"W{i}" for i in range(1, 13)}


def test_drill_down_lists_the_audits_behind_a_cell(app_db):
    ids = _ids(app_db)
    at = page_test(PAGE, "manager").run()
    team, theme = ids["teams"][DEMO_MANAGER_TEAM], ids["themes"]["Assessment"]
    at.selectbox(key="heatmaps_drill_row").set_value(str(team))
    at.selectbox(key="heatmaps_drill_col").set_value(str(theme)).run()
    assert not at.exception
    table = _table(at)
    expected = int(table[(table["Row"] == DEMO_MANAGER_TEAM) & (table["Column"] == "Assessment")]["Audits"].iloc[0])
    audits = at.dataframe[1].value
    assert len(audits) == expected
    assert set(audits["Team"]) == {DEMO_MANAGER_TEAM} and set(audits["Theme"]) == {"Assessment"}
    assert audits["Case"].str.startswith("LCS").all()
    with Session(get_engine(app_db)) as s:
        stored = set(s.exec(select(Case.reference).join(Audit, Audit.case_id == Case.id).where(
            Audit.team_id == team, Audit.theme_id == theme, Audit.status == "submitted")))
    assert set(audits["Case"]) == stored
    # Each audit is offered to open: a link in the app; here, where AppTest runs the page without the
    # router, its label alone.
    offered = [c.value for c in at.caption] + [str(link.proto) for link in at.get("page_link")]
    assert all(any(reference in item for item in offered) for reference in stored)


def test_three_clicks_find_the_practitioner_with_the_highest_share_of_red_lived_experience_grades(app_db):
    at = page_test(PAGE, "manager").run()
    at.radio(key="heatmaps_filter_view").set_value("practitioner-domain").run()  # menu, then this: the second click
    with Session(get_engine(app_db)) as s:
        team = s.exec(select(Team).where(Team.name == DEMO_MANAGER_TEAM)).one()
        rows = s.exec(
            select(Practitioner.name, Audit.id, Answer.grade, Answer.moderated_grade)
            .select_from(Audit).join(Answer, Answer.audit_id == Audit.id)
            .join(Question, Question.id == Answer.question_id)
            .join(Practitioner, Practitioner.id == Audit.practitioner_id)
            .where(Audit.team_id == team.id, Audit.status == "submitted", Question.domain == LIVED_EXPERIENCE_DOMAIN)
        ).all()
    reds, graded, audits = Counter(), Counter(), {}
    for name, audit_id, grade, moderated in rows:
        reported = moderated if moderated is not None else grade
        audits.setdefault(name, set()).add(audit_id)
        if reported >= 1:
            graded[name] += 1
            reds[name] += reported == 1
    # Ranked by rate over practitioners with 5 or more audits, as the page says.
    name = max((n for n in graded if len(audits[n]) >= 5), key=lambda n: (reds[n] / graded[n], reds[n]))
    shown = texts(at).replace("\\", "")
    assert (f"Highest share of Red grades in **{LIVED_EXPERIENCE_DOMAIN}**, among practitioners with 5 or more "
            f"audits: **{name}**, {reds[name]} of {graded[name]} graded answers Red "
            f"({reds[name] / graded[name]:.0%}).") in shown
    # ... and that practitioner is the heatmap's first row.
    frame = chart_data(at)[0]
    spec_rows = frame.drop_duplicates("row_key")["row"].tolist()
    assert spec_rows[0] == name
    # One unit per cell: the practitioner map's cells count answers, and the table names its units.
    assert all("answers" in label or "fewer than" in label or "not graded" in label for label in frame["label"])
    assert {"Audits", "Graded answers", "Red answers"} <= set(_table(at).columns)

def test_a_manager_with_no_team_chosen_compares_the_practitioners_of_all_their_teams(app_db):
    # The empty team filter says "All your teams": for a manager that is their own team, so the practitioner map
    # shows its practitioners; someone who sees every team is asked to choose (every practitioner is too many).
    at = page_test(PAGE, "manager").run()
    at.radio(key="heatmaps_filter_view").set_value("practitioner-domain").run()
    shown_with_the_team = set(_table(at)["Row"])
    at.multiselect(key="heatmaps_filter_teams").set_value([]).run()
    assert "teams" not in at.query_params
    assert not any("Choose one or more teams" in i.value for i in at.info)
    assert set(_table(at)["Row"]) == shown_with_the_team and len(shown_with_the_team) >= 5

    at = page_test(PAGE, "auditor").run()
    at.radio(key="heatmaps_filter_view").set_value("practitioner-domain").run()
    assert [i.value for i in at.info] == ["Choose one or more teams (or a service area) above to compare their "
                                          "practitioners."]


def test_a_sponsor_receives_no_practitioner_names_and_no_case_references(app_db):
    with Session(get_engine(app_db)) as s:
        names = [p.name for p in s.exec(select(Practitioner))]
    at = page_test(PAGE, "sponsor")
    at.query_params["view"] = "practitioner-domain"  # asking for it by link does not help
    at.run()
    assert not at.exception
    assert "practitioner-domain" not in at.radio(key="heatmaps_filter_view").options
    sent = "\n".join(frame.to_csv() for frame in chart_data(at)) + "\n".join(f.value.to_csv() for f in at.dataframe)
    sent += "\n".join(str(chart.proto.spec) for chart in _charts(at)) + texts(at)
    assert "Assessment North" in sent  # team level is there
    assert not any(name in sent for name in names)
    assert "LCS" not in sent
    assert not any(box.key == "heatmaps_drill_row" for box in at.selectbox)
    assert "Audits behind a cell" not in texts(at)
    for view in ("team-week",):
        at.radio(key="heatmaps_filter_view").set_value(view).run()
        data = "\n".join(frame.to_csv() for frame in chart_data(at))
        assert not any(name in data for name in names) and "LCS" not in data


def test_a_sponsor_receives_no_grade_of_a_suppressed_cell_in_the_chart_the_table_or_the_csv(app_db):
    # Internal audits by team and week: each manager audits one case of their team a week, so every
    # cell is one audit, and its grade is that audit's. Counted by hand from the stored rows.
    with Session(get_engine(app_db)) as s:
        per_cell = Counter(s.exec(select(Audit.team_id, Audit.audit_date).where(
            Audit.kind == "internal", Audit.status == "submitted")).all())
    at = page_test(PAGE, "sponsor")
    at.query_params["view"] = "team-week"
    at.query_params["kind"] = "internal"
    at.run()
    assert not at.exception
    data = chart_data(at)[0]
    assert len(data) == 8 * 12 and data["suppressed"].all()  # 8 teams x 12 weeks, every cell of one audit
    assert len(per_cell) == 8 * 12 and set(per_cell.values()) == {1}
    # The chart's own data: place, band, label, and nothing of the grade.
    assert set(data["label"]) == {"fewer than\n3 audits"} and set(data["band"]) == {"fewer than 3 audits"}
    assert data["tooltip"].isna().all()
    assert not {"red", "amber", "green", "audits", "graded", "mean_grade", "share_red", "judgement"} & set(data.columns)
    spec = json.loads(_charts(at)[0].proto.spec)
    assert "datasets" not in spec or not spec["datasets"]  # no data inlined in the spec either
    for word in ("Red ", "Amber ", "Green ", "mean grade", "R1 ", "A1 ", "G1"):
        assert word not in data.to_csv()
    # The table, and the CSV the page offers: the reason in the place of every figure.
    table = _table(at)
    assert set(table["Judgement"]) == {"fewer than 3 audits"}
    for column in ("Audits", "Red audits", "Amber audits", "Green audits", "Mean grade"):
        assert table[column].isna().all(), column
    assert [b.label for b in at.get("download_button")] == ["Download the table (CSV)"]
    rows = list(csv.reader(io.StringIO(download_file(at, "Download the table (CSV)").decode("utf-8-sig"))))
    assert rows[0] == ["Row", "Column", "Audits", "Red audits", "Amber audits", "Green audits", "Mean grade",
                       "Judgement"]
    assert len(rows) == 1 + 8 * 12
    assert all(row[2:7] == ["", "", "", "", ""] and row[7] == "fewer than 3 audits" for row in rows[1:])
    # The same view with every audit: judged cells keep their figures, so the test can tell them apart.
    at.radio(key="heatmaps_filter_kind").set_value("all").run()
    judged = chart_data(at)[0]
    assert (~judged["suppressed"]).any() and judged.loc[~judged["suppressed"], "tooltip"].str.contains("Red ").all()


def _heatmap_exports(app_db) -> list[Event]:
    with Session(get_engine(app_db)) as s:
        return list(s.exec(select(Event).where(Event.object_type == "heatmap", Event.action == "export")))


def test_the_tables_csv_is_built_and_logged_when_downloaded_never_on_a_rerun(app_db):
    at = page_test(PAGE, "manager")
    at.query_params["kind"] = "internal"
    at.run()
    at.run()  # drawing the page twice builds no file and logs nothing
    assert _heatmap_exports(app_db) == []
    rows = list(csv.reader(io.StringIO(download_file(at, "Download the table (CSV)").decode("utf-8-sig"))))
    # The manager's one team by the demo's themes: a row per (team, theme) cell drawn in the table.
    assert rows[0][:2] == ["Row", "Column"] and len(rows) - 1 == len(_table(at)) > 0
    assert {row[0] for row in rows[1:]} == {DEMO_MANAGER_TEAM}
    [event] = _heatmap_exports(app_db)
    assert (event.username, event.object_id) == ("manager", "team-theme")
    assert event.after["file"] == "heatmap-team-theme.csv" and event.after["rows"] == len(rows) - 1
    assert event.after["filters"] == {"kind": "internal"}  # the filters the table was drawn with


def test_a_saved_audit_changes_the_heatmap_on_the_next_run(app_db):
    at = page_test(PAGE, "manager").run()
    before = _table(at).set_index("Column").loc["Assessment"]
    engine = get_engine(app_db)
    with write_session(engine) as s:
        team = s.exec(select(Team).where(Team.name == DEMO_MANAGER_TEAM)).one()
        template = s.exec(select(Audit).where(Audit.team_id == team.id, Audit.theme_id == select(Theme.id).where(
            Theme.code == "assessment").scalar_subquery())).first()
        manager = s.exec(select(User).where(User.username == "manager")).one()
        case = Case(reference="LCS000001", team_id=team.id)
        s.add(case)
        s.flush()
        audit = Audit(case_id=case.id, theme_id=template.theme_id, template_version_id=template.template_version_id,
                      kind="internal", auditor_id=manager.id, team_id=team.id, audit_date=date(2026, 11, 26),
                      status="submitted", overall_grade=1)
        s.add(audit)
        s.flush()
        record(s, "manager", "audit.submit", "audit", audit.id, after={"overall_grade": 1})
    at.run()
    after = _table(at).set_index("Column").loc["Assessment"]
    assert after["Audits"] == before["Audits"] + 1
    assert after["Red audits"] == before["Red audits"] + 1


def test_a_manager_without_teams_is_told_why_the_page_is_empty(app_db):
    with write_session(get_engine(app_db)) as s:
        create_user(s, actor="test", username="newmanager", display_name="New Manager", password="x" * 12,
                    roles={Role.MANAGER}, check_strength=False, bcrypt_rounds=4)
    at = page_test(PAGE, "newmanager").run()
    assert not at.exception
    assert "do not manage any team" in texts(at)
    assert not _charts(at)


def test_cached_queries_of_different_functions_never_share_results():
    """ui.cache: two cached functions called with equal arguments return their own results."""
    from streamlit.testing.v1 import AppTest

    script = (
        "import streamlit as st\n"
        "from ui.cache import cached_query\n"
        "@cached_query\n"
        "def one(x):\n    return f'one {x}'\n"
        "@cached_query\n"
        "def two(x):\n    return f'two {x}'\n"
        "st.write(one(1))\nst.write(two(1))\n"
    )
    at = AppTest.from_string(script, default_timeout=60).run()
    assert [m.value for m in at.markdown] == ["one 1", "two 1"]
