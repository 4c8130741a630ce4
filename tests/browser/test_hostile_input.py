"""Hostile input in free text is shown as text: no markup runs, in the real browser."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bench.save import _form, _new_case, _prepare
from db.audits.choices import question_rules, theme_choices
from db.audits.saving import submit
from db.engine import create_db_engine, write_session
from db.models import Meeting, MeetingTeam, RiskIssue, User
from tests.browser.conftest import open_app, open_tab, signed_in
from tests.conftest import DEMO_TODAY  # the app's today on the test server (AUDIT_TODAY), not the machine's
from tests.writes import one_action

pytestmark = pytest.mark.browser
PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>**bold** =HYPERLINK("x")'


@pytest.fixture(scope="module")
def hostile_audit(server):
    """An audit, its action, a meeting and a risk whose free text is an attack."""
    engine = create_db_engine(server.database_url)
    try:
        scope, theme_id, team_id, practitioner_id = _prepare(engine)
        with Session(engine) as session:
            version = next(t for t in theme_choices(session) if t.id == theme_id).template_version_id
            question_ids = [q.id for q in question_rules(session, version)]
        case = _new_case(scope, team_id, practitioner_id, engine)
        form = _form(case, theme_id, question_ids, DEMO_TODAY, 1)
        form.overall_rationale = PAYLOAD
        form.lived_experience = form.lived_experience + " " + PAYLOAD
        form.actions[0].description = PAYLOAD
        result = one_action(submit, form, scope=scope, today=DEMO_TODAY, engine=engine)
        assert result.ok, result.message
        with write_session(engine) as session:
            auditor = session.exec(select(User).where(User.username == "auditor")).one()
            meeting = Meeting(kind="mentoring", held_on=DEMO_TODAY, notes=PAYLOAD, recorded_by_id=auditor.id)
            session.add(meeting)
            session.flush()
            session.add(MeetingTeam(meeting_id=meeting.id, team_id=team_id))
            session.add(RiskIssue(team_id=team_id, description=PAYLOAD, raised_on=DEMO_TODAY,
                                  raised_by_id=auditor.id, review_on=DEMO_TODAY))
        return result.audit_id
    finally:
        engine.dispose()


def _check(page) -> None:
    body = page.inner_text("body")
    assert "onerror" in body or "HYPERLINK" in body, "the hostile text is shown, as text"
    assert page.evaluate("window.__xss") is None, "no injected markup ran"
    assert page.locator("[data-testid='stMain'] img[src='x']").count() == 0


def test_hostile_free_text_is_shown_as_text_everywhere(page, server, hostile_audit):
    signed_in(page, server, "auditor", f"audit_view?audit={hostile_audit}")
    _check(page)
    for path in ("risks", "meetings", "actions"):
        open_app(page, server, path)
        if path == "meetings":  # the meeting's notes are listed under History, built only while open
            open_tab(page, page.get_by_role("tab", name="History"), reruns=True)
        assert page.evaluate("window.__xss") is None, path
        assert page.locator("[data-testid='stMain'] img[src='x']").count() == 0, path
