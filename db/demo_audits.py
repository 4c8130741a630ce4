"""The demo's audits: external and internal audits whose quality improves week by week, their
remedial actions, the moderation of internal audits, and the safeguarding concerns."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import Session

from core.grades import Grade
from core.templates import LIVED_EXPERIENCE_DOMAIN
from core.workdays import default_due_date
from db.demo_context import DemoContext, day_in_week, stamp
from db.demo_story import (
    ACTION_TEXTS,
    AUDITS_PER_WEEK,
    COMPLETION_NOTES,
    EXTERNAL_AUDITS,
    FEEDBACK_TEXTS,
    FIRST_GRADE_SCATTER,
    FIRST_RATIONALES,
    GENEROUS_MANAGER_TEAM,
    LIVED_EXPERIENCE_TEXTS,
    MANAGER_LEAN,
    MODERATED_INTERNAL,
    MODERATOR_SCATTER,
    OTHER_AUDITORS,
    RATIONALES,
    TEAM_EFFECT,
    TEAMS,
    THEME_TEAMS,
    WEEKS,
)
from db.models import (
    Answer,
    Audit,
    Case,
    Moderation,
    ModerationAnswer,
    Programme,
    Question,
    RemedialAction,
    Team,
    User,
)


def _first_rationale(question: Question, grade: Grade, case_id: int) -> str:
    if grade not in FIRST_RATIONALES:
        return RATIONALES[grade]
    text = FIRST_RATIONALES[grade][(question.id + case_id) % len(FIRST_RATIONALES[grade])]
    return text.format(d=question.domain.lower(), D=question.domain)



def _new_case(ctx: DemoContext, session: Session, team: Team) -> Case:
    while True:
        reference = f"LCS{ctx.rng.randint(100000, 999999)}"
        if reference not in ctx.case_refs:
            ctx.case_refs.add(reference)
            break
    practitioner = ctx.rng.choice(ctx.practitioners[team.id])
    case = Case(reference=reference, team_id=team.id, practitioner_id=practitioner.id, service_area=team.service_area)
    session.add(case)
    session.flush()
    return case


def _grade(value: float) -> Grade:
    return Grade(max(1, min(4, round(value))))


def _quality(ctx: DemoContext, week: int, team: Team, practitioner_id: int | None) -> float:
    """Latent quality of the work audited: improves over the 12 weeks."""
    base = 1.75 + 0.085 * (week - 1)
    struggling = practitioner_id is not None and practitioner_id % 11 == 0
    spread = ctx.rng.gauss(0, 0.6)  # cases differ: some work is far better than others
    return base + spread + TEAM_EFFECT.get(team.name, 0.0) - (0.5 if struggling else 0.0)


def _answers_for(ctx: DemoContext, theme_code: str, quality: float, week: int) -> list[tuple[Question, Grade, str]]:
    result = []
    for q in ctx.questions[theme_code]:
        if q.allow_na and ctx.rng.random() < 0.08:
            result.append((q, Grade.NOT_APPLICABLE, RATIONALES[Grade.NOT_APPLICABLE]))
            continue
        offset = -0.55 + 0.03 * week if q.domain == LIVED_EXPERIENCE_DOMAIN else 0.0
        grade = _grade(quality + offset + ctx.rng.gauss(0, 0.45))
        result.append((q, grade, RATIONALES[grade]))
    return result


def _overall(answers: list[tuple[Question, Grade, str]], rng: random.Random) -> Grade:
    graded = [g for _, g, _ in answers if g.is_graded]
    overall = _grade(sum(graded) / len(graded) + rng.gauss(0, 0.25))
    # A limiting judgement: Inadequate on lived experience or risk caps the overall grade.
    if any(q.limiting and g is Grade.INADEQUATE for q, g, _ in answers) and overall > Grade.REQUIRES_IMPROVEMENT:
        overall = Grade.REQUIRES_IMPROVEMENT
    return overall


def _add_audit(
    ctx: DemoContext,
    session: Session,
    *,
    theme_code: str,
    team: Team,
    auditor: User,
    kind: str,
    week: int,
    bias: float = 0.0,
) -> tuple[Audit, list[Answer]]:
    case = _new_case(ctx, session, team)
    audit_day = day_in_week(ctx, week)
    # Audits are as close to live as possible: the work was done in the previous week.
    work_day = audit_day - timedelta(days=ctx.rng.randint(1, 8 if kind == "external" else 20))
    quality = _quality(ctx, week, team, case.practitioner_id)
    graded = _answers_for(ctx, theme_code, quality, week)
    overall = _overall(graded, ctx.rng)
    first = [(q, Grade(min(4, g + 1)) if g.is_graded and ctx.rng.random() < bias else g, r) for q, g, r in graded]
    first = [(q, g, _first_rationale(q, g, case.id)) for q, g, _ in first]
    first_overall = Grade(min(4, overall + 1)) if ctx.rng.random() < bias else overall
    lived = next(g for q, g, _ in first if q.domain == LIVED_EXPERIENCE_DOMAIN)
    audit = Audit(
        case_id=case.id,
        theme_id=ctx.themes[theme_code].id,
        template_version_id=ctx.versions[theme_code],
        programme_id=None,
        kind=kind,
        auditor_id=auditor.id,
        team_id=team.id,
        practitioner_id=case.practitioner_id,
        work_date=work_day,
        audit_date=audit_day,
        status="submitted",
        overall_grade=int(first_overall),
        overall_rationale=RATIONALES[first_overall],
        impact_for_child=(
            "The work has made the child safer and their plan clearer."
            if first_overall >= Grade.GOOD
            else "Little evidence yet that the work has changed things for the child."
        ),
        lived_experience=ctx.rng.choice(LIVED_EXPERIENCE_TEXTS) if lived is not Grade.INADEQUATE else "",
        limiting_override_reason="",
        learning_points="See the child alone and analyse what their day is like.",
        created_at=stamp(audit_day, 9),
        updated_at=stamp(audit_day, 11),
        submitted_at=stamp(audit_day, 11),
    )
    session.add(audit)
    session.flush()
    answers = [
        Answer(audit_id=audit.id, question_id=q.id, grade=int(g), rationale=r) for q, g, r in first
    ]
    session.add_all(answers)
    _add_actions(ctx, session, audit, auditor, first_overall, case)
    audit._true_grades = {q.id: g for q, g, _ in graded}  # type: ignore[attr-defined]
    audit._true_overall = overall  # type: ignore[attr-defined]
    return audit, answers


def _add_actions(ctx: DemoContext, session: Session, audit: Audit, auditor: User, overall: Grade, case: Case) -> None:
    if overall is Grade.INADEQUATE:
        count = ctx.rng.choice((1, 2, 2, 3))
    elif overall is Grade.REQUIRES_IMPROVEMENT:
        count = 1 if ctx.rng.random() < 0.6 else 0
    else:
        count = 0
    raised_on = audit.audit_date
    due_on = default_due_date(raised_on)
    for text in ctx.rng.sample(ACTION_TEXTS, count):
        action = RemedialAction(
            audit_id=audit.id,
            owner_id=case.practitioner_id,
            description=text,
            raised_by_id=auditor.id,
            raised_on=raised_on,
            due_on=due_on,
        )
        if due_on < ctx.today:
            roll = ctx.rng.random()
            age = (ctx.today - due_on).days
            if roll < 0.80 or age > 21 and roll < 0.95:
                # Done, mostly on time, then verified by an auditor a few days later.
                done = min(ctx.today, due_on + timedelta(days=ctx.rng.choice((-3, -2, -1, 0, 0, 1, 3))))
                action.status = "done"
                action.completed_on = max(raised_on, done)
                action.completion_note = ctx.rng.choice(COMPLETION_NOTES)
                verify = action.completed_on + timedelta(days=ctx.rng.randint(1, 5))
                if verify <= ctx.today and ctx.rng.random() < 0.9:
                    action.status = "verified"
                    action.verified_on = verify
                    action.verified_by_id = auditor.id
            # else: left open, so it is overdue.
        session.add(action)


def _moderate(ctx: DemoContext, session: Session, audit: Audit, answers: list[Answer], moderator: User, week: int,
              team_name: str) -> None:
    """A completed moderation that looks like practice (inter-rater studies of case-file audits report
    quadratic kappa of about 0.3 to 0.7).

    The agreed grade is the audit's true grade (what the discussion settles on, and what reports use);
    the manager's first grade is that grade moved by the manager's lean (``MANAGER_LEAN``) and a scatter
    that narrows from week 7 to week 12 as feedback takes effect (``FIRST_GRADE_SCATTER``), so some first
    grades are two grades out; the moderator's blind grade scatters too (``MODERATOR_SCATTER``), so the
    agreed grade sometimes differs from both. Every draw here comes from ``ctx.moderation_rng``: the
    main generator is called exactly as before, so no other demo figure moves.
    """
    graded_on = day_in_week(ctx, week)
    if graded_on < audit.audit_date:
        graded_on = audit.audit_date
    truth = audit._true_grades  # type: ignore[attr-defined]
    true_overall = audit._true_overall  # type: ignore[attr-defined]
    rng = ctx.moderation_rng
    lean = MANAGER_LEAN.get(team_name, 0.0)
    early, late = FIRST_GRADE_SCATTER
    scatter = early + (late - early) * (week - 7) / max(1, WEEKS - 7)

    def first_of(true: Grade) -> Grade:
        return _grade(true + lean + rng.gauss(0, scatter))

    def blind_of(true: Grade) -> Grade:
        return _grade(true + rng.gauss(0, MODERATOR_SCATTER))

    first_overall = first_of(true_overall)
    blind_overall = blind_of(true_overall)
    moderation = Moderation(
        audit_id=audit.id,
        moderator_id=moderator.id,
        assigned_by_id=moderator.id,
        assigned_at=stamp(graded_on, 8),
        sample_label=f"Week {week} sample",
        status="completed",
        moderator_overall_grade=int(blind_overall),
        moderator_overall_rationale=RATIONALES[blind_overall],
        agreed_overall_grade=int(true_overall),
        feedback=ctx.rng.choice(FEEDBACK_TEXTS),
        graded_at=stamp(graded_on, 12),
        completed_at=stamp(graded_on, 15),
    )
    if ctx.rng.random() < 0.7:
        moderation.acknowledged_by_id = audit.auditor_id
        moderation.acknowledged_at = stamp(min(ctx.today, graded_on + timedelta(days=2)), 9)
    session.add(moderation)
    session.flush()
    audit.overall_grade = int(first_overall)
    audit.overall_rationale = RATIONALES[first_overall]
    for answer in answers:
        true = truth[answer.question_id]
        if true.is_graded:
            first, blind = first_of(true), blind_of(true)
        else:  # not applicable: both graders agree it does not apply
            first = blind = true
        answer.grade = int(first)
        answer.rationale = RATIONALES[first]
        session.add(
            ModerationAnswer(
                moderation_id=moderation.id,
                question_id=answer.question_id,
                moderator_grade=int(blind),
                moderator_rationale=RATIONALES[blind],
                agreed_grade=int(true),
            )
        )
        answer.moderated_grade = int(true)
    audit.moderated_overall_grade = moderation.agreed_overall_grade



def external_audits(ctx: DemoContext, session: Session, programme: Programme) -> list[Audit]:
    themes = [code for code, n in EXTERNAL_AUDITS.items() for _ in range(n)]
    ctx.rng.shuffle(themes)
    auditors = [ctx.users["auditor"]] + [ctx.users[u] for u, _ in OTHER_AUDITORS]
    audits = []
    position = 0
    for week, count in enumerate(AUDITS_PER_WEEK, start=1):
        for code in themes[position : position + count]:
            team = ctx.teams[ctx.rng.choice(THEME_TEAMS[code])]
            audit, _ = _add_audit(
                ctx, session, theme_code=code, team=team, auditor=ctx.rng.choice(auditors), kind="external", week=week
            )
            audit.programme_id = programme.id
            audits.append(audit)
        position += count
    return audits


def internal_audits(ctx: DemoContext, session: Session, programme: Programme) -> None:
    """Managers audit their own teams' cases; auditors moderate 33 of them in weeks 7 to 12."""
    auditors = [ctx.users["auditor"]] + [ctx.users[u] for u, _ in OTHER_AUDITORS]
    moderatable: list[tuple[Audit, list[Answer], int]] = []
    for team_name, _ in TEAMS:
        manager = ctx.users[team_name]
        team = ctx.teams[team_name]
        bias = 0.65 if team_name == GENEROUS_MANAGER_TEAM else 0.12
        theme_choices = [code for code, teams in THEME_TEAMS.items() if team_name in teams] or ["assessment"]
        for week in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12):
            audit, answers = _add_audit(
                ctx, session, theme_code=ctx.rng.choice(theme_choices), team=team, auditor=manager,
                kind="internal", week=week, bias=bias,
            )
            audit.programme_id = programme.id
            if week >= 5:
                moderatable.append((audit, answers, week))
    # Keep the demo manager's latest two audits unmoderated, for the moderation queue.
    manager_latest = [m for m in moderatable if m[0].auditor_id == ctx.users["manager"].id][-2:]
    pool = [m for m in moderatable if m not in manager_latest]
    generous = [m for m in pool if m[0].team_id == ctx.teams[GENEROUS_MANAGER_TEAM].id]
    others = [m for m in pool if m not in generous]
    chosen = generous[:6] + ctx.rng.sample(others, MODERATED_INTERNAL - len(generous[:6]))
    team_names = {team.id: name for name, team in ctx.teams.items()}
    for audit, answers, week in chosen:
        moderation_week = max(7, min(WEEKS, week + ctx.rng.randint(0, 2)))
        _moderate(ctx, session, audit, answers, ctx.rng.choice(auditors), moderation_week, team_names[audit.team_id])


def safeguarding(ctx: DemoContext, session: Session, audits: list[Audit]) -> None:
    reds = [a for a in audits if a.overall_grade == Grade.INADEQUATE]
    for audit in ctx.rng.sample(reds, min(8, len(reds))):
        audit.safeguarding_concern = True
        audit.safeguarding_action = "Raised with the team manager the same day; strategy discussion requested."
        audit.safeguarding_told = "Team manager and the service manager on duty."
    latest = max((a for a in audits if a.safeguarding_concern), key=lambda a: a.audit_date)
    for audit in audits:
        if audit.safeguarding_concern and audit is not latest:
            audit.safeguarding_ack_by_id = ctx.users["manager"].id
            audit.safeguarding_ack_at = stamp(audit.audit_date, 16)
