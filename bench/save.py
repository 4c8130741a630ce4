"""The audit-entry benchmark: median milliseconds to submit one audit (10 answers, 2 remedial
actions) through exactly the functions the entry page calls (``db.audits.saving.submit``).

``median_save_ms(database_url, saves=200)`` is what ``python -m bench`` reports as
``save_ms``. It needs a migrated database (it normally already holds many audits);
it adds what it needs and finds missing: a 10-question template for a ``bench_save``
theme (through ``db.templates.load_template``), an auditor, a team with a
practitioner, and one new case per save (added through ``db.audits.choices.create_case``,
outside the timing). Run on its own:
``python -m bench.save --database-url sqlite:///path.db [--saves 200]``.
"""
from __future__ import annotations

import argparse
import secrets
import statistics
import time
from datetime import date, timedelta

from sqlalchemy import Engine
from sqlmodel import col, select

from core import casereference, clock
from core.audit_rules import ActionInput, AnswerInput, AuditInput
from core.authz import Role, Scope
from core.templates import LIVED_EXPERIENCE_DOMAIN, QuestionSpec, TemplateSpec
from core.workdays import default_due_date
from db.audits.choices import AuditEntryError, CaseChoice, create_case, question_rules, theme_choices
from db.audits.saving import save_draft, submit
from db.engine import get_engine, write_session
from db.models import Practitioner, Team, User, UserRole
from db.templates import load_template, theme_by_code
from db.users import create_user, load_signed_in

BENCH_THEME = "bench_save"
NARRATIVE = (
    "The record describes the child's school days, who they spend time with and how they feel at home, with "
    "their own words from a visit where they were seen alone, and what that means for their safety."
)
DOMAINS = (
    LIVED_EXPERIENCE_DOMAIN, LIVED_EXPERIENCE_DOMAIN, "Assessment quality", "Risk analysis", "Plan quality",
    "Chronology and history", "Multi-agency working", "Management oversight", "Timeliness and recording",
    "Impact for the child",
)


def _bench_template() -> TemplateSpec:
    questions = tuple(
        QuestionSpec(
            key=f"q{index + 1}", domain=domain, text=f"Benchmark question {index + 1}?",
            guidance="What good looks like.", limiting=domain in (LIVED_EXPERIENCE_DOMAIN, "Risk analysis"),
            allow_na=index == 9,
        )
        for index, domain in enumerate(DOMAINS)
    )
    return TemplateSpec(theme=BENCH_THEME, name="Benchmark (save timing)", version=1,
                        description="Made by bench/save.py to time audit submission.", questions=questions)


def _prepare(engine: Engine) -> tuple[Scope, int, int, int]:
    """The auditor's scope, the bench theme's id, and a team and practitioner to audit."""
    with write_session(engine) as session:
        if theme_by_code(session, BENCH_THEME) is None:
            load_template(session, _bench_template(), actor="bench")
        auditor = session.exec(
            select(User.username).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.AUDITOR.value, col(User.active).is_(True)).order_by(User.id)
        ).first()
        if auditor is None:
            auditor = create_user(session, actor="bench", username="bench_save_auditor", display_name="Bench Saver",
                                  password=secrets.token_urlsafe(24), roles={Role.AUDITOR}, check_strength=False,
                                  bcrypt_rounds=4).username
        practitioner = session.exec(select(Practitioner).where(col(Practitioner.active).is_(True))).first()
        if practitioner is None:
            team = session.exec(select(Team)).first() or Team(name="Bench team")
            session.add(team)
            session.flush()
            practitioner = Practitioner(name="Bench Practitioner", team_id=team.id)
            session.add(practitioner)
            session.flush()
        theme_id = theme_by_code(session, BENCH_THEME).id
        scope = load_signed_in(session, auditor).scope
        return scope, theme_id, practitioner.team_id, practitioner.id


def _new_case(scope: Scope, team_id: int, practitioner_id: int, engine: Engine) -> CaseChoice:
    while True:
        reference = f"BS{secrets.randbelow(10**8):08d}"
        if casereference.problem_with(reference) is None:
            try:
                with write_session(engine) as session:
                    return create_case(session, scope, reference=reference, team_id=team_id,
                                              practitioner_id=practitioner_id, kind="external")
            except AuditEntryError:  # the random reference exists already: draw again
                continue


def _form(case: CaseChoice, theme_id: int, question_ids: list[int], today: date, number: int) -> AuditInput:
    grades = (1, 2, 2, 1, 2, 3, 2, 1, 2, 0)
    due = default_due_date(today)
    return AuditInput(
        case_id=case.id, theme_id=theme_id, kind="external", work_date=today - timedelta(days=5), audit_date=today,
        answers={qid: AnswerInput(grade, f"Rationale {number}.{index}: what the record shows.")
                 for index, (qid, grade) in enumerate(zip(question_ids, grades))},
        lived_experience=NARRATIVE, overall_grade=1, overall_rationale="Risk is described, not analysed.",
        impact_for_child="Little has changed for the child yet.",
        actions=[ActionInput("Update the chronology with the earlier referrals.", case.practitioner_id, due),
                 ActionInput("See the child alone and record their words.", case.practitioner_id, due)],
    )


def _question_ids(engine: Engine, theme_id: int) -> list[int]:
    with write_session(engine) as session:
        version = next(t for t in theme_choices(session) if t.id == theme_id).template_version_id
        return [q.id for q in question_rules(session, version)]


class DraftSaver:
    """Saves a new draft (10 answers, 2 remedial actions) as an auditor's autosave does: what the reports'
    caches must survive (``ui/cache.py``). ``new_case()`` first (adding a case is a write every report
    sees), then ``save()``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.scope, self.theme_id, self.team_id, self.practitioner_id = _prepare(engine)
        self.question_ids = _question_ids(engine, self.theme_id)
        self.case: CaseChoice | None = None

    def new_case(self) -> None:
        self.case = _new_case(self.scope, self.team_id, self.practitioner_id, self.engine)

    def save(self) -> None:
        today = clock.today()
        with write_session(self.engine) as session:
            result = save_draft(session, _form(self.case, self.theme_id, self.question_ids, today, 0), scope=self.scope,
                                today=today)
        if not result.ok:
            raise RuntimeError(f"a benchmark draft was not saved: {result.outcome} {result.message}")


def median_save_ms(database_url: str, saves: int = 200) -> float:
    """Median milliseconds of ``db.audits.saving.submit`` for ``saves`` new audits of 10 answers and 2 actions."""
    engine = get_engine(database_url)
    scope, theme_id, team_id, practitioner_id = _prepare(engine)
    question_ids = _question_ids(engine, theme_id)
    today = clock.today()
    cases = [_new_case(scope, team_id, practitioner_id, engine) for _ in range(saves)]
    timings = []
    for number, case in enumerate(cases):
        form = _form(case, theme_id, question_ids, today, number)
        started = time.perf_counter()
        with write_session(engine) as session:  # one save, one transaction, as the entry page does
            result = submit(session, form, scope=scope, today=today)
        timings.append((time.perf_counter() - started) * 1000)
        if not result.ok:
            raise RuntimeError(f"a benchmark submission was not saved: {result.outcome} {result.message}")
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(prog="python -m bench.save", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a migrated database (e.g. one built by bench.synthetic)")
    parser.add_argument("--saves", type=int, default=200)
    args = parser.parse_args(argv)
    median = median_save_ms(args.database_url, args.saves)
    print(f"save_ms: {median:.1f} (median of {args.saves} submissions, 10 answers and 2 actions each)")
    return median


if __name__ == "__main__":
    main()
