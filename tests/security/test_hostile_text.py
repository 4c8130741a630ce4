"""Issue 14, point 2: nothing a user typed is drawn as Markdown for anyone.

Every text column a user (or an imported file, or an uploaded template) can fill holds a
hostile value: an image that would call an outside address, a link, bold, a colour
directive and maths. Then every page is opened as the roles that use it, and every
element that Streamlit draws as Markdown (text, headings, captions, alerts, expander and
tab labels, widget labels and help, radio options, metric labels, st.table cells) is
searched for the hostile Markdown in its raw form. It must appear only escaped (so it is
shown as the characters typed). Also: the text seam itself, and bidirectional controls."""
from __future__ import annotations

import pytest
from sqlalchemy import literal, update
from sqlmodel import Session, select

from core.text import markdown_literal
from db.engine import get_engine, write_session
from db.models import (
    Audit, Case, Meeting, Moderation, Practitioner, Programme, Question, RemedialAction, RiskIssue, Team, Theme, User,
)
from streamlit.testing.v1.element_tree import Table

from tests.app.conftest import page_test
from tests.writes import one_action

# What the sweep typed (issue 14), in one value.
HOSTILE = "![i](http://x.invalid/i.png) [l](http://x.invalid) **b** :red[x] $x$ www.x.invalid"
# Each must never reach a Markdown renderer in this raw form.
RAW = ["![i]", "[l](", "**b**", ":red[x]", "$x$", "www.x"]


def make_everything_hostile(url: str) -> None:
    """A hostile value in every text column people fill (unique columns keep their id)."""
    def h(model):
        return literal(HOSTILE + " #") + model.id.cast(__import__("sqlalchemy").String)

    with write_session(get_engine(url)) as s:
        s.execute(update(Team).values(name=h(Team), service_area=HOSTILE))
        s.execute(update(Practitioner).values(name=h(Practitioner)))
        s.execute(update(User).values(display_name=h(User)))
        s.execute(update(Case).values(reference=h(Case)))
        s.execute(update(Programme).values(name=HOSTILE))
        s.execute(update(Theme).values(name=h(Theme)))
        s.execute(update(Question).values(text=HOSTILE, guidance=HOSTILE, domain=h(Question)))
        s.execute(update(Audit).values(overall_rationale=HOSTILE, lived_experience=HOSTILE,
                                       safeguarding_action=HOSTILE, safeguarding_told=HOSTILE, learning_points=HOSTILE))
        s.execute(update(RemedialAction).values(description=HOSTILE, completion_note=HOSTILE))
        s.execute(update(Moderation).values(feedback=HOSTILE, sample_label=HOSTILE))
        s.execute(update(Meeting).values(notes=HOSTILE, follow_ups=HOSTILE))
        s.execute(update(RiskIssue).values(description=HOSTILE))


# Element types whose text Streamlit does not render as Markdown (shown as typed).
NOT_MARKDOWN = {"dataframe", "arrow_data_frame", "text", "code", "json", "arrow_vega_lite_chart", "vega_lite_chart",
                "deck_gl_json_chart", "empty", "html"}


def _markdown_texts(node) -> list[str]:
    """The strings of every element under ``node`` that Streamlit draws as Markdown (an input's
    value and a selectbox's options are not Markdown)."""
    found = []
    proto = getattr(node, "proto", None)
    kind = getattr(node, "type", "")
    if isinstance(node, Table):
        found.append(node.value.to_csv())  # st.table: every cell is Markdown
    elif proto is not None and kind not in NOT_MARKDOWN:
        if hasattr(node, "label"):  # a widget, metric, expander or tab: its label and help are Markdown
            found += [str(node.label or ""), str(getattr(node, "help", "") or "")]
            if kind == "radio":  # and a radio's options (not a selectbox's)
                found += [str(o) for o in node.options]
        else:
            found.append(str(proto))
    for child in getattr(node, "children", {}).values():
        found += _markdown_texts(child)
    return found


def _check(at, where: str) -> bool:
    assert not at.exception, (where, at.exception)
    texts = _markdown_texts(at._tree)
    for text in texts:
        for raw in RAW:
            assert raw not in text, f"{where}: '{raw}' reaches Markdown raw in: {text[:300]}"
    # True when some hostile value was drawn (escaped) on this page at all.
    return any("x.invalid" in t for t in texts)


