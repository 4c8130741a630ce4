"""Reliability of audit saves: concurrent writers lose nothing; a killed process leaves whole audits or none."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from core import clock
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from bench.save import _form, _new_case, _prepare
from db.audits.choices import question_rules, theme_choices
from db.audits.saving import submit
from db.engine import create_db_engine, get_engine, is_sqlite, write_session
from db.models import Answer, AnswerDayCount, Audit, RemedialAction
from db.transfer import integrity_check
from tests.writes import one_action

ROOT = Path(__file__).resolve().parents[2]
THREADS, SAVES = 8, 50


def _setup(engine, count: int):
    scope, theme_id, team_id, practitioner_id = _prepare(engine)
    with write_session(engine) as session:
        version = next(t for t in theme_choices(session) if t.id == theme_id).template_version_id
        question_ids = [q.id for q in question_rules(session, version)]
    cases = [_new_case(scope, team_id, practitioner_id, engine) for _ in range(count)]
    return scope, theme_id, question_ids, cases


def _hammer(engine, setup_engine=None) -> tuple[int, list[str]]:
    """8 threads x 50 audit submissions through db.audits.saving.submit; returns (stored, problems seen by users)."""
    scope, theme_id, question_ids, cases = _setup(setup_engine or engine, THREADS * SAVES)
    with Session(engine) as session:
        before = session.exec(select(func.count()).select_from(Audit)).one()
    problems: list[str] = []
    today = clock.today()

    def worker(offset: int):
        for number in range(offset, THREADS * SAVES, THREADS):
            try:
                result = one_action(submit, _form(cases[number], theme_id, question_ids, today, number), scope=scope,
                                       today=today, engine=engine)
                if not result.ok:
                    problems.append(f"{result.outcome}: {result.message}")
            except Exception as error:  # an error here is an error a user would have seen
                problems.append(repr(error)[:200])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Session(engine) as session:
        stored = session.exec(select(func.count()).select_from(Audit)).one() - before
    return stored, problems


def test_8_threads_x_50_audit_saves_are_all_stored(db_url):
    stored, problems = _hammer(get_engine(db_url))
    assert problems == []
    assert stored == THREADS * SAVES == 400
    with Session(get_engine(db_url)) as session:
        answers = session.exec(select(func.count()).select_from(Answer)).one()
        actions = session.exec(select(func.count()).select_from(RemedialAction)).one()
    assert answers == 400 * 10 and actions == 400 * 2
    # Progress's rollup (db.rollups) recounted today's answers 400 times, from 8 writers at once: each
    # question's row for today holds all 400 answers at the one grade bench.save._form gives it, and
    # nothing else (grades 1, 2, 2, 1, 2, 3, 2, 1, 2, 0 for the ten questions, in order).
    _, _, question_ids, _ = _setup(get_engine(db_url), 0)
    with Session(get_engine(db_url)) as session:
        rollup = session.exec(select(AnswerDayCount.question_id, AnswerDayCount.grade, AnswerDayCount.answers)
                              .where(AnswerDayCount.day == clock.today())).all()
    assert sorted(rollup) == sorted(zip(question_ids, (1, 2, 2, 1, 2, 3, 2, 1, 2, 0), [400] * 10))


def test_the_same_load_without_begin_immediate_fails_on_sqlite(db_url):
    """Proof the test above can fail: switch the protection off and users see errors or lose saves."""
    if not is_sqlite(db_url):
        pytest.skip("BEGIN IMMEDIATE is SQLite's protection; PostgreSQL has row-level locking")
    unprotected = create_db_engine(db_url, immediate_writes=False)
    try:
        stored, problems = _hammer(unprotected, setup_engine=get_engine(db_url))
    finally:
        unprotected.dispose()
    assert problems or stored < 400


WRITER = r'''
import sys
from core import clock
from bench.save import _form
from tests.reliability.test_writes_under_load import _setup
from db.audits.choices import question_rules, theme_choices
from db.audits.saving import submit
from db.engine import get_engine
from tests.writes import one_action
engine = get_engine(sys.argv[1])
scope, theme_id, question_ids, cases = _setup(engine, 400)
print("ready", flush=True)
for number, case in enumerate(cases):
    result = one_action(submit, _form(case, theme_id, question_ids, clock.today(), number), scope=scope,
                        today=clock.today(), engine=engine)
    print("saved", number, flush=True)
'''


@pytest.mark.parametrize("delay", [0.0, 0.004, 0.011])
def test_a_process_killed_mid_save_leaves_whole_audits_or_none(db_url, delay):
    process = subprocess.Popen([sys.executable, "-c", WRITER, db_url], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout.readline().strip() == "ready", process.stderr.read()[-2000:]
    while not process.stdout.readline().startswith("saved 3"):
        pass
    time.sleep(delay)  # saves are under way: kill at different points inside the next one
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    engine = get_engine(db_url)
    engine.dispose()
    if is_sqlite(db_url):
        assert integrity_check(Path(db_url.removeprefix("sqlite:///"))) == "ok"
    with Session(engine) as session:
        bench_audits = session.exec(text(
            "select a.id, (select count(*) from answer w where w.audit_id = a.id), "
            "(select count(*) from remedial_action r where r.audit_id = a.id) "
            "from audit a join theme t on t.id = a.theme_id where t.code = 'bench_save'"
        )).all()
    assert bench_audits, "the writer had saved some audits before it was killed"
    for audit_id, answers, actions in bench_audits:
        assert (answers, actions) == (10, 2), f"audit {audit_id} is partial: {answers} answers, {actions} actions"


def test_a_writer_queued_past_the_busy_timeout_is_refused_as_sqlite_refuses_it(db_url, monkeypatch):
    """The writers of one process queue for SQLite's write lock (db.engine.write_session). One that waits past
    the busy timeout gets SQLite's own "database is locked", which every page shows as a database that cannot
    save right now (ui.errors), never a crash."""
    if not is_sqlite(db_url):
        pytest.skip("the queue is SQLite's: PostgreSQL has row-level locking")
    import db.engine as engine_module
    from sqlalchemy.exc import OperationalError

    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    engine = get_engine(db_url)
    holding, done = threading.Event(), threading.Event()

    def holder():
        with write_session(engine, checked=False):
            holding.set()
            done.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holding.wait(5)
        with pytest.raises(OperationalError, match="database is locked"):
            with write_session(engine, checked=False):
                pass
    finally:
        done.set()
        thread.join()
    with write_session(engine, checked=False):  # free again once the first writer is done
        pass
