"""The demo programme: a deterministic, invented programme that tells the case study's story.

One 12-week programme ending this week; 4 external auditors; 8 teams and 60
practitioners with invented names; 386 external audits (87 Assessment, 63 Front
door, 105 Neglect, 65 Risk, 66 Repeat Section 47) whose quality improves week by
week, lived experience the weakest domain; internal audits by managers, 33 of
them moderated in weeks 7 to 12 with the agreement of real practice (see ``_moderate``: one
manager grades generously, one harshly, agreement improves as feedback takes effect); remedial actions
due 5 working days after their audit, most done and verified, some overdue; 101
mentoring or reflective meetings; weekly risks-and-issues meetings and entries.

Every figure comes from one seeded random generator, so two seeds of the same
day are identical; dates are laid relative to ``today`` so the demo looks live.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlmodel import Session, select

from core import clock
from core.authz import Role
from core.grades import Grade
from core.templates import LIVED_EXPERIENCE_DOMAIN
from core.workdays import default_due_date, is_working_day, week_start
from db.events import record
from db.models import (
    Answer,
    Audit,
    Case,
    Meeting,
    MeetingAttendee,
    MeetingTeam,
    Moderation,
    ModerationAnswer,
    Practitioner,
    Programme,
    ProgrammeTarget,
    Question,
    RemedialAction,
    RiskIssue,
    Team,
    Theme,
    User,
)
from db.templates import latest_version, questions_of, sync_bundled_templates
from db.users import create_user

SEED = 20200601
WEEKS = 12
EXTERNAL_AUDITS = {"assessment": 87, "front_door": 63, "neglect": 105, "risk": 65, "repeat_s47": 66}
TARGETS = {"assessment": 90, "front_door": 65, "neglect": 105, "risk": 70, "repeat_s47": 66}
AUDITS_PER_WEEK = (20, 28, 32, 34, 34, 34, 34, 34, 34, 34, 34, 34)
MODERATED_INTERNAL = 33
MENTORING_MEETINGS = 101
# The moderation story has its own generator, so that tuning it never moves any other demo figure.
MODERATION_SEED = 20201012

# Demo accounts exist only in demo mode; the sign-in page shows these passwords then.
DEMO_PASSWORDS = {
    "auditor": "auditor-demo-2026",
    "manager": "manager-demo-2026",
    "sponsor": "sponsor-demo-2026",
    "support": "support-demo-2026",
    "admin": "admin-demo-2026",
}
DEMO_ACCOUNTS = {
    "auditor": ("Alex Morgan", {Role.AUDITOR}),
    "manager": ("Sam Patel", {Role.MANAGER}),
    "sponsor": ("Jo Whitfield", {Role.SPONSOR}),
    "support": ("Chris Lee", {Role.SUPPORT}),
    "admin": ("Pat Quinn", {Role.ADMIN}),
}
DEMO_MANAGER_TEAM = "Assessment North"
GENEROUS_MANAGER_TEAM = "Child in Need West"
HARSH_MANAGER_TEAM = "Children Looked After"
# How far a manager's first grades sit from the agreed grade on average (grade points), and how
# scattered a first grade is around it in the first and the last week of moderation: feedback works.
MANAGER_LEAN = {GENEROUS_MANAGER_TEAM: 0.75, HARSH_MANAGER_TEAM: -0.7}
FIRST_GRADE_SCATTER = (1.3, 0.5)
MODERATOR_SCATTER = 0.4

TEAMS = (
    ("Front Door (MASH)", "Front door"),
    ("Assessment North", "Assessment"),
    ("Assessment South", "Assessment"),
    ("Child in Need East", "Safeguarding and CIN"),
    ("Child in Need West", "Safeguarding and CIN"),
    ("Child Protection", "Safeguarding and CIN"),
    ("Neglect and Long-term", "Safeguarding and CIN"),
    ("Children Looked After", "Children looked after"),
)
# Which teams' cases each theme audits.
THEME_TEAMS = {
    "assessment": ("Assessment North", "Assessment South"),
    "front_door": ("Front Door (MASH)",),
    "neglect": ("Neglect and Long-term", "Child in Need East", "Child in Need West", "Child Protection"),
    "risk": ("Child Protection", "Child in Need East", "Child in Need West", "Children Looked After"),
    "repeat_s47": ("Child Protection", "Assessment North", "Assessment South"),
}
# A weaker team shows on every heatmap; a stronger one too.
TEAM_EFFECT = {"Neglect and Long-term": -0.45, "Child in Need West": -0.2, "Front Door (MASH)": 0.25}

OTHER_AUDITORS = (("b.okafor", "Bernadette Okafor"), ("c.price", "Colin Price"), ("d.shah", "Deepa Shah"))
MANAGER_NAMES = ("Rachel Hughes", "Tom Ellison", "Grace Adeyemi", "Mark Doyle", "Helen Fraser", "Imran Qureshi", "Lucy Barnes")
FIRST_NAMES = (
    "Amira Aisha Ben Bethany Callum Carys Daniel Dee Eleanor Emeka Fatima Finn Gemma Harvey Isla Jack Jasmine "
    "Kai Kerry Laura Liam Maya Nadia Niall Olivia Owen Priya Rhys Rosa Ryan Sadia Sean Tara Theo Una Vikram "
    "Wendy Yusuf Zara Adam Bronwen Ciaran Dami Erin Farah Gareth Hana Ivor Jade Kofi Lena Marcus Nina Oscar "
    "Poppy Rowan Saffron Tobias Ursula"
).split()
LAST_NAMES = (
    "Ashworth Bell Carter Dunn Evans Fletcher Gill Hart Iqbal Jones Kaur Lowe Mason Nash Oakes Parry Reid Shaw "
    "Turner Underwood Vance Walsh Young Zaman"
).split()

ACTION_TEXTS = (
    "Update the chronology to include the previous referrals and their outcomes.",
    "See the child alone and record their wishes and feelings in their own words.",
    "Hold a strategy discussion with police, health and education and record the outcome.",
    "Complete a Graded Care Profile 2 and use it to set the plan's outcomes.",
    "Add a contingency plan to the safety plan.",
    "Record the manager's rationale for the threshold decision.",
    "Assess the father and other significant adults in the household.",
    "Rewrite the plan's outcomes so that they are specific, measurable and timed.",
    "Share the outcome of the enquiry with the family and the referrer and record it.",
    "Analyse what daily life is like for the child, not just what happened.",
)
COMPLETION_NOTES = (
    "Chronology updated in the case record.",
    "Child seen alone at school; views recorded on the visit form.",
    "Strategy discussion held; minutes uploaded to the record.",
    "GCP2 completed with the family and attached.",
    "Plan revised and agreed with the manager in supervision.",
)
RATIONALES = {
    Grade.OUTSTANDING: "Exceptional, well-evidenced practice; analysis is clear and the child's experience drives it.",
    Grade.GOOD: "Evidence in the record meets the standard; analysis is present and proportionate.",
    Grade.REQUIRES_IMPROVEMENT: "Some evidence, but mostly description rather than analysis; gaps noted.",
    Grade.INADEQUATE: "Not evidenced in the record; the gap leaves the child's needs or risks unclear.",
    Grade.NOT_APPLICABLE: "Not applicable to this case.",
}
# First auditors' rationales: several per grade, naming the question's domain, so that no two
# audits read alike and the moderation comparison reads as real (chosen without the seeded
# random generator, so every figure of the demo stays the same).
FIRST_RATIONALES = {
    Grade.OUTSTANDING: (
        "Exceptional, well-evidenced practice; analysis is clear and the child's experience drives it.",
        "Consistently strong: {d} is analysed with the child's own words and a clear line to the plan.",
        "Model practice on {d}: history, partner views and the child's voice are weighed, not just listed.",
    ),
    Grade.GOOD: (
        "Evidence in the record meets the standard; analysis is present and proportionate.",
        "{D} is evidenced and up to date; the analysis is proportionate though brief in places.",
        "Sound work on {d}: the key facts are recorded and their meaning for the child is explained.",
    ),
    Grade.REQUIRES_IMPROVEMENT: (
        "Some evidence, but mostly description rather than analysis; gaps noted.",
        "{D} is touched on but not analysed; what it means for the child is left unsaid.",
        "Partial: {d} relies on one visit and the mother's account; fathers and partners are missing.",
    ),
    Grade.INADEQUATE: (
        "Not evidenced in the record; the gap leaves the child's needs or risks unclear.",
        "Nothing recorded on {d} for over three months; the child's situation cannot be judged.",
        "{D} is contradicted by the chronology; the risk to the child is not recognised.",
    ),
}


def _first_rationale(question: Question, grade: Grade, case_id: int) -> str:
    if grade not in FIRST_RATIONALES:
        return RATIONALES[grade]
    text = FIRST_RATIONALES[grade][(question.id + case_id) % len(FIRST_RATIONALES[grade])]
    return text.format(d=question.domain.lower(), D=question.domain)


LIVED_EXPERIENCE_TEXTS = (
    "The record describes the child's school days, who they spend time with and how they feel at home, "
    "with their own words from a visit where they were seen alone.",
    "The child's daily routine, meals, sleep and school attendance are described and linked to the worries "
    "about neglect; the child's wish to stay with their grandmother is recorded.",
    "Visits record observations of the child at home and at nursery, and what a typical day looks like, "
    "but the analysis of what this means for the child is brief.",
)
FEEDBACK_TEXTS = (
    "Lived experience was described rather than analysed; Good here means saying what the child's day is like "
    "and what it means for them.",
    "The risk analysis was generous: the record has no contingency plan, so the risk question is Requires improvement.",
    "Grades matched on most questions; the chronology was weaker than graded because earlier referrals are missing.",
    "Management oversight is visible at decision points; agreed. The plan's outcomes are not yet SMART.",
)
RISK_TEXTS = (
    "Repeated Red audits for lived experience in this team; mentoring agreed with the manager.",
    "Overdue remedial actions are accumulating; business support to chase weekly.",
    "Practitioner has two Inadequate risk analyses; supervision plan agreed.",
    "Drift in neglect cases: several children at the same level for more than six months.",
    "Staffing gaps are delaying strategy discussions.",
)


@dataclass
class _Ctx:
    rng: random.Random
    today: date
    start: date
    now: datetime
    teams: dict[str, Team]
    practitioners: dict[int, list[Practitioner]]
    themes: dict[str, Theme]
    questions: dict[str, list[Question]]
    versions: dict[str, int]
    users: dict[str, User]
    case_refs: set[str]
    moderation_rng: random.Random | None = None


def is_seeded(session: Session) -> bool:
    return session.exec(select(Programme.id)).first() is not None


def _day_in_week(ctx: _Ctx, week: int) -> date:
    """A random working day of programme week ``week`` (1-based), never after today."""
    monday = ctx.start + timedelta(weeks=week - 1)
    days = [monday + timedelta(days=i) for i in range(5)]
    days = [d for d in days if is_working_day(d) and d <= ctx.today] or [min(monday, ctx.today)]
    return ctx.rng.choice(days)


def _stamp(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.utc)


def _new_case(ctx: _Ctx, session: Session, team: Team) -> Case:
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


def _quality(ctx: _Ctx, week: int, team: Team, practitioner_id: int | None) -> float:
    """Latent quality of the work audited: improves over the 12 weeks."""
    base = 1.75 + 0.085 * (week - 1)
    struggling = practitioner_id is not None and practitioner_id % 11 == 0
    spread = ctx.rng.gauss(0, 0.6)  # cases differ: some work is far better than others
    return base + spread + TEAM_EFFECT.get(team.name, 0.0) - (0.5 if struggling else 0.0)


def _answers_for(ctx: _Ctx, theme_code: str, quality: float, week: int) -> list[tuple[Question, Grade, str]]:
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
    ctx: _Ctx,
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
    audit_day = _day_in_week(ctx, week)
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
        created_at=_stamp(audit_day, 9),
        updated_at=_stamp(audit_day, 11),
        submitted_at=_stamp(audit_day, 11),
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


def _add_actions(ctx: _Ctx, session: Session, audit: Audit, auditor: User, overall: Grade, case: Case) -> None:
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


def _moderate(ctx: _Ctx, session: Session, audit: Audit, answers: list[Answer], moderator: User, week: int,
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
    graded_on = _day_in_week(ctx, week)
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
        assigned_at=_stamp(graded_on, 8),
        sample_label=f"Week {week} sample",
        status="completed",
        moderator_overall_grade=int(blind_overall),
        moderator_overall_rationale=RATIONALES[blind_overall],
        agreed_overall_grade=int(true_overall),
        feedback=ctx.rng.choice(FEEDBACK_TEXTS),
        graded_at=_stamp(graded_on, 12),
        completed_at=_stamp(graded_on, 15),
    )
    if ctx.rng.random() < 0.7:
        moderation.acknowledged_by_id = audit.auditor_id
        moderation.acknowledged_at = _stamp(min(ctx.today, graded_on + timedelta(days=2)), 9)
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


def _people(ctx: _Ctx, session: Session) -> None:
    for name, area in TEAMS:
        team = Team(name=name, service_area=area)
        session.add(team)
        ctx.teams[name] = team
    session.flush()
    names = [(f, l) for f in FIRST_NAMES for l in LAST_NAMES]
    ctx.rng.shuffle(names)
    team_list = list(ctx.teams.values())
    for index in range(60):
        first, last = names[index]
        team = team_list[index % len(team_list)]
        practitioner = Practitioner(name=f"{first} {last}", team_id=team.id)
        session.add(practitioner)
        ctx.practitioners.setdefault(team.id, []).append(practitioner)
    session.flush()

    for username, (display, roles) in DEMO_ACCOUNTS.items():
        teams = {ctx.teams[DEMO_MANAGER_TEAM].id} if Role.MANAGER in roles else set()
        ctx.users[username] = create_user(
            session, actor="demo", username=username, display_name=display, password=DEMO_PASSWORDS[username],
            roles=roles, managed_team_ids=teams, email=f"{username}@demo.invalid", check_strength=False,
            bcrypt_rounds=10,
        )
    # Everyone else in the demo story cannot sign in: their passwords are random and unknown.
    for username, display in OTHER_AUDITORS:
        ctx.users[username] = create_user(
            session, actor="demo", username=username, display_name=display, password=_random_password(ctx),
            roles={Role.AUDITOR}, check_strength=False, bcrypt_rounds=4,
        )
    other_teams = [name for name, _ in TEAMS if name != DEMO_MANAGER_TEAM]
    for display, team_name in zip(MANAGER_NAMES, other_teams):
        username = display.split()[0][0].lower() + "." + display.split()[1].lower()
        ctx.users[team_name] = create_user(
            session, actor="demo", username=username, display_name=display, password=_random_password(ctx),
            roles={Role.MANAGER}, managed_team_ids={ctx.teams[team_name].id}, check_strength=False, bcrypt_rounds=4,
        )
    ctx.users[DEMO_MANAGER_TEAM] = ctx.users["manager"]


def _random_password(ctx: _Ctx) -> str:
    return "".join(ctx.rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(24))


def _templates(ctx: _Ctx, session: Session) -> None:
    sync_bundled_templates(session, actor="demo")
    for theme in session.exec(select(Theme)):
        ctx.themes[theme.code] = theme
        version = latest_version(session, theme.id)
        ctx.versions[theme.code] = version.id
        ctx.questions[theme.code] = questions_of(session, version.id)


def _programme(ctx: _Ctx, session: Session) -> Programme:
    programme = Programme(name="Thematic audit programme (demo)", start_date=ctx.start, weeks=WEEKS)
    session.add(programme)
    session.flush()
    for code, target in TARGETS.items():
        session.add(ProgrammeTarget(programme_id=programme.id, theme_id=ctx.themes[code].id, target=target))
    return programme


def _external_audits(ctx: _Ctx, session: Session, programme: Programme) -> list[Audit]:
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


def _internal_audits(ctx: _Ctx, session: Session, programme: Programme) -> None:
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


def _safeguarding(ctx: _Ctx, session: Session, audits: list[Audit]) -> None:
    reds = [a for a in audits if a.overall_grade == Grade.INADEQUATE]
    for audit in ctx.rng.sample(reds, min(8, len(reds))):
        audit.safeguarding_concern = True
        audit.safeguarding_action = "Raised with the team manager the same day; strategy discussion requested."
        audit.safeguarding_told = "Team manager and the service manager on duty."
    latest = max((a for a in audits if a.safeguarding_concern), key=lambda a: a.audit_date)
    for audit in audits:
        if audit.safeguarding_concern and audit is not latest:
            audit.safeguarding_ack_by_id = ctx.users["manager"].id
            audit.safeguarding_ack_at = _stamp(audit.audit_date, 16)


def _meetings(ctx: _Ctx, session: Session) -> None:
    auditors = [ctx.users["auditor"]] + [ctx.users[u] for u, _ in OTHER_AUDITORS]
    managers = [(ctx.users[name], ctx.teams[name]) for name, _ in TEAMS]
    # 101 mentoring and reflective meetings, more as the programme got going.
    weights = [1, 3, 5, 7, 9, 10, 11, 11, 11, 11, 11, 11]
    per_week = [round(MENTORING_MEETINGS * w / sum(weights)) for w in weights]
    per_week[-1] += MENTORING_MEETINGS - sum(per_week)
    for week, count in enumerate(per_week, start=1):
        for _ in range(count):
            manager, team = ctx.rng.choice(managers)
            _meeting(
                ctx, session, kind=ctx.rng.choice(("mentoring", "reflective")), day=_day_in_week(ctx, week),
                chair=ctx.rng.choice(auditors), users=[manager], teams=[team],
                notes="Discussed recent audit findings and what Good looks like for lived experience.",
            )
        if week % 3 == 0:
            manager, team = ctx.rng.choice(managers)
            _meeting(ctx, session, kind="workshop", day=_day_in_week(ctx, week), chair=ctx.rng.choice(auditors),
                     users=[m for m, _ in managers[:4]], teams=[t for _, t in managers[:4]],
                     notes="Remote workshop: analysing risk, not describing it.")
        if week % 2 == 0:
            manager, team = ctx.rng.choice(managers)
            practitioner = ctx.rng.choice(ctx.practitioners[team.id])
            _meeting(ctx, session, kind="coaching", day=_day_in_week(ctx, week), chair=ctx.rng.choice(auditors),
                     users=[manager], teams=[team], practitioners=[practitioner],
                     notes="1:1 coaching on completing remedial actions.")
        # The weekly risks-and-issues meeting and what it logged.
        day = _day_in_week(ctx, week)
        meeting = _meeting(ctx, session, kind="risks_and_issues", day=day, chair=ctx.users["auditor"],
                           users=auditors, teams=[], notes="Weekly risks and issues review.")
        for _ in range(ctx.rng.randint(1, 3)):
            team = ctx.rng.choice(list(ctx.teams.values()))
            practitioner = ctx.rng.choice(ctx.practitioners[team.id]) if ctx.rng.random() < 0.4 else None
            closed = week < 9 and ctx.rng.random() < 0.7
            session.add(RiskIssue(
                team_id=team.id, practitioner_id=practitioner.id if practitioner else None,
                description=ctx.rng.choice(RISK_TEXTS), severity=ctx.rng.choice(("low", "medium", "medium", "high")),
                owner_id=ctx.rng.choice(auditors).id, status="closed" if closed else ctx.rng.choice(("open", "monitoring")),
                raised_on=day, review_on=day + timedelta(days=7), raised_by_id=ctx.users["auditor"].id,
                meeting_id=meeting.id, closed_on=min(ctx.today, day + timedelta(days=14)) if closed else None,
            ))


def _meeting(ctx, session, *, kind, day, chair, users, teams, notes, practitioners=()) -> Meeting:
    meeting = Meeting(kind=kind, held_on=day, notes=notes, recorded_by_id=chair.id, created_at=_stamp(day, 17))
    session.add(meeting)
    session.flush()
    for user in {chair.id, *(u.id for u in users)}:
        session.add(MeetingAttendee(meeting_id=meeting.id, user_id=user))
    for practitioner in practitioners:
        session.add(MeetingAttendee(meeting_id=meeting.id, practitioner_id=practitioner.id))
    for team in teams:
        session.add(MeetingTeam(meeting_id=meeting.id, team_id=team.id))
    return meeting


def programme_start_for(today: date) -> date:
    """The demo programme's first Monday: week 12 is the current week."""
    return week_start(today) - timedelta(weeks=WEEKS - 1)


