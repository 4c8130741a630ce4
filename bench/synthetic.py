"""A synthetic database of N audits (about 10 answers each), built with bulk inserts.

Shaped like a large council's programme: teams of 12 practitioners, the five
bundled themes (6 to 12 questions each), 85% external audits over 12 weeks,
a few percent moderated (with moderated grades that differ from the first
ones), remedial actions on a quarter of the audits, meetings, and the users the
benchmark signs in as (``bench_auditor``, ``bench_manager``, ``bench_sponsor``,
``bench_admin``; they cannot sign in through the form: their password is random).

Rows go in by chunks, each committed, so memory stays flat: SQLAlchemy Core
``executemany`` on SQLite (100,000 audits, about a million answers, in well under
a minute); on PostgreSQL ``COPY ... FROM STDIN`` through psycopg, with the bulk
tables' secondary indexes built once after the load and the foreign-key triggers
skipped for the load's transactions when the user may (a superuser).

Run as ``python -m bench.synthetic --audits N [--database-url URL]``.
"""
from __future__ import annotations

import argparse
import json
import operator
import random
import secrets
import sys
import time
from dataclasses import replace
from datetime import date, datetime, time as wall_time, timedelta, timezone

from sqlalchemy import event, func, insert, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from core import clock
from core.authz import Role
from core.templates import QuestionSpec, bundled_templates
from core.workdays import default_due_date, week_start
from db import migrate
from db.engine import create_db_engine, get_engine, is_sqlite, write_session
from db.events import record
from db.models import (
    Answer, Audit, Case, Meeting, Moderation, ModerationAnswer, Practitioner, Programme, ProgrammeTarget,
    RemedialAction, Team, Theme,
)
from db.rollups import rebuild
from db.templates import latest_version, load_template, questions_of, sync_bundled_templates
from db.users import create_user

SEED = 20261126
WEEKS = 12
PRACTITIONERS_PER_TEAM = 12
CHUNK = 5_000
PG_CHUNK = 20_000  # audits per committed chunk on PostgreSQL (about 200,000 answers)
# The tables filled in bulk: their secondary indexes are built once after the load on PostgreSQL.
BULK_TABLES = ("case", "audit", "answer", "moderation", "moderation_answer", "remedial_action")
BENCH_USERS = {
    "bench_auditor": ("Bench Auditor", {Role.AUDITOR}),
    "bench_manager": ("Bench Manager", {Role.MANAGER}),
    "bench_sponsor": ("Bench Sponsor", {Role.SPONSOR}),
    "bench_admin": ("Bench Admin", {Role.ADMIN}),
    "bench_support": ("Bench Support", {Role.SUPPORT}),
}
AREAS = ("Front door", "Assessment", "Safeguarding and CIN", "Children looked after")
ACTION_TEXTS = (
    "Update the chronology to include the previous referrals.",
    "See the child alone and record their words, wishes and feelings.",
    "Hold a strategy discussion with police, health and education and record its outcome.",
    "Complete the Graded Care Profile 2 and use it to revise the plan.",
    "Record the management rationale for the threshold decision on the case file.",
)
RATIONALES = (
    "Not evidenced in the record; the gap leaves the child's needs or risks unclear.",
    "Some evidence, but mostly description rather than analysis; gaps noted.",
    "Evidence in the record meets the standard; analysis is present and proportionate.",
    "Exceptional, well-evidenced practice; analysis is clear and the child's experience drives it.",
)