PAGES = [  # (page, username[, the tab to open]): every page, by the roles that use it
    ("pages/overview.py", "auditor"), ("pages/overview.py", "manager"), ("pages/overview.py", "sponsor"),
    ("pages/overview.py", "support"), ("pages/overview.py", "admin"),
    ("pages/audit_entry.py", "auditor"), ("pages/audit_entry.py", "manager"),
    ("pages/my_audits.py", "auditor"), ("pages/my_audits.py", "manager"),
    ("pages/actions.py", "support"), ("pages/actions.py", "auditor"), ("pages/actions.py", "manager"),
    ("pages/moderation.py", "auditor"), ("pages/moderation.py", "admin"),
    ("pages/agreement.py", "auditor"), ("pages/agreement.py", "manager"),
    # Tabs drawn only when open (stateful tabs): each is walked opened.
    ("pages/agreement.py", "auditor", {"agreement_tab": "Feedback log"}),
    ("pages/agreement.py", "manager", {"agreement_tab": "Feedback log"}),
    ("pages/agreement.py", "manager", {"agreement_tab": "Feedback on my audits"}),
    ("pages/actions.py", "support", {"actions_tab": "Update several"}),
    ("pages/actions.py", "support", {"actions_tab": "Chase list"}),
    ("pages/actions.py", "support", {"actions_tab": "Counts by team and owner"}),
    ("pages/actions.py", "support", {"actions_tab": "Charts"}),
    ("pages/heatmaps.py", "auditor"), ("pages/heatmaps.py", "sponsor"), ("pages/heatmaps.py", "manager"),
    ("pages/progress.py", "sponsor"), ("pages/progress.py", "auditor"),
    ("pages/meetings.py", "auditor"), ("pages/meetings.py", "manager"),
    ("pages/risks.py", "auditor"), ("pages/risks.py", "manager"),
    ("pages/risks.py", "auditor", {"risks_tab": "Suggested agenda"}),
    ("pages/risks.py", "manager", {"risks_tab": "Suggested agenda"}),
    ("pages/risks.py", "auditor", {"risks_tab": "Add an entry"}),
    ("pages/risks.py", "manager", {"risks_tab": "Add an entry"}),
    ("pages/admin_users.py", "admin"), ("pages/admin_teams.py", "admin"), ("pages/admin_templates.py", "admin"),
    ("pages/case_import.py", "support"), ("pages/event_log.py", "admin"), ("pages/account.py", "auditor"),
    ("app.py", "auditor"),
]


@pytest.fixture
def hostile_db(app_db):
    make_everything_hostile(app_db)
    return app_db


def test_every_page_shows_hostile_text_as_text(hostile_db):
    drawn = []
    for path, username, *state in PAGES:
        opened = state[0] if state else {}
        at = page_test(path, username, **opened).run()
        tab = next(iter(opened.values()), None)  # the tab opened, where the page has stateful tabs
        if _check(at, f"{path} as {username}" + (f", tab {tab}" if tab else "")):
            drawn.append((path, username, tab) if tab else (path, username))
    # The walk is not vacuous: the hostile values are on these pages (escaped).
    for expected in [("pages/overview.py", "auditor"), ("pages/audit_entry.py", "auditor"),
                     ("pages/my_audits.py", "auditor"),
                     ("pages/agreement.py", "manager", "Feedback on my audits"),
                     ("pages/actions.py", "support", "Chase list"),
                     ("pages/risks.py", "auditor", "Suggested agenda"),
                     ("pages/admin_teams.py", "admin"),
                     ("pages/account.py", "auditor"), ("app.py", "auditor")]:
        assert expected in drawn, expected


def test_the_audit_page_an_action_and_the_case_list_show_hostile_text_as_text(hostile_db):
    with Session(get_engine(hostile_db)) as s:
        audit_id = s.exec(select(Audit.id).where(Audit.status == "submitted",
                                                 Audit.safeguarding_concern == True)  # noqa: E712
                          .order_by(Audit.id)).first()
        action_id = s.exec(select(RemedialAction.id).order_by(RemedialAction.id)).first()
    at = page_test("pages/audit_view.py", "auditor")
    at.query_params["audit"] = str(audit_id)
    assert _check(at.run(), "the Audit page")
    assert any("\\*\\*b\\*\\*" in t.value.to_csv() for t in at.table)  # the actions table, escaped
    at = page_test("pages/actions.py", "auditor", actions_list_pick=action_id).run()
    assert _check(at, "an action")
    with Session(get_engine(hostile_db)) as s:
        case_id = s.exec(select(Case.id).order_by(Case.id)).first()
        theme_id = s.exec(select(Theme.id).order_by(Theme.id)).first()
    at = page_test("pages/audit_entry.py", "auditor").run()
    at.selectbox(key="audit_entry_form_case_id").set_value(case_id).run()
    at.selectbox(key="audit_entry_form_theme_id").set_value(theme_id).run()
    assert _check(at, "Enter an audit, with a case and theme chosen")