def seed_demo(session: Session, today: date | None = None) -> dict[str, int]:
    """Fill an empty database with the demo programme; return what was created.

    Refuses a database that already has a programme, so it can never mix demo
    rows into a council's real data.
    """
    if is_seeded(session):
        raise RuntimeError("This database already holds a programme; the demo is only seeded into an empty one.")
    today = today or clock.today()
    ctx = _Ctx(
        # bandit B311: deterministic demo data, not security
        rng=random.Random(SEED),  # nosec B311
        today=today, start=programme_start_for(today), now=datetime.now(timezone.utc),
        teams={}, practitioners={}, themes={}, questions={}, versions={}, users={}, case_refs=set(),
        moderation_rng=random.Random(MODERATION_SEED),  # nosec B311
    )
    _templates(ctx, session)
    _people(ctx, session)
    programme = _programme(ctx, session)
    external = _external_audits(ctx, session, programme)
    _internal_audits(ctx, session, programme)
    _safeguarding(ctx, session, external)
    _meetings(ctx, session)
    session.flush()
    counts = {
        "external_audits": len(external),
        "teams": len(ctx.teams),
        "practitioners": sum(len(p) for p in ctx.practitioners.values()),
    }
    record(session, "demo", "demo.seed", "programme", programme.id, after=counts)
    return counts
