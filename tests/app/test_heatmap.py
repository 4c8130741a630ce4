"""AppTest of the RAG heatmaps page: every role, filters kept in the URL, drill-down, what a sponsor
receives, and that a saved audit shows on the next run (no stale cache)."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pyarrow as pa
import pytest
from sqlmodel import Session, select

from core.authz import Role
from core.templates import LIVED_EXPERIENCE_DOMAIN
from db.demo import DEMO_MANAGER_TEAM
from db.engine import get_engine, write_session
from db.events import record
from db.models import Answer, Audit, Case, Practitioner, Question, Team, Theme, User
from db.users import create_user
from tests.app.conftest import page_test, texts
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
    assert len(table) > 0 and set(table.columns) >= {"Row", "Column", "Audits", "Red", "Amber", "Green"}
    assert "too few to judge" in texts(at)


def test_support_is_refused():
    at = page_test(PAGE, "support").run()
    assert any("do not have access" in e.value for e in at.error)
    assert not _charts(at) and not at.dataframe


def test_a_manager_starts_on_their_team_and_cannot_pick_another(app_db):
    ids = _ids(app_db)
    at = page_test(PAGE, "manager").run()
    teams = at.multiselect(key="hm_teams")
    assert teams.value == [ids["teams"][DEMO_MANAGER_TEAM]]
    assert teams.options == [DEMO_MANAGER_TEAM]
    assert set(_table(at)["Row"]) == {DEMO_MANAGER_TEAM}
    assert at.query_params["teams"] == str(ids["teams"][DEMO_MANAGER_TEAM])
    # A shared link naming another team shows the manager nothing of it.
    other = ids["teams"]["Neglect and Long-term"]
    at = page_test(PAGE, "manager")
    at.query_params["teams"] = str(other)
    at.run()
    assert at.multiselect(key="hm_teams").value == []
    assert set(_table(at)["Row"]) == {DEMO_MANAGER_TEAM}
    assert "Neglect and Long-term" not in texts(at)


def test_an_auditor_sees_every_team_and_filters_live_in_the_url(app_db):
    ids = _ids(app_db)
    at = page_test(PAGE, "auditor").run()
    assert len(set(_table(at)["Row"])) == 8
    assert dict(at.query_params) == {}
    at.multiselect(key="hm_themes").select("neglect").run()
    assert set(_table(at)["Column"]) == {"Neglect"}
    at.radio(key="hm_kind").set_value("internal").run()
    at.checkbox(key="hm_moderated").check().run()
    at.radio(key="hm_colour").set_value("mean").run()
    query = dict(at.query_params)
    assert query == {"themes": "neglect", "kind": "internal", "moderated": "1", "colour": "mean"}
    moderated = _table(at)
    assert moderated["Audits"].sum() < 33  # moderated internal neglect audits only
    # The same link opens the same view in a new session.
    shared = page_test(PAGE, "auditor")
    for key, value in query.items():
        shared.query_params[key] = value
    shared.run()
    assert shared.multiselect(key="hm_themes").value == ["neglect"]
    assert shared.radio(key="hm_kind").value == "internal" and shared.checkbox(key="hm_moderated").value
    assert _table(shared).equals(moderated)
    # The mean shows in every cell but those suppressed as too few to judge (which cells those are
    # depends on the demo's moderations for the day it was seeded).
    labels = list(chart_data(shared)[0]["label"])
    assert all(("\n" in label and "·" in label) or label.startswith("too few") for label in labels)


def test_period_by_programme_weeks_and_service_area(app_db):
    at = page_test(PAGE, "auditor").run()
    everything = _table(at)["Audits"].sum()
    at.radio(key="hm_period").set_value("weeks").run()
    at.slider(key="hm_weeks").set_value((1, 2)).run()
    assert at.query_params["weeks"] == "1-2"
    first_weeks = _table(at)["Audits"].sum()
    assert 0 < first_weeks < everything / 3
    at.selectbox(key="hm_area").set_value("Front door").run()
    assert set(_table(at)["Row"]) == {"Front Door (MASH)"}
    assert at.query_params["area"] == "Front door"
    # The same two weeks as dates (the demo's programme starts on Monday 7 September 2026 on the reference day).
    at.selectbox(key="hm_area").set_value("").run()
    at.radio(key="hm_period").set_value("dates").run()
    first, last = demo_week(1)[0], demo_week(2)[1]
    at.date_input(key="hm_dates_input").set_value((first, last)).run()
    assert (at.query_params["from"], at.query_params["to"]) == (first.isoformat(), last.isoformat())
    assert "weeks" not in at.query_params
    assert _table(at)["Audits"].sum() == first_weeks


def test_team_by_week_shows_the_programme_weeks():
    at = page_test(PAGE, "manager").run()
    at.radio(key="hm_view").set_value("team-week").run()
    assert at.query_params["view"] == "team-week"
    assert set(_table(at)["Column"]) == {f"W{i}" for i in range(1, 13)}


def test_drill_down_lists_the_audits_behind_a_cell(app_db):
    ids = _ids(app_db)
    at = page_test(PAGE, "manager").run()
    team, theme = ids["teams"][DEMO_MANAGER_TEAM], ids["themes"]["Assessment"]
    at.selectbox(key="hm_drill_row").set_value(str(team))
    at.selectbox(key="hm_drill_col").set_value(str(theme)).run()
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


def test_three_clicks_find_the_practitioner_with_the_most_red_lived_experience_grades(app_db):
    at = page_test(PAGE, "manager").run()
    at.radio(key="hm_view").set_value("practitioner-domain").run()  # menu, then this: the second click
    with Session(get_engine(app_db)) as s:
        team = s.exec(select(Team).where(Team.name == DEMO_MANAGER_TEAM)).one()
        rows = s.exec(
            select(Practitioner.name, Answer.grade, Answer.moderated_grade)
            .select_from(Audit).join(Answer, Answer.audit_id == Audit.id)
            .join(Question, Question.id == Answer.question_id)
            .join(Practitioner, Practitioner.id == Audit.practitioner_id)
            .where(Audit.team_id == team.id, Audit.status == "submitted", Question.domain == LIVED_EXPERIENCE_DOMAIN)
        ).all()
    reds = Counter(name for name, grade, moderated in rows if (moderated if moderated is not None else grade) == 1)
    name, count = reds.most_common(1)[0]
    shown = texts(at)
    assert f"Most Red grades in **{LIVED_EXPERIENCE_DOMAIN}**: **{name}**, {count} Red" in shown.replace("\\", "")
    # ... and that practitioner is the heatmap's first row.
    frame = chart_data(at)[0]
    spec_rows = frame.drop_duplicates("row_key")["row"].tolist()
    assert spec_rows[0] == name


def test_a_sponsor_receives_no_practitioner_names_and_no_case_references(app_db):
    with Session(get_engine(app_db)) as s:
        names = [p.name for p in s.exec(select(Practitioner))]
    at = page_test(PAGE, "sponsor")
    at.query_params["view"] = "practitioner-domain"  # asking for it by link does not help
    at.run()
    assert not at.exception
    assert "practitioner-domain" not in at.radio(key="hm_view").options
    sent = "\n".join(frame.to_csv() for frame in chart_data(at)) + "\n".join(f.value.to_csv() for f in at.dataframe)
    sent += "\n".join(str(chart.proto.spec) for chart in _charts(at)) + texts(at)
    assert "Assessment North" in sent  # team level is there
    assert not any(name in sent for name in names)
    assert "LCS" not in sent
    assert not any(box.key == "hm_drill_row" for box in at.selectbox)
    assert "Audits behind a cell" not in texts(at)
    for view in ("team-week",):
        at.radio(key="hm_view").set_value(view).run()
        data = "\n".join(frame.to_csv() for frame in chart_data(at))
        assert not any(name in data for name in names) and "LCS" not in data


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
    assert after["Red"] == before["Red"] + 1


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
