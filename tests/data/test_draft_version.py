"""The data versions that key the query caches (db.events.data_version): the full one moves with every
change, that of submitted data (``drafts=False``, every report's) not with a draft's save; each is one
index probe, however many reads were logged since.

One backend: each version is one plain SELECT on the event table, the same SQL on both.
"""
from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, select

from bench.measure import StatementLog
from db.audits.saving import save_draft, submit
from db.engine import get_engine
from db.events import data_version, record
from db.models import Event
from tests.conftest import DEMO_TODAY
from tests.data.test_audit_entry import a_case, complete_form, scope_of
from tests.writes import one_action


def an_auditor_and_their_form(engine):
    """The demo auditor's scope and a complete audit of one of their cases (Inadequate, two actions)."""
    with Session(engine) as session:
        auditor = scope_of(session, "auditor")
        case = a_case(session, auditor)
        return auditor, case, complete_form(session, case)


def _versions(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return data_version(session), data_version(session, drafts=False)


def test_a_draft_moves_the_data_version_but_not_the_reports_and_its_submission_moves_both(sqlite_demo_url):
    engine = get_engine(sqlite_demo_url)
    auditor, _, form = an_auditor_and_their_form(engine)
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
    auditor, _, form = an_auditor_and_their_form(engine)
    _, reports = _versions(engine)
    result = one_action(submit, form, scope=auditor, today=DEMO_TODAY, engine=engine)  # create + submit
    assert result.ok and result.status == "submitted"
    assert _versions(engine)[1] > reports


def test_each_event_stores_what_it_changed(sqlite_demo_url):
    engine = get_engine(sqlite_demo_url)
    written = {"audit.view": "read", "login.delayed": "read", "export": "read",  # reads, views, sign-ins
               "audit.create": "draft", "audit.save": "draft",  # a draft's own saves
               "audit.submit": "data", "action.done": "data", "user.update": "data"}  # everything else
    with Session(engine) as session:
        for action in written:
            record(session, "auditor", action, "audit", 1)
        session.commit()
        stored = dict(session.exec(select(Event.action, Event.changes).where(Event.username == "auditor")
                                   .where(Event.object_type == "audit").where(Event.object_id == "1")
                                   .where(Event.action.in_(list(written)))).all())
    assert stored == written


def test_a_flood_of_sign_in_attempts_leaves_the_versions_alone_and_each_is_one_index_probe(sqlite_demo_url):
    """Anyone can make sign-in attempts, and each is logged: the versions must not walk them."""
    engine = get_engine(sqlite_demo_url)
    before = _versions(engine)
    with Session(engine) as session:
        for n in range(2000):
            record(session, f"attacker{n % 7}", "login.delayed", "user", "", after={"wait_seconds": 60})
        session.commit()
    assert _versions(engine) == before
    log = StatementLog()  # the SELECTs sent, with their parameters
    try:
        log.start()
        _versions(engine)
        sent = log.stop()
    finally:
        log.close()
    assert len(sent) == 3  # the full version: the newest change and the newest draft; the reports': the first
    with engine.connect() as connection:
        for statement, parameters in sent:
            plan = " ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            assert "ix_event_changes" in plan and "SCAN event" not in plan, plan
