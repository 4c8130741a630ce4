"""Saving a draft leaves every report as it was, and keeps the reports' caches (ui/cache.py).

Auditors autosave drafts all day. The reports (RAG heatmaps, Progress, the Overview, the remedial
actions, moderation agreement, the moderation queue, Meetings, and Risks and issues with its suggested
agenda) read submitted audits only: a draft, its answers
and its actions do not exist for them. So their caches are keyed by the version of submitted data, which a draft's save
leaves alone (``@cached_query(reads_drafts=False)``). For each report these tests prove, as the
auditor who sees every team:

- a draft (every answer and the overall grade Inadequate, a safeguarding concern, two remedial
  actions) changes nothing the page shows on any of its tabs, even with every cache emptied and the
  page recomputed;
- the page's next run after the draft's save asks the database no more than a run without it (the
  cache is kept);
- the same audit submitted shows on the page's next run, without emptying any cache (a submission
  moves the version), where the page would show it at all (the agreement page counts moderations,
  which a new audit does not have; the moderation queue leaves out the viewer's own audits).

What does show drafts keeps the full version: My audits lists a new draft at its next run.
"""
from __future__ import annotations

import pytest
import streamlit as st

from bench.measure import StatementLog
from db.audits.saving import save_draft, submit
from db.engine import get_engine
from tests.app.conftest import page_test, texts
from tests.conftest import DEMO_TODAY
from tests.data.test_draft_version import an_auditor_and_their_form
from tests.writes import one_action


def shown(at) -> str:
    """What the page shows: its text, tables and each chart's spec and rows."""
    assert not at.exception, at.exception
    charts = [str(chart.proto) for chart in at.get("vega_lite_chart")]
    return texts(at) + "\n".join(charts)


# Tabs drawn only when open (``st.tabs(..., key=..., on_change="rerun")``), each with queries of its own:
# the page's tab key and the tabs after the first.
TABS = {
    "pages/actions.py": ("actions_tab", ("Update several", "Chase list", "Counts by team and owner", "Charts")),
    "pages/progress.py": ("progress_section", ("Is practice improving?", "Moderation, actions and support")),
    "pages/agreement.py": ("agreement_tab", ("Feedback log", "Feedback on my audits")),
    "pages/meetings.py": ("meetings_tab", ("Counts by week", "History")),
    "pages/risks.py": ("risks_tab", ("Suggested agenda", "Add an entry")),
}


def every_tab_shown(at, path: str) -> str:
    """What the page shows on each of its tabs, back on the first after."""
    parts = [shown(at)]
    if path in TABS:
        key, tabs = TABS[path]
        first = at.session_state[key]
        for tab in tabs:
            at.session_state[key] = tab
            parts.append(shown(at.run()))
        at.session_state[key] = first
        at.run()
    return "\n".join(parts)


@pytest.fixture
def statements():
    """The SELECTs every engine of this process sends (the bench's own log)."""
    log = StatementLog()
    yield log
    log.close()


def selects_during(log: StatementLog, run) -> int:
    log.start()
    run()
    return len(log.stop())


# (page, whether the audit once submitted shows on it)
REPORTS = [
    ("pages/heatmaps.py", True),
    ("pages/progress.py", True),
    ("pages/overview.py", True),
    ("pages/actions.py", True),
    ("pages/agreement.py", False),
    # The queue of submitted audits to moderate: not the auditor's own audit, which is not theirs to moderate.
    ("pages/moderation.py", False),
    # Meetings counts and lists meetings, which an audit is not.
    ("pages/meetings.py", False),
    # The suggested agenda raises the reviewed week's unacknowledged safeguarding concerns and Red audits.
    # The audit is dated today; on a Monday the agenda reviews the week just ended, which it is not in.
    ("pages/risks.py", DEMO_TODAY.weekday() != 0),
]


@pytest.mark.parametrize(("path", "shows_submitted"), REPORTS, ids=[p.split("/")[1][:-3] for p, _ in REPORTS])
def test_a_draft_changes_nothing_a_report_shows_and_keeps_its_cache(app_db, statements, path, shows_submitted):
    engine = get_engine(app_db)
    auditor, _, form = an_auditor_and_their_form(engine)
    at = page_test(path, "auditor").run()
    before = every_tab_shown(at, path)
    warm = selects_during(statements, at.run)

    draft = one_action(save_draft, form, scope=auditor, today=DEMO_TODAY, engine=engine)
    assert draft.ok and draft.status == "draft"
    after_the_draft = selects_during(statements, at.run)
    assert after_the_draft <= warm, "the draft's save emptied the report's cache"
    assert every_tab_shown(at, path) == before

    st.cache_data.clear()  # recomputed from the database: still nothing of the draft
    at.run()
    assert every_tab_shown(at, path) == before

    submitted = one_action(submit, form, scope=auditor, audit_id=draft.audit_id, expected_version=draft.version,
                           today=DEMO_TODAY, engine=engine)
    assert submitted.ok and submitted.status == "submitted"
    at.run()  # no cache emptied: the submission moved the version
    assert (every_tab_shown(at, path) != before) is shows_submitted


def test_my_audits_lists_a_new_draft_at_its_next_run(app_db):
    engine = get_engine(app_db)
    auditor, case, form = an_auditor_and_their_form(engine)
    at = page_test("pages/my_audits.py", "auditor").run()
    [drafts] = [h.value for h in at.subheader if h.value.startswith("Drafts (")]
    count = int(drafts.removeprefix("Drafts (").removesuffix(")"))
    draft = one_action(save_draft, form, scope=auditor, today=DEMO_TODAY, engine=engine)
    assert draft.ok
    at.run()
    assert f"Drafts ({count + 1})" in [h.value for h in at.subheader]
    card = f"**{case.reference}** · Neglect · {case.team}"  # a draft's card: case, theme, team
    assert card in [m.value for m in at.markdown]