def test_an_imported_file_with_hostile_headers_and_names_is_shown_as_text(app_db):
    at = page_test("pages/case_import.py", "support").run()
    data = (f"Case reference,Team,Allocated practitioner,{HOSTILE}\n"
            f"LCS900001,Assessment North,{HOSTILE.replace(',', ' ')},\n").encode()
    at.file_uploader[0].upload("cases.csv", data, "text/csv")
    assert _check(at.run(), "case import")


@pytest.mark.parametrize("typed, shown", [
    ("![i](http://x.invalid/i.png)", "!\\[i\\](http\u2060\\://x.invalid/i.png)"),
    ("[l](http://x.invalid)", "\\[l\\](http\u2060\\://x.invalid)"),
    ("**b** _i_ `c` ~s~", "\\*\\*b\\*\\* \\_i\\_ \\`c\\` \\~s\\~"),
    (":red[x] :smile: :material/home:", "\\:red\\[x\\] \\:smile: \\:material/home:"),
    ("$x$ $$y$$", "\\$x\\$ \\$\\$y\\$\\$"),
    ("# h\n- l\n1. o\n> q\n===", "\\# h\n\\- l\n1\\. o\n\\> q\n\\==="),
    ("a | b", "a \\| b"),
    ("<img src=x>", "\\<img src=x\\>"),
    # autolinks: an invisible word joiner (U+2060) where one would start
    ("www.x.invalid and https://x.invalid", "www\u2060.x.invalid and https\u2060\\://x.invalid"),
    ("jo@x.invalid &amp;", "jo\u2060\\@x.invalid \\&amp;"),
    ("Daniel Dunn: repeated Red audits (MASH)", "Daniel Dunn: repeated Red audits (MASH)"),
    ("e\u202elive\u2066 \u200fx\u061c", "elive x"),
])
def test_the_text_seam_escapes_every_directive_and_leaves_plain_text_alone(typed, shown):
    assert markdown_literal(typed) == shown


def test_bidirectional_controls_are_dropped_from_stored_text_and_the_text_kept(app_db):
    with write_session(get_engine(app_db)) as s:
        risk = s.exec(select(RiskIssue)).first()
        risk.description = "Payment to \u202eevil\u202c account \u2067x\u2069 \u200e\u200f\u061cdone"
        risk_id = risk.id
    with Session(get_engine(app_db)) as s:
        assert s.get(RiskIssue, risk_id).description == "Payment to evil account x done"


def test_bidirectional_controls_are_dropped_from_bulk_inserted_answers_and_actions(app_db):
    """Answers and actions are written with ``session.execute(insert(...), rows)``: the same seam holds."""
    from datetime import timedelta

    from db.audits.saving import submit
    from core.audit_rules import ActionInput, AnswerInput, AuditInput
    from db.models import Answer
    from tests.app.test_audit_entry import a_case, neglect, scope
    from tests.conftest import DEMO_TODAY

    case = a_case(app_db, "auditor", "external", "Assessment North")
    theme, questions = neglect(app_db)
    result = one_action(submit, AuditInput(
        case_id=case.id, theme_id=theme.id, work_date=DEMO_TODAY - timedelta(days=3), audit_date=DEMO_TODAY,
        answers={q.id: AnswerInput(2, "Seen \u202eenola\u202c and heard.") for q in questions},
        lived_experience="Described.", overall_grade=2, overall_rationale="The plan follows from the analysis.",
        impact_for_child="Some.",
        actions=[ActionInput(description="Call \u2066the\u2069 school", owner_id=case.practitioner_id,
                             due_on=DEMO_TODAY + timedelta(days=7))]),
        scope=scope(app_db, "auditor"), today=DEMO_TODAY, engine=get_engine(app_db))
    assert result.ok, result.message
    with Session(get_engine(app_db)) as s:
        rationales = set(s.exec(select(Answer.rationale).where(Answer.audit_id == result.audit_id)))
        actions = list(s.exec(select(RemedialAction.description).where(RemedialAction.audit_id == result.audit_id)))
    assert rationales == {"Seen enola and heard."} and actions == ["Call the school"]
