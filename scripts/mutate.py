"""Hand mutation test: break each rule the suite must guard, run the tests named for it, restore.

Each mutation is a file, an exact source snippet (found exactly once) and its replacement,
plus the test node ids that must catch it. For every mutation the script first runs those
tests on the unchanged source (they must pass, or a failure would prove nothing), then
applies the mutation, runs them again (at least one must fail: "caught"), and restores the
file whatever happens. The table printed at the end is the one in docs/testing.md.

    .venv/bin/python scripts/mutate.py              # every mutation
    .venv/bin/python scripts/mutate.py prefixes     # only the named ones
    .venv/bin/python scripts/mutate.py --list

Exit status 0 when every mutation is caught, 1 when one survives, 2 when one cannot be
applied (its snippet is gone: update the mutation with the code) or its tests fail unmutated.
"""
from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    name: str
    rule: str
    path: str
    snippet: str
    replacement: str
    tests: tuple[str, ...]


MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        "working_days", "Working days skip bank holidays (England and Wales)",
        "core/workdays.py",
        "return day.weekday() < 5 and not is_bank_holiday(day)",
        "return day.weekday() < 5",
        ("tests/unit/test_core_basics.py::test_late_may_bank_holiday_is_skipped",
         "tests/unit/test_actions.py::test_bank_holidays_do_not_count_as_overdue_days"),
    ),
    Mutation(
        "overdue_count", "Overdue is counted in working days after the due date",
        "core/actions.py",
        "return max(0, working_days_between(due_on, today))",
        "return max(0, (today - due_on).days)",
        ("tests/unit/test_actions.py::test_overdue_counts_working_days_after_the_due_date",),
    ),
    Mutation(
        "overdue_sql_cutoff", "The SQL overdue filter: due before the latest working day on or before today",
        "db/queries/actions.py",
        "RemedialAction.due_on < cutoff)",
        "RemedialAction.due_on <= cutoff)",
        ("tests/data/test_actions.py::test_each_filter_returns_exactly_its_subset",
         "tests/data/test_actions.py::test_counts_agree_with_the_list"),
    ),
    Mutation(
        "kappa_weights", "Cohen's kappa uses quadratic weights",
        "core/agreement.py",
        "weight = [[(i - j) ** 2 / 9 for j in range(4)] for i in range(4)]",
        "weight = [[abs(i - j) / 3 for j in range(4)] for i in range(4)]",
        ("tests/unit/test_moderation.py::test_hand_worked_kappa_with_one_generous_grade",),
    ),
    Mutation(
        "direction", "Direction is the mean of first minus moderated grade (positive: generous first grader)",
        "core/agreement.py",
        "direction=sum((i - j) * count for i, j, count in cells) / n if n else None,",
        "direction=sum((j - i) * count for i, j, count in cells) / n if n else None,",
        ("tests/unit/test_moderation.py::test_direction_reading_flags_a_generous_grader",),
    ),
    Mutation(
        "rag_python", "RAG in Python: Requires improvement is Amber, not Red",
        "core/grades.py",
        "    if grade is Grade.INADEQUATE:\n        return Rag.RED",
        "    if grade in (Grade.INADEQUATE, Grade.REQUIRES_IMPROVEMENT):\n        return Rag.RED",
        ("tests/unit/test_core_basics.py::test_rag_of_each_grade",),
    ),
    Mutation(
        "rag_sql", "RAG in SQL: grade 2 is Amber",
        "db/queries/common.py",
        'case((grade == 1, "R"), (grade == 2, "A"), (grade >= 3, "G"), else_=None)',
        'case((grade <= 2, "R"), (grade == 2, "A"), (grade >= 3, "G"), else_=None)',
        ("tests/data/test_progress.py::test_month_2_figures_match_a_count_of_the_rows",),
    ),
    Mutation(
        "limiting_override", "A Good overall despite an Inadequate limiting question needs a reason",
        "core/audit_rules.py",
        "return (form.overall_grade or 0) >= Grade.GOOD and bool(limiting_inadequate(form, questions))",
        "return (form.overall_grade or 0) > Grade.GOOD and bool(limiting_inadequate(form, questions))",
        ("tests/unit/test_audit_entry.py::test_a_good_overall_with_an_inadequate_limiting_question_needs_an_override_reason",),
    ),
    Mutation(
        "red_without_action", "A Red audit with no remedial action needs the reason",
        "core/audit_rules.py",
        "return rag_of(form.overall_grade) is Rag.RED and not form.raised_actions",
        "return rag_of(form.overall_grade) is Rag.RED and not form.actions",
        ("tests/unit/test_audit_entry.py::test_a_red_audit_with_an_action_needs_no_reason_but_a_blank_row_is_no_action",),
    ),
    Mutation(
        "export_prefixes", "Exports neutralise every OWASP formula prefix (+ removed)",
        "core/exports.py",
        'DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\\t", "\\r", "\\n")',
        'DANGEROUS_PREFIXES = ("=", "-", "@", "\\t", "\\r", "\\n")',
        ("tests/unit/test_core_basics.py::test_every_dangerous_prefix_is_neutralised",
         "tests/unit/test_actions.py::test_csv_export_neutralises_every_dangerous_prefix"),
    ),
    Mutation(
        "role_table", "The role table: a sponsor may not open the Audit page",
        "core/authz.py",
        "frozenset({Role.AUDITOR, Role.MANAGER, Role.SUPPORT, Role.ADMIN}), section=\"Audits\", hidden=True",
        "frozenset({Role.AUDITOR, Role.MANAGER, Role.SUPPORT, Role.ADMIN, Role.SPONSOR}), section=\"Audits\", hidden=True",
        ("tests/unit/test_role_matrix.py::test_each_role_may_open_exactly_its_pages",
         "tests/app/test_foundation_pages.py::test_every_page_refuses_the_roles_it_is_not_for[sponsor-audit_view]"),
    ),
    Mutation(
        "manager_scope", "A manager's queries see the teams they manage only",
        "db/queries/common.py",
        "    return statement.where(col(team_column).in_(sorted(team_ids)))",
        "    return statement",
        ("tests/data/test_overview.py::test_a_manager_sees_only_their_teams",
         "tests/data/test_progress.py::test_a_manager_sees_only_their_teams_and_no_programme_target"),
    ),
    Mutation(
        "optimistic_lock", "Audits carry an optimistic lock (version_id_col): a stale save is a conflict",
        "db/models.py",
        "    submitted_at: datetime | None = None\n    version: int = Field(default=1)\n\n    @declared_attr\n"
        "    def __mapper_args__(cls) -> dict[str, Any]:\n        return {\"version_id_col\": cls.__table__.c.version}",
        "    submitted_at: datetime | None = None\n    version: int = Field(default=1)\n\n    @declared_attr\n"
        "    def __mapper_args__(cls) -> dict[str, Any]:\n        return {}",
        ("tests/data/test_audit_entry.py::test_a_save_racing_another_between_read_and_write_is_a_conflict_too",),
    ),
    Mutation(
        "sponsor_aggregates_only", "A sponsor never opens one audit (aggregates only)",
        "db/audits/access.py",
        "if audit is None or scope.aggregates_only or not scope.can_see_team(audit.team_id):",
        "if audit is None or not scope.can_see_team(audit.team_id):",
        ("tests/data/test_audit_entry.py::test_others_see_a_submitted_audit_read_only_and_never_someone_elses_draft",),
    ),
    Mutation(
        "cache_read_events", "The query cache treats only views, exports and sign-ins as reads",
        "db/events.py",
        '"login.success", "login.failure", "login.delayed", "logout", "page.refused",\n})',
        '"login.success", "login.failure", "login.delayed", "logout", "page.refused", "action.done",\n})',
        ("tests/unit/test_cache_events.py",
         "tests/app/test_actions.py::test_marking_done_is_refused_without_a_note_then_works_with_one"),
    ),
    Mutation(
        "cache_draft_events", "Only a draft's own saves leave the reports' cache alone",
        "db/events.py",
        'frozenset({"audit.create", "audit.save"})',
        'frozenset({"audit.create", "audit.save", "audit.submit"})',
        ("tests/unit/test_cache_events.py",
         "tests/app/test_draft_saves.py::test_a_draft_changes_nothing_a_report_shows_and_keeps_its_cache"),
    ),
    Mutation(
        "report_reads_drafts", "The heatmaps count submitted audits only",
        "db/queries/heatmap.py",
        'statement = in_scope(statement.where(Audit.status == "submitted"), scope)',
        "statement = in_scope(statement, scope)",
        ("tests/app/test_draft_saves.py::test_a_draft_changes_nothing_a_report_shows_and_keeps_its_cache",),
    ),
    Mutation(
        "rollup_amend", "An amendment takes back what the audit counted for before (its old day and grades)",
        "db/audits/saving.py",
        "counted_before = contribution(session, audit.id) if was_submitted else Contribution()",
        "counted_before = Contribution()",
        ("tests/data/test_rollups.py::test_each_write_leaves_every_day_equal_to_its_recount[sqlite]",),
    ),
    Mutation(
        "rollup_action_step", "An action's own step (done, verified, reopened, a new due date) moves Progress's action rollup",
        "db/actions.py",
        "    apply_to_rollups(session, counted, action_contribution(session, action.audit_id))\n",
        "",
        ("tests/data/test_rollups.py::test_each_action_write_leaves_the_action_rollup_equal_to_its_recount[sqlite]",),
    ),
    Mutation(
        "rollup_audit_grade", "Progress's audit rollup counts an audit under its reported (agreed) overall grade",
        "db/rollups.py",
        "grade = func.coalesce(reported_overall, NO_GRADE)",
        "grade = func.coalesce(Audit.overall_grade, NO_GRADE)",
        ("tests/data/test_rollups.py::test_completing_a_moderation_counts_the_agreed_grades[sqlite]",),
    ),
    Mutation(
        "rollup_moderation", "Completing a moderation recounts its audit's day with the agreed grades",
        "db/moderation/grading.py",
        "    apply_to_rollup(session, counted_before, contribution(session, audit.id))  # agreed grades now reported\n",
        "",
        ("tests/data/test_rollups.py::test_completing_a_moderation_counts_the_agreed_grades[sqlite]",),
    ),
    Mutation(
        "rollup_agreement", "Completing a moderation stores how its audit's answers agree",
        "db/moderation/grading.py",
        "    refresh_agreement(session, audit.id)  # how the answers agree, stored for Progress (db.rollups)\n",
        "",
        ("tests/data/test_rollups.py::test_each_completed_moderation_stores_the_recount_of_its_answers[sqlite]",),
    ),
    Mutation(
        "rollup_grade_pairs", "Completing a moderation stores its question grades by pair (the agreement page's)",
        "db/rollups.py",
        "    _insert_grade_pairs(session, Moderation.audit_id == audit_id)\n",
        "",
        ("tests/data/test_rollups.py::test_each_completed_moderation_stores_its_grade_pairs[sqlite]",),
    ),
    Mutation(
        "sign_in_refusal_kept", "A refused sign-in's message stays under the form until the next attempt",
        "ui/auth.py",
        "    if problem := st.session_state.get(SIGN_IN_PROBLEM):\n",
        "    if submitted and (problem := st.session_state.get(SIGN_IN_PROBLEM)):\n",
        ("tests/security/test_sign_in_security.py::test_the_refusal_stays_under_the_form_until_the_next_attempt",),
    ),
    Mutation(
        "router_turn_released", "A page run gives its process's turn back however it ends",
        "ui/turns.py",
        "        if taken:\n            _turn.release()\n",
        "        pass\n",
        ("tests/unit/test_turns.py", "tests/app/test_router_turns.py"),
    ),
)