def team_count(audits: int) -> int:
    """More teams for bigger councils: 8 for the demo's size, 40 at 100,000 audits."""
    return max(8, min(40, audits // 2_500))


def _concern(audit_id: int, submitted: bool, day: date, manager_id: int) -> dict:
    raised = submitted and audit_id % 200 == 0
    acknowledged = raised and audit_id % 1000 != 0
    return {
        "safeguarding_concern": raised,
        "safeguarding_action": "Strategy discussion requested the same day." if raised else "",
        "safeguarding_told": "Team manager by phone." if raised else "",
        "safeguarding_ack_by_id": manager_id if acknowledged else None,
        "safeguarding_ack_at": _stamp(day, 16) if acknowledged else None,
    }


def _say(started: float, what: str) -> None:
    print(f"[{time.perf_counter() - started:7.1f} s] {what}", file=sys.stderr, flush=True)


def _stamp(day: date, hour: int) -> datetime:
    return datetime.combine(day, wall_time(hour, 0), tzinfo=timezone.utc)


def _grade(value: float) -> int:
    return max(1, min(4, round(value)))


EXTRA_QUESTIONS = (
    QuestionSpec("bench_impact", "Impact for the child", "What difference has the work made for the child?",
                 "The record shows what changed for the child."),
    QuestionSpec("bench_timeliness", "Timeliness and recording", "Was the work done and recorded in timescale?",
                 "Visits, assessments and plans are in timescale and recorded promptly."),
    QuestionSpec("bench_oversight", "Management oversight", "Is management oversight visible at decision points?",
                 "Decisions carry a manager's recorded rationale."),
)


def _ten_question_versions(session) -> None:
    """A second version of every bundled template, padded to 10 questions: audits then have
    about 10 answers each, as councils' edited templates often do."""
    for spec in bundled_templates():
        keys = {q.key for q in spec.questions}
        extra = [q for q in EXTRA_QUESTIONS if q.key not in keys][: max(0, 10 - len(spec.questions))]
        load_template(session, replace(spec, version=spec.version + 1, questions=spec.questions + tuple(extra)),
                      actor="bench")



# ------------------------------------------------------------------ writing rows in bulk
def _executemany(conn, table, rows: list[dict]) -> None:
    conn.execute(insert(table), rows)


def _copy(conn, table, rows: list[dict]) -> None:
    """``COPY ... FROM STDIN`` through psycopg (rows written by its C dumpers): several times faster than
    INSERTs for ten million answers."""
    if not rows:
        return
    columns = list(rows[0])
    values = operator.itemgetter(*columns)
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.dbapi_connection.cursor()
    # bandit B608: table and column names come from this package's models
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # nosec B608
        for row in rows:
            copy.write_row(values(row))


def _no_replica_checks(conn, sqlite: bool) -> None:
    """PostgreSQL: skip the foreign-key triggers for this transaction (the builder writes consistent ids;
    checking ten million answers against their audits one by one doubled the load). Needs a superuser;
    without one the checks simply run."""
    if sqlite:
        return
    try:
        with conn.begin_nested():
            conn.execute(text("SET LOCAL session_replication_role = replica"))
    except DBAPIError as error:  # not a superuser: keep the checks, and say so
        print(f"foreign-key checks stay on ({error.orig.__class__.__name__}): the load is slower", file=sys.stderr)


def _drop_secondary_indexes(conn) -> list[str]:
    """Drop the bulk tables' plain indexes (not primary keys or unique constraints) and return their
    definitions: building an index once after the load is several times cheaper than keeping it up
    to date row by row."""
    with conn.begin():
        rows = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ), {"tables": list(BULK_TABLES)}).all()
        for name, _definition in rows:
            conn.execute(text(f'DROP INDEX "{name}"'))  # nosec B608 - names read from pg_indexes
    return [definition for _name, definition in rows]


def _recreate_indexes(conn, definitions: list[str]) -> None:
    for definition in definitions:
        with conn.begin():
            conn.execute(text("SET maintenance_work_mem = '256MB'"))
            conn.execute(text(definition))


