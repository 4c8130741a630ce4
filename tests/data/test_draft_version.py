"""The version of submitted data (db.events.data_version(..., drafts=False)) that keys every report's
cache: saving a draft leaves it alone, submitting moves it; the full version moves on both.

One backend: the version is one plain SELECT on the event table, the same SQL on both.
"""
from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from db.audits.saving import save_draft, submit
from db.engine import get_engine
from db.events import data_version
from tests.conftest import DEMO_TODAY
from tests.data.test_audit_entry import a_case, complete_form, scope_of
from tests.writes import one_action


def _versions(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return data_version(session), data_version(session, drafts=False)


def test_a_draft_moves_the_data_version_but_not_the_reports_and_its_submission_moves_both(sqlite_demo_url):
    engine = get_engine(sqlite_demo_url)
    with Session(engine) as session:
        auditor = scope_of(session, "auditor")
        form = complete_form(session, a_case(session, auditor))
    everything, reports = _versions(engine)

    created = one_action(save_draft, form, scope=auditor, today=DEMO_TODAY, engine=engine)  # "audit.create"
    assert created.ok and created.status == "draft"
    after_create = _versions(engine)
    assert after_create[0] > everything
    assert after_create[1] == reports

    regraded = replace(form, overall_rationale="Risk is not analysed; the plan has no dates.")
    saved = one_action(save_draft, regraded, scope=auditor, audit_id=created.audit_id,
                       expected_version=created.version, today=DEMO_TODAY, engine=engine)  # "audit.save"
    assert saved.ok and saved.status == "draft"
    after_save = _versions(engine)
    assert after_save[0] > after_create[0]
    assert after_save[1] == reports

    submitted = one_action(submit, regraded, scope=auditor, audit_id=created.audit_id,
                           expected_version=saved.version, today=DEMO_TODAY, engine=engine)  # "audit.submit"
    assert submitted.ok and submitted.status == "submitted"
    after_submit = _versions(engine)
    assert after_submit[0] > after_save[0]
    assert after_submit[1] == after_submit[0]  # the submission is now the newest change of either kind


def test_an_audit_created_and_submitted_at_once_moves_the_reports_version(sqlite_demo_url):
    engine = get_engine(sqlite_demo_url)
    with Session(engine) as session:
        auditor = scope_of(session, "auditor")
        form = complete_form(session, a_case(session, auditor))
    _, reports = _versions(engine)
    result = one_action(submit, form, scope=auditor, today=DEMO_TODAY, engine=engine)  # create + submit
    assert result.ok and result.status == "submitted"
    assert _versions(engine)[1] > reports