def run_tests(tests: tuple[str, ...]) -> tuple[int, str]:
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "no:randomly",
               "-m", "not browser", *tests]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, (lines[-1] if lines else done.stderr.strip()[-200:])


def mutate(mutation: Mutation) -> str:
    path = ROOT / mutation.path
    original = path.read_text()
    if original.count(mutation.snippet) != 1:
        return f"NOT APPLIED: snippet found {original.count(mutation.snippet)} times in {mutation.path}"
    code, summary = run_tests(mutation.tests)
    if code != 0:
        return f"TESTS FAIL UNMUTATED: {summary}"
    try:
        path.write_text(original.replace(mutation.snippet, mutation.replacement))
        code, summary = run_tests(mutation.tests)
    finally:
        path.write_text(original)
    if code == 1:
        return f"caught ({summary})"
    if code == 0:
        return f"SURVIVED ({summary})"
    return f"ERROR: pytest exit {code} ({summary})"


def main(argv: list[str]) -> int:
    if "--list" in argv:
        for m in MUTATIONS:
            print(f"{m.name}: {m.rule} [{m.path}]")
        return 0
    chosen = [m for m in MUTATIONS if not argv or m.name in argv]
    unknown = set(argv) - {m.name for m in MUTATIONS}
    if unknown:
        print(f"unknown mutations: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    status = 0
    for m in chosen:
        outcome = mutate(m)
        print(f"{m.name:24} {outcome}", flush=True)
        if outcome.startswith("SURVIVED"):
            status = max(status, 1)
        elif not outcome.startswith("caught"):
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