def build(database_url: str, audits: int, *, today: date | None = None, seed: int = SEED) -> dict:
    """Migrate ``database_url`` (an empty database) and fill it with ``audits`` synthetic audits."""
    started = time.perf_counter()
    today = today or clock.today()
    # bandit B311: reproducible synthetic data, not security
    rng = random.Random(seed)  # nosec B311
    migrate.upgrade(database_url)
    _say(started, "migrated")
    engine = get_engine(database_url)
    start = week_start(today) - timedelta(weeks=WEEKS - 1)

    with write_session(engine) as session:
        if session.exec(select(Programme.id)).first() is not None:
            raise RuntimeError("The benchmark builds into an empty database only.")
        sync_bundled_templates(session, actor="bench")
        _ten_question_versions(session)
        themes = session.exec(select(Theme)).all()
        questions = {t.id: questions_of(session, latest_version(session, t.id).id) for t in themes}
        versions = {t.id: latest_version(session, t.id).id for t in themes}
        programme = Programme(name="Synthetic benchmark programme", start_date=start, weeks=WEEKS)
        session.add(programme)
        session.flush()
        for theme in themes:
            session.add(ProgrammeTarget(programme_id=programme.id, theme_id=theme.id, target=audits // len(themes)))
        teams = []
        for index in range(team_count(audits)):
            team = Team(name=f"Team {index + 1:02d}", service_area=AREAS[index % len(AREAS)])
            session.add(team)
            teams.append(team)
        session.flush()
        practitioners: dict[int, list[int]] = {}
        for team in teams:
            for index in range(PRACTITIONERS_PER_TEAM):
                practitioner = Practitioner(name=f"Practitioner {team.id:02d}-{index + 1:02d}", team_id=team.id)
                session.add(practitioner)
                session.flush()
                practitioners.setdefault(team.id, []).append(practitioner.id)
        password = secrets.token_urlsafe(24)
        users = {}
        for username, (display, roles) in BENCH_USERS.items():
            managed = {teams[0].id} if Role.MANAGER in roles else set()
            users[username] = create_user(
                session, actor="bench", username=username, display_name=display, password=password, roles=roles,
                managed_team_ids=managed, check_strength=False, bcrypt_rounds=4,
            ).id
        auditor_ids = [users["bench_auditor"]]
        for index in range(9):
            auditor_ids.append(create_user(
                session, actor="bench", username=f"bench_auditor_{index + 2}", display_name=f"Auditor {index + 2}",
                password=password, roles={Role.AUDITOR}, check_strength=False, bcrypt_rounds=4,
            ).id)
        manager_of: dict[int, int] = {teams[0].id: users["bench_manager"]}
        for team in teams[1:]:
            manager_of[team.id] = create_user(
                session, actor="bench", username=f"bench_manager_{team.id}", display_name=f"Manager of {team.name}",
                password=password, roles={Role.MANAGER}, managed_team_ids={team.id}, check_strength=False,
                bcrypt_rounds=4,
            ).id
        question_rows = {theme_id: [(q.id, q.domain) for q in qs] for theme_id, qs in questions.items()}
        team_ids = [t.id for t in teams]
        team_effect = {t: rng.gauss(0, 0.3) for t in team_ids}
        practitioner_effect = {p: rng.gauss(0, 0.35) for ps in practitioners.values() for p in ps}
        theme_ids = [t.id for t in themes]
        programme_id = programme.id
        first_audit = (session.exec(select(func.max(Audit.id))).one() or 0) + 1
        first_case = (session.exec(select(func.max(Case.id))).one() or 0) + 1

    counts = {"audits": 0, "answers": 0, "moderations": 0, "actions": 0}
    now = datetime.now(timezone.utc)
    days = [start + timedelta(days=d) for d in range((today - start).days + 1)]
    days = [day for day in days if day.weekday() < 5]
    bulk = create_db_engine(database_url)
    sqlite = is_sqlite(database_url)
    if sqlite:
        @event.listens_for(bulk, "connect")
        def _no_sync(dbapi_connection, _record) -> None:
            # A throw-away benchmark database: no need to wait for the disk on every chunk.
            dbapi_connection.execute("PRAGMA synchronous=OFF")

    write = _executemany if sqlite else _copy
    chunk = CHUNK if sqlite else PG_CHUNK
    with bulk.connect() as conn:
        _say(started, "programme, teams and users written")
        dropped = [] if sqlite else _drop_secondary_indexes(conn)
        for chunk_start in range(0, audits, chunk):
            case_rows, audit_rows, answer_rows = [], [], []
            moderation_rows, moderation_answers, action_rows = [], [], []
            for offset in range(chunk_start, min(audits, chunk_start + chunk)):
                audit_id, case_id = first_audit + offset, first_case + offset
                team_id = rng.choice(team_ids)
                practitioner_id = rng.choice(practitioners[team_id])
                theme_id = rng.choice(theme_ids)
                day = rng.choice(days)
                week = (day - start).days // 7 + 1
                internal = rng.random() < 0.15
                submitted = rng.random() < 0.98
                quality = (1.8 + 0.08 * week + team_effect[team_id] + practitioner_effect[practitioner_id]
                           + rng.gauss(0, 0.6))
                grades = []
                for question_id, domain in question_rows[theme_id]:
                    offset_le = -0.5 if domain.startswith("Lived experience") else 0.0
                    grade = _grade(quality + offset_le + rng.gauss(0, 0.45))
                    grades.append((question_id, grade))
                overall = _grade(sum(g for _, g in grades) / len(grades) + rng.gauss(0, 0.25))
                moderated = internal and submitted and rng.random() < 0.25
                moderated_overall = max(1, overall - 1) if moderated and rng.random() < 0.5 else overall
                case_rows.append({
                    "id": case_id, "reference": f"BEN{case_id:09d}", "team_id": team_id,
                    "practitioner_id": practitioner_id, "service_area": AREAS[(team_id - 1) % len(AREAS)],
                    "created_at": now,
                })
                audit_rows.append({
                    "id": audit_id, "case_id": case_id, "theme_id": theme_id, "template_version_id": versions[theme_id],
                    "programme_id": programme_id, "kind": "internal" if internal else "external",
                    "auditor_id": manager_of[team_id] if internal else rng.choice(auditor_ids), "team_id": team_id,
                    "practitioner_id": practitioner_id, "work_date": day - timedelta(days=rng.randint(1, 8)),
                    "audit_date": day, "status": "submitted" if submitted else "draft",
                    "overall_grade": overall if submitted else None,
                    "overall_rationale": RATIONALES[overall - 1], "impact_for_child": "Some difference for the child.",
                    "lived_experience": "", "limiting_override_reason": "", "no_action_reason": "",
                    "learning_points": "See the child alone.",
                    # One audit in 200 raises a safeguarding concern, and all but one in five of those
                    # are acknowledged, as in a live programme (no draw from rng: the rest stays as it was).
                    **_concern(audit_id, submitted, day, manager_of[team_id]),
                    "moderated_overall_grade": moderated_overall if moderated else None,
                    "created_at": _stamp(day, 9), "updated_at": _stamp(day, 11),
                    "submitted_at": _stamp(day, 11) if submitted else None, "version": 1,
                })
                for question_id, grade in grades:
                    moderated_grade = (max(1, grade - 1) if rng.random() < 0.3 else grade) if moderated else None
                    answer_rows.append({
                        "audit_id": audit_id, "question_id": question_id, "grade": grade,
                        "rationale": RATIONALES[grade - 1], "moderated_grade": moderated_grade,
                    })
                    if moderated:
                        moderation_answers.append((audit_id, question_id, moderated_grade))
                if moderated:
                    moderation_rows.append({
                        "id": audit_id, "audit_id": audit_id, "moderator_id": rng.choice(auditor_ids),
                        "assigned_by_id": auditor_ids[0], "assigned_at": _stamp(day, 12), "sample_label": "Bench",
                        "status": "completed", "moderator_overall_grade": moderated_overall,
                        "moderator_overall_rationale": "Moderated.", "agreed_overall_grade": moderated_overall,
                        "feedback": "Reflective feedback.", "graded_at": _stamp(day, 13),
                        "completed_at": _stamp(day, 14),
                    })
                if submitted and overall <= 2 and rng.random() < 0.5:
                    due = default_due_date(day)
                    done = due < today and rng.random() < 0.8
                    # Of the completed: most verified, some awaiting verification, a few reopened.
                    outcome = rng.random()
                    status = ("verified" if outcome < 0.7 else "done" if outcome < 0.92 else "reopened") if done \
                        else "open"
                    finished = status in ("done", "verified")
                    action_rows.append({
                        "audit_id": audit_id, "owner_id": practitioner_id,
                        "description": ACTION_TEXTS[audit_id % len(ACTION_TEXTS)],
                        "raised_by_id": auditor_ids[0], "raised_on": day, "due_on": due,
                        "status": status, "completion_note": "Done in the record." if finished else "",
                        "completed_on": due if finished else None,
                        "verified_by_id": auditor_ids[0] if status == "verified" else None,
                        "verified_on": due if status == "verified" else None,
                        "reopen_reason": "The record does not show it yet." if status == "reopened" else "",
                        "version": 1,
                    })
            # Each chunk is committed: memory stays flat and a failure loses one chunk, not the build.
            with conn.begin():
                _no_replica_checks(conn, sqlite)
                write(conn, Case.__table__, case_rows)
                write(conn, Audit.__table__, audit_rows)
                write(conn, Answer.__table__, answer_rows)
                if moderation_rows:
                    write(conn, Moderation.__table__, moderation_rows)
                    write(conn, ModerationAnswer.__table__, [
                        {"moderation_id": a, "question_id": q, "moderator_grade": g, "moderator_rationale": "",
                         "agreed_grade": g} for a, q, g in moderation_answers
                    ])
                if action_rows:
                    write(conn, RemedialAction.__table__, action_rows)
            counts["audits"] += len(audit_rows)
            counts["answers"] += len(answer_rows)
            counts["moderations"] += len(moderation_rows)
            counts["actions"] += len(action_rows)
            _say(started, f"{counts['audits']:,} audits")
        meetings = [
            {"kind": rng.choice(("mentoring", "reflective")), "held_on": rng.choice(days), "notes": "Bench meeting.",
             "follow_ups": "", "recorded_by_id": auditor_ids[0], "created_at": now}
            for _ in range(max(10, audits // 100))
        ]
        with conn.begin():
            conn.execute(insert(Meeting.__table__), meetings)
        if dropped:
            _recreate_indexes(conn, dropped)
            _say(started, f"{len(dropped)} indexes built")
    bulk.dispose()
    with write_session(engine) as session:
        rebuild(session)  # Progress's rollup of the answers loaded above (db.rollups)
    _say(started, "answer rollup counted")

    if not is_sqlite(database_url):
        # Explicit ids were inserted: move the sequences on, or the next save collides.
        with engine.begin() as conn:
            for table in ("case", "audit", "moderation"):
                # bandit B608: table names are this module's constants
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # nosec B608
                    f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))"
                ))
    if is_sqlite(database_url):
        with engine.connect() as conn:
            # Planner statistics, as any database holding this much data would have.
            conn.execute(text("ANALYZE"))
            conn.commit()
    else:
        # Statistics, and the visibility map that lets PostgreSQL answer from an index alone
        # (autovacuum would do both on a live server, later).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
    with write_session(engine) as session:
        record(session, "bench", "bench.seed", "programme", programme_id, after=counts)
    counts["build_s"] = round(time.perf_counter() - started, 1)
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    print(json.dumps(build(args.database_url, args.audits)))


if __name__ == "__main__":
    main()
