"""Entering audits: finding and adding cases, drafts, submission and amendment, the
user's own audits, one audit read-only, and acknowledging safeguarding concerns.

Every write takes the caller's ``Session``: the ui layer opens one ``write_session``
per user action, so the audit, its answers and its actions are saved together (all or
nothing) with the event that records what changed. Saves are optimistic: the caller
passes the ``Audit.version`` it loaded, and a save based on an older version returns a conflict carrying both
versions instead of overwriting someone else's work.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from sqlalchemy import func, insert, update
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from core import casereference
from core.audit_rules import (
    EXTERNAL,
    INTERNAL,
    ActionInput,
    AnswerInput,
    AuditInput,
    FieldProblem,
    QuestionRule,
    draft_problems,
    entry_kinds,
    may_acknowledge,
    submission_problems,
)
from core.authz import Scope
from core.workdays import default_due_date
from db.events import changes, record
from db.models import (
    Answer,
    Audit,
    Case,
    Event,
    Moderation,
    Practitioner,
    Question,
    RemedialAction,
    Team,
    TemplateVersion,
    Theme,
    User,
    utcnow,
)
from db.queries.common import current_programme, in_scope
from db.templates import latest_version

Outcome = Literal["saved", "invalid", "conflict", "refused"]


class AuditEntryError(ValueError):
    """A change that cannot be made (the message says why, in the user's words)."""


# ------------------------------------------------------------------ what leaves this module
@dataclass(frozen=True)
class CaseChoice:
    id: int
    reference: str
    team_id: int
    team: str
    practitioner_id: int | None
    practitioner: str | None


@dataclass(frozen=True)
class ThemeChoice:
    id: int
    code: str
    name: str
    template_version_id: int
    version: int


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass
class SaveResult:
    """What became of a save: ``saved``, ``invalid`` (problems), ``conflict`` or ``refused``.

    A conflict carries the stored version (``theirs``) beside the caller's own
    input, so the page can show both and keep what the user typed.
    """

    outcome: Outcome
    audit_id: int | None = None
    version: int | None = None
    status: str | None = None
    problems: list[FieldProblem] = field(default_factory=list)
    message: str = ""
    theirs: AuditInput | None = None
    their_version: int | None = None
    their_status: str | None = None
    saved_by: str | None = None
    saved_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "saved"


@dataclass
class EditableAudit:
    """One stored audit as the entry form needs it."""

    audit_id: int
    version: int
    status: str
    kind: str
    author_id: int
    form: AuditInput
    questions: list[QuestionRule]
    template_version_id: int
    theme: str
    case: CaseChoice
    refusal: str | None  # why the current user may not change it; None when they may
    moderated: bool
    saved_at: datetime | None = None  # when it was last saved (UTC)

    @property
    def editable(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class MyAuditRow:
    audit_id: int
    case_reference: str
    theme: str
    kind: str
    team: str
    audit_date: date | None
    status: str
    overall_grade: int | None
    moderated_overall_grade: int | None
    moderated: bool
    updated_at: datetime
    safeguarding_concern: bool


@dataclass(frozen=True)
class Concern:
    """A safeguarding concern nobody has acknowledged yet."""

    audit_id: int
    case_reference: str
    team: str
    team_id: int
    audit_date: date | None
    action_taken: str
    who_was_told: str
    raised_by: str
    raised_by_id: int


@dataclass(frozen=True)
class AnswerView:
    position: int
    domain: str
    text: str
    guidance: str
    grade: int | None
    moderated_grade: int | None
    rationale: str


@dataclass(frozen=True)
class ActionView:
    id: int
    description: str
    owner: str | None
    raised_on: date
    due_on: date
    status: str
    completion_note: str


@dataclass
class AuditDetail:
    """One audit, read-only, with its answers, actions and moderation state."""

    audit_id: int
    case_reference: str
    team: str
    team_id: int
    practitioner: str | None
    theme: str
    template_version: int
    kind: str
    author: str
    author_id: int
    status: str
    work_date: date | None
    audit_date: date | None
    submitted_at: datetime | None
    overall_grade: int | None
    moderated_overall_grade: int | None
    moderation_status: str | None
    overall_rationale: str
    impact_for_child: str
    lived_experience: str
    limiting_override_reason: str
    no_action_reason: str
    learning_points: str
    safeguarding_concern: bool
    safeguarding_action: str
    safeguarding_told: str
    safeguarding_acknowledged_by: str | None
    safeguarding_acknowledged_at: datetime | None
    answers: list[AnswerView]
    actions: list[ActionView]


# ------------------------------------------------------------------ choices for the form
def entry_team_ids(scope: Scope, kind: str) -> frozenset[int] | None:
    """The teams whose cases ``scope`` may audit as ``kind`` (None: every team)."""
    if kind == INTERNAL:
        return scope.managed_team_ids
    return None


def find_cases(session: Session, scope: Scope, kind: str, query: str = "", limit: int = 5000) -> list[CaseChoice]:
    """The type-ahead: cases whose reference contains ``query``, limited to the teams the
    user may audit as ``kind`` (a manager: the teams they manage)."""
    statement = (
        select(Case.id, Case.reference, Case.team_id, Team.name, Case.practitioner_id, Practitioner.name)
        .join(Team, Team.id == Case.team_id)
        .outerjoin(Practitioner, Practitioner.id == Case.practitioner_id)
    )
    teams = entry_team_ids(scope, kind)
    if teams is not None:
        statement = statement.where(col(Case.team_id).in_(sorted(teams) or [-1]))
    statement = in_scope(statement, scope, Case.team_id)
    if query.strip():
        statement = statement.where(func.upper(Case.reference).contains(query.strip().upper()))
    rows = session.exec(statement.order_by(Case.reference).limit(limit)).all()
    return [CaseChoice(*row) for row in rows]


def case_choice(session: Session, case_id: int) -> CaseChoice | None:
    row = session.exec(
        select(Case.id, Case.reference, Case.team_id, Team.name, Case.practitioner_id, Practitioner.name)
        .join(Team, Team.id == Case.team_id)
        .outerjoin(Practitioner, Practitioner.id == Case.practitioner_id)
        .where(Case.id == case_id)
    ).first()
    return CaseChoice(*row) if row else None


def team_choices(session: Session, scope: Scope, kind: str) -> list[Choice]:
    """Teams a new case may be added to."""
    statement = select(Team.id, Team.name).where(col(Team.active).is_(True))
    teams = entry_team_ids(scope, kind)
    if teams is not None:
        statement = statement.where(col(Team.id).in_(sorted(teams) or [-1]))
    return [Choice(*row) for row in session.exec(statement.order_by(Team.name))]


def practitioner_choices(session: Session, team_id: int) -> list[Choice]:
    rows = session.exec(
        select(Practitioner.id, Practitioner.name)
        .where(Practitioner.team_id == team_id, col(Practitioner.active).is_(True))
        .order_by(Practitioner.name)
    )
    return [Choice(*row) for row in rows]


def theme_choices(session: Session) -> list[ThemeChoice]:
    """Active themes with their newest template version (what a new audit uses)."""
    newest = (
        select(TemplateVersion.theme_id, func.max(TemplateVersion.version).label("version"))
        .group_by(TemplateVersion.theme_id)
        .subquery()
    )
    rows = session.exec(
        select(Theme.id, Theme.code, Theme.name, TemplateVersion.id, TemplateVersion.version)
        .join(newest, newest.c.theme_id == Theme.id)
        .join(TemplateVersion, (TemplateVersion.theme_id == Theme.id) & (TemplateVersion.version == newest.c.version))
        .where(col(Theme.active).is_(True))
        .order_by(Theme.name)
    ).all()
    return [ThemeChoice(*row) for row in rows]


def question_rules(session: Session, template_version_id: int) -> list[QuestionRule]:
    """The questions of one template version, in form order."""
    rows = session.exec(
        select(Question).where(Question.template_version_id == template_version_id).order_by(Question.position)
    )
    return [
        QuestionRule(q.id, q.key, q.domain, q.text, q.guidance, q.limiting, q.allow_na, q.position) for q in rows
    ]


# ------------------------------------------------------------------ cases
def create_case(
    session: Session,
    scope: Scope,
    *,
    reference: str,
    team_id: int | None,
    practitioner_id: int | None,
    kind: str,
) -> CaseChoice:
    """Add a case by its pseudonymised reference; refuse anything that identifies a child."""
    if kind not in entry_kinds(scope.roles):
        raise AuditEntryError("You cannot add cases for audit.")
    normalised = casereference.normalise(reference)  # raises CaseReferenceError (a ValueError) with the reason
    if team_id is None:
        raise AuditEntryError("Choose the case's team.")
    allowed = entry_team_ids(scope, kind)
    if allowed is not None and team_id not in allowed:
        raise AuditEntryError("You can add cases only to the teams you manage.")
    team = session.get(Team, team_id)
    if team is None:
        raise AuditEntryError("That team does not exist.")
    if session.exec(select(Case.id).where(func.upper(Case.reference) == normalised)).first() is not None:
        raise AuditEntryError(f"{normalised} is already a case: pick it from the list.")
    if practitioner_id is not None:
        practitioner = session.get(Practitioner, practitioner_id)
        if practitioner is None or practitioner.team_id != team_id:
            raise AuditEntryError("The allocated practitioner must be in the case's team.")
    case = Case(reference=normalised, team_id=team_id, practitioner_id=practitioner_id,
                service_area=team.service_area)
    session.add(case)
    session.flush()
    record(session, scope.username, "case.create", "case", case.id,
           after={"reference": normalised, "team_id": team_id, "practitioner_id": practitioner_id})
    choice = case_choice(session, case.id)
    if choice is None:  # the row was written above, in this very session
        raise RuntimeError(f"case {case.id} vanished while being created")
    return choice


# ------------------------------------------------------------------ loading for the form
def _moderated(session: Session, audit: Audit) -> bool:
    """Moderated: a moderator has graded it (or an agreed grade exists). From then on it is fixed."""
    if audit.moderated_overall_grade is not None:
        return True
    status = session.exec(select(Moderation.status).where(Moderation.audit_id == audit.id)).first()
    return status in ("graded", "completed")


def _refusal(session: Session, audit: Audit, scope: Scope) -> str | None:
    """Why ``scope`` may not change ``audit`` (None: they may)."""
    if audit.auditor_id != scope.user_id:
        return "Only the auditor who entered this audit can change it; you see it read-only."
    if audit.kind not in entry_kinds(scope.roles):
        return "Your roles no longer allow entering this kind of audit."
    if audit.kind == INTERNAL and audit.team_id not in scope.managed_team_ids:
        return "You no longer manage this team, so you cannot change its audits."
    if audit.status == "submitted" and _moderated(session, audit):
        return "This audit has been moderated, so it can no longer be amended."
    return None


def _form_of(session: Session, audit: Audit) -> AuditInput:
    answers = {
        a.question_id: AnswerInput(a.grade, a.rationale)
        for a in session.exec(select(Answer).where(Answer.audit_id == audit.id))
    }
    actions = [
        ActionInput(a.description, a.owner_id, a.due_on, a.id, a.status)
        for a in session.exec(select(RemedialAction).where(RemedialAction.audit_id == audit.id).order_by(RemedialAction.id))
    ]
    return AuditInput(
        case_id=audit.case_id, theme_id=audit.theme_id, kind=audit.kind, work_date=audit.work_date,
        audit_date=audit.audit_date, answers=answers, lived_experience=audit.lived_experience,
        overall_grade=audit.overall_grade, overall_rationale=audit.overall_rationale,
        impact_for_child=audit.impact_for_child, limiting_override_reason=audit.limiting_override_reason,
        safeguarding_concern=audit.safeguarding_concern, safeguarding_action=audit.safeguarding_action,
        safeguarding_told=audit.safeguarding_told, no_action_reason=audit.no_action_reason,
        learning_points=audit.learning_points, actions=actions,
    )


def blind_for(session: Session, scope: Scope, audit_id: int) -> bool:
    """Whether ``scope``'s user is moderating this audit and has not yet submitted their
    blind grades: until then no page may show them its first grades."""
    return session.exec(
        select(Moderation.id).where(
            Moderation.audit_id == audit_id, Moderation.moderator_id == scope.user_id, Moderation.status == "assigned"
        )
    ).first() is not None


def _visible(audit: Audit | None, scope: Scope) -> bool:
    if audit is None or scope.aggregates_only or not scope.can_see_team(audit.team_id):
        return False
    # A draft is its author's own work in progress.
    return audit.status == "submitted" or audit.auditor_id == scope.user_id


def load_for_edit(session: Session, scope: Scope, audit_id: int) -> EditableAudit | None:
    """An audit with the questions of ITS template version; None if the user may not see it."""
    audit = session.get(Audit, audit_id)
    if not _visible(audit, scope):
        return None
    if audit is None:
        raise RuntimeError("no audit to load")
    theme = session.get(Theme, audit.theme_id)
    case = case_choice(session, audit.case_id)
    if theme is None or case is None:  # foreign keys make this impossible
        raise RuntimeError(f"audit {audit.id} has no theme or case")
    moderated = audit.status == "submitted" and _moderated(session, audit)
    return EditableAudit(
        audit_id=audit.id, version=audit.version, status=audit.status, kind=audit.kind, author_id=audit.auditor_id,
        form=_form_of(session, audit), questions=question_rules(session, audit.template_version_id),
        template_version_id=audit.template_version_id, theme=theme.name, case=case,
        refusal=_refusal(session, audit, scope), moderated=moderated, saved_at=audit.updated_at,
    )


# ------------------------------------------------------------------ saving
def _snapshot(audit: Audit, questions: list[QuestionRule], form: AuditInput) -> dict:
    """A flat picture of an audit for the event log (changed keys only are logged)."""
    snap = {
        "status": audit.status, "case_id": audit.case_id, "theme_id": audit.theme_id,
        "template_version_id": audit.template_version_id, "kind": audit.kind, "work_date": audit.work_date,
        "audit_date": audit.audit_date, "overall_grade": audit.overall_grade,
        "overall_rationale": audit.overall_rationale, "impact_for_child": audit.impact_for_child,
        "lived_experience": audit.lived_experience, "limiting_override_reason": audit.limiting_override_reason,
        "safeguarding_concern": audit.safeguarding_concern, "safeguarding_action": audit.safeguarding_action,
        "safeguarding_told": audit.safeguarding_told, "no_action_reason": audit.no_action_reason,
        "learning_points": audit.learning_points,
    }
    for q in questions:
        answer = form.answers.get(q.id)
        snap[f"{q.key}.grade"] = answer.grade if answer else None
        snap[f"{q.key}.rationale"] = answer.rationale if answer else ""
    snap["actions"] = [
        {"description": a.description.strip(), "owner_id": a.owner_id, "due_on": a.due_on}
        for a in form.actions if not a.is_blank
    ]
    return snap


def _apply_fields(audit: Audit, form: AuditInput) -> None:
    audit.work_date = form.work_date
    audit.audit_date = form.audit_date
    audit.overall_grade = form.overall_grade
    audit.overall_rationale = form.overall_rationale.strip()
    audit.impact_for_child = form.impact_for_child.strip()
    audit.lived_experience = form.lived_experience.strip()
    audit.limiting_override_reason = form.limiting_override_reason.strip()
    audit.no_action_reason = form.no_action_reason.strip()
    audit.learning_points = form.learning_points.strip()
    audit.safeguarding_concern = bool(form.safeguarding_concern)
    audit.safeguarding_action = form.safeguarding_action.strip() if form.safeguarding_concern else ""
    audit.safeguarding_told = form.safeguarding_told.strip() if form.safeguarding_concern else ""
    # Touching updated_at on every save makes the UPDATE (and the version bump) happen
    # even when only answers or actions changed: the lock covers the whole audit.
    audit.updated_at = utcnow()


def _apply_answers(session: Session, audit: Audit, questions: list[QuestionRule], form: AuditInput,
                   creating: bool) -> None:
    if creating:
        # A new audit's answers go in as one executemany: no ORM objects to build (the hot path of submitting).
        rows = [
            {"audit_id": audit.id, "question_id": q.id, "grade": given.grade, "rationale": given.rationale.strip(),
             "moderated_grade": None}
            for q in questions
            if (given := form.answers.get(q.id)) is not None and (given.grade is not None or given.rationale.strip())
        ]
        if rows:
            session.execute(insert(Answer), rows)
        return
    stored = {a.question_id: a for a in session.exec(select(Answer).where(Answer.audit_id == audit.id))}
    wanted = {q.id for q in questions}
    for question_id, answer in stored.items():
        if question_id not in wanted:  # the draft's theme changed
            session.delete(answer)
    new_rows = []
    for q in questions:
        given = form.answers.get(q.id) or AnswerInput()
        row = stored.get(q.id)
        if given.grade is None and not given.rationale.strip():
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            new_rows.append(Answer(audit_id=audit.id, question_id=q.id, grade=given.grade,
                                   rationale=given.rationale.strip()))
        else:
            row.grade = given.grade
            row.rationale = given.rationale.strip()
    session.add_all(new_rows)


def _apply_actions(session: Session, audit: Audit, form: AuditInput, scope: Scope, today: date,
                   creating: bool) -> None:
    raised_on = audit.audit_date or today
    if creating:
        rows = [
            {"audit_id": audit.id, "owner_id": row.owner_id, "description": row.description.strip(),
             "raised_by_id": scope.user_id, "raised_on": raised_on, "due_on": row.due_on or default_due_date(raised_on),
             "status": "open", "completion_note": "", "reopen_reason": "", "version": 1}
            for row in form.raised_actions
        ]
        if rows:
            session.execute(insert(RemedialAction), rows)
        return
    stored = {a.id: a for a in session.exec(select(RemedialAction).where(RemedialAction.audit_id == audit.id))}
    kept: set[int] = set()
    for row in form.raised_actions:
        action = stored.get(row.action_id) if row.action_id is not None else None
        if action is not None:
            kept.add(action.id)
            if action.status != "open":
                continue  # done, verified or reopened: it follows its own lifecycle now
            action.description = row.description.strip()
            action.owner_id = row.owner_id
            action.due_on = row.due_on or default_due_date(raised_on)
            action.raised_on = raised_on
        else:
            session.add(RemedialAction(
                audit_id=audit.id, owner_id=row.owner_id, description=row.description.strip(),
                raised_by_id=scope.user_id, raised_on=raised_on, due_on=row.due_on or default_due_date(raised_on),
            ))
    for action_id, action in stored.items():
        if action_id not in kept and action.status == "open":
            session.delete(action)  # removed from the form before anyone acted on it


def _questions_for(session: Session, audit: Audit | None, theme_id: int) -> tuple[int, list[QuestionRule]] | None:
    """The template version the save uses: the audit's own, unless a draft changed its theme."""
    if audit is not None and audit.theme_id == theme_id:
        version_id = audit.template_version_id
    else:
        newest = latest_version(session, theme_id)
        if newest is None:
            return None
        version_id = newest.id
    return version_id, question_rules(session, version_id)


def _last_saved_by(session: Session, audit_id: int) -> tuple[str | None, datetime | None]:
    row = session.exec(
        select(Event.username, Event.at)
        .where(Event.object_type == "audit", Event.object_id == str(audit_id))
        .order_by(col(Event.id).desc())
    ).first()
    return (row[0], row[1]) if row else (None, None)


def _conflict(session: Session, audit: Audit) -> SaveResult:
    saved_by, saved_at = _last_saved_by(session, audit.id)
    return SaveResult(
        "conflict", audit_id=audit.id, version=audit.version, status=audit.status,
        message="Someone else saved this audit after you opened it. Nothing of yours was saved and nothing you "
                "typed is lost: compare the two versions, then keep yours or take theirs.",
        theirs=_form_of(session, audit), their_version=audit.version, their_status=audit.status,
        saved_by=saved_by, saved_at=saved_at,
    )


def _save(
    session: Session,
    form: AuditInput,
    *,
    scope: Scope,
    submit: bool,
    audit_id: int | None,
    expected_version: int | None,
    today: date,
) -> SaveResult:
    form = replace(form)  # the caller's input is never changed here
    kinds = entry_kinds(scope.roles)
    if not kinds:
        return SaveResult("refused", message="Only auditors and managers enter audits.")
    audit = session.get(Audit, audit_id) if audit_id is not None else None
    if audit_id is not None:
        if audit is None or not _visible(audit, scope):
            return SaveResult("refused", message="This audit does not exist or you cannot see it.")
        if (refusal := _refusal(session, audit, scope)) is not None:
            return SaveResult("refused", audit_id=audit.id, message=refusal)
        if expected_version is not None and audit.version != expected_version:
            return _conflict(session, audit)
        if audit.status == "submitted" and not submit:
            return SaveResult("refused", audit_id=audit.id,
                              message="A submitted audit cannot go back to draft: save it as an amendment.")
        kind = audit.kind
        if audit.status == "submitted":
            # The case and theme of a submitted audit are fixed; only its content is amended.
            form.case_id, form.theme_id = audit.case_id, audit.theme_id
    else:
        kind = form.kind if form.kind in kinds else kinds[0]
    form.kind = kind

    if problems := draft_problems(form):
        return SaveResult("invalid", audit_id=audit_id, problems=problems,
                          message="Choose the case and the theme before saving.")
    case = session.get(Case, form.case_id)
    allowed = entry_team_ids(scope, kind)
    if case is None or (allowed is not None and case.team_id not in allowed):
        return SaveResult("invalid", audit_id=audit_id,
                          problems=[FieldProblem("case", "You can audit only cases of the teams you manage.")],
                          message="That case is not one you can audit.")
    chosen = _questions_for(session, audit, form.theme_id)
    if chosen is None:
        return SaveResult("invalid", audit_id=audit_id, problems=[FieldProblem("theme", "This theme has no questions yet.")],
                          message="That theme has no template yet.")
    version_id, questions = chosen
    if submit and (problems := submission_problems(form, questions, today)):
        count = len(problems)
        return SaveResult("invalid", audit_id=audit_id, problems=problems,
                          message=f"{count} thing{'s' if count != 1 else ''} to put right before this audit can be "
                                  "submitted: see the messages next to the fields. Nothing you typed is lost.")

    creating = audit is None
    if creating:
        programme = current_programme(session)
        audit = Audit(
            case_id=case.id, theme_id=form.theme_id, template_version_id=version_id,
            programme_id=programme.id if programme else None, kind=kind, auditor_id=scope.user_id,
            team_id=case.team_id, practitioner_id=case.practitioner_id, status="draft",
        )
        before: dict = {}
        old_questions: list[QuestionRule] = []
    else:
        old_questions = question_rules(session, audit.template_version_id) if audit.template_version_id != version_id else questions
        before = _snapshot(audit, old_questions, _form_of(session, audit))
        if audit.status == "draft":
            # A draft may still move to another case or theme.
            audit.case_id, audit.team_id, audit.practitioner_id = case.id, case.team_id, case.practitioner_id
            audit.theme_id, audit.template_version_id = form.theme_id, version_id
    was_submitted = audit.status == "submitted"
    _apply_fields(audit, form)
    if submit and not was_submitted:
        audit.status = "submitted"
        audit.submitted_at = utcnow()
    try:
        if creating:
            session.add(audit)
        session.flush()
        _apply_answers(session, audit, questions, form, creating)
        _apply_actions(session, audit, form, scope, today, creating)
        session.flush()
    except StaleDataError:
        # Another transaction changed the audit or one of its actions between our read and write.
        session.rollback()
        fresh = session.get(Audit, audit.id) if not creating else None
        if fresh is None:
            return SaveResult("refused", message="This audit changed while saving; open it again.")
        return _conflict(session, fresh)
    after = _snapshot(audit, questions, form)
    if creating:
        record(session, scope.username, "audit.create", "audit", audit.id,
               after={k: v for k, v in after.items() if v not in (None, "", [])} | {"status": "draft"})
        if submit:
            record(session, scope.username, "audit.submit", "audit", audit.id,
                   before={"status": "draft"}, after={"status": "submitted"})
    else:
        old, new = changes(before, after)
        action = "audit.amend" if was_submitted else ("audit.submit" if submit else "audit.save")
        record(session, scope.username, action, "audit", audit.id, before=old, after=new)
    return SaveResult("saved", audit_id=audit.id, version=audit.version, status=audit.status,
                      message="Submitted." if submit and not was_submitted else
                      ("Amendment saved." if was_submitted else "Draft saved."))


def save_draft(session: Session, form: AuditInput, *, scope: Scope, audit_id: int | None = None,
               expected_version: int | None = None, today: date) -> SaveResult:
    """Create or save a draft: anything may be missing except the case and the theme."""
    return _save(session, form, scope=scope, submit=False, audit_id=audit_id, expected_version=expected_version,
                 today=today)


def submit(session: Session, form: AuditInput, *, scope: Scope, audit_id: int | None = None,
           expected_version: int | None = None, today: date) -> SaveResult:
    """Validate everything and submit (a new audit or a draft)."""
    return _save(session, form, scope=scope, submit=True, audit_id=audit_id, expected_version=expected_version,
                 today=today)


def amend(session: Session, form: AuditInput, *, scope: Scope, audit_id: int, expected_version: int,
          today: date) -> SaveResult:
    """Save a change to a submitted audit (its author, until it is moderated); validates everything."""
    return _save(session, form, scope=scope, submit=True, audit_id=audit_id, expected_version=expected_version,
                 today=today)


# ------------------------------------------------------------------ the user's audits
@dataclass(frozen=True)
class MyAuditFilters:
    """What My audits is filtered by; every field narrows the list."""

    status: str | None = None
    theme_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    reference: str = ""


def _my_audits_where(statement, scope: Scope, filters: MyAuditFilters):
    statement = in_scope(statement.where(Audit.auditor_id == scope.user_id), scope)
    if filters.status:
        statement = statement.where(Audit.status == filters.status)
    if filters.theme_id is not None:
        statement = statement.where(Audit.theme_id == filters.theme_id)
    if filters.date_from is not None:
        statement = statement.where(Audit.audit_date >= filters.date_from)
    if filters.date_to is not None:
        statement = statement.where(Audit.audit_date <= filters.date_to)
    if filters.reference.strip():
        statement = statement.where(func.upper(Case.reference).contains(filters.reference.strip().upper()))
    return statement


def count_my_audits(session: Session, scope: Scope, filters: MyAuditFilters) -> dict[str, int]:
    """How many of the user's audits match, by status ({'draft': n, 'submitted': m})."""
    statement = select(Audit.status, func.count()).select_from(Audit)
    if filters.reference.strip():
        statement = statement.join(Case, Case.id == Audit.case_id)
    statement = _my_audits_where(statement, scope, filters)
    return {"draft": 0, "submitted": 0} | dict(session.exec(statement.group_by(Audit.status)).all())


def my_audits(
    session: Session,
    scope: Scope,
    filters: MyAuditFilters = MyAuditFilters(),
    *,
    limit: int = 50,
    offset: int = 0,
) -> list[MyAuditRow]:
    """One page of the user's own audits matching ``filters``, drafts first then newest."""
    moderation = select(Moderation.audit_id).where(col(Moderation.status).in_(("graded", "completed")))
    statement = _my_audits_where(
        select(Audit.id, Case.reference, Theme.name, Audit.kind, Team.name, Audit.audit_date, Audit.status,
               Audit.overall_grade, Audit.moderated_overall_grade,
               (col(Audit.moderated_overall_grade).is_not(None) | col(Audit.id).in_(moderation)),
               Audit.updated_at, Audit.safeguarding_concern)
        .select_from(Audit)
        .join(Case, Case.id == Audit.case_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .join(Team, Team.id == Audit.team_id),
        scope, filters,
    )
    if filters.status is None:
        statement = statement.order_by(Audit.status == "submitted")  # drafts first
    statement = statement.order_by(col(Audit.updated_at).desc(), col(Audit.id).desc())
    rows = session.exec(statement.offset(offset).limit(limit)).all()
    return [MyAuditRow(*row[:9], bool(row[9]), *row[10:]) for row in rows]


# ------------------------------------------------------------------ safeguarding
def unacknowledged_concerns(session: Session, scope: Scope) -> list[Concern]:
    """Submitted audits with a safeguarding concern nobody has acknowledged, newest first.

    Never for a sponsor-only user: a concern carries a case reference and free text.
    """
    if scope.aggregates_only:
        return []
    statement = (
        select(Audit.id, Case.reference, Team.name, Audit.team_id, Audit.audit_date, Audit.safeguarding_action,
               Audit.safeguarding_told, User.display_name, Audit.auditor_id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(User, User.id == Audit.auditor_id)
        .where(Audit.status == "submitted", col(Audit.safeguarding_concern).is_(True),
               col(Audit.safeguarding_ack_at).is_(None))
    )
    rows = session.exec(in_scope(statement, scope).order_by(col(Audit.audit_date).desc(), col(Audit.id).desc())).all()
    return [Concern(*row) for row in rows]


def acknowledgement_refusal(scope: Scope, team_id: int, raised_by_id: int) -> str | None:
    """Why ``scope`` may not acknowledge a concern raised by ``raised_by_id`` on a case of
    ``team_id`` (None: they may)."""
    if not may_acknowledge(scope.roles):
        return "Safeguarding concerns are acknowledged by the team's manager or an auditor."
    if not scope.can_see_team(team_id):
        return "This concern is for a team you do not manage."
    if raised_by_id == scope.user_id:
        return "You raised this concern: someone else (the team's manager or another auditor) acknowledges it."
    return None


def acknowledge_concern(session: Session, scope: Scope, audit_id: int) -> str | None:
    """Acknowledge the safeguarding concern of ``audit_id``; None on success, else why not."""
    concern = next((c for c in unacknowledged_concerns(session, scope) if c.audit_id == audit_id), None)
    if concern is None:
        return "This concern has already been acknowledged, or you cannot see it."
    if (refusal := acknowledgement_refusal(scope, concern.team_id, concern.raised_by_id)) is not None:
        return refusal
    now = utcnow()
    # A bulk UPDATE, so the audit's version does not change: acknowledging a concern
    # must not make its author's next amendment look like a conflict.
    session.execute(
        update(Audit)
        .where(col(Audit.id) == audit_id, col(Audit.safeguarding_ack_at).is_(None))
        .values(safeguarding_ack_by_id=scope.user_id, safeguarding_ack_at=now)
    )
    record(session, scope.username, "audit.safeguarding_ack", "audit", audit_id,
           before={"safeguarding_ack_at": None}, after={"safeguarding_ack_at": now})
    return None


# ------------------------------------------------------------------ one audit, read-only
def audit_detail(session: Session, scope: Scope, audit_id: int) -> AuditDetail | None:
    """One audit for reading; None when the user may not see it (other teams, others' drafts, sponsors)."""
    audit = session.get(Audit, audit_id)
    if not _visible(audit, scope) or blind_for(session, scope, audit_id):
        return None
    if audit is None:
        raise RuntimeError("no audit to show")
    case = case_choice(session, audit.case_id)
    theme = session.get(Theme, audit.theme_id)
    version = session.get(TemplateVersion, audit.template_version_id)
    team = session.get(Team, audit.team_id)
    practitioner = session.get(Practitioner, audit.practitioner_id) if audit.practitioner_id else None
    author = session.get(User, audit.auditor_id)
    acknowledged_by = session.get(User, audit.safeguarding_ack_by_id) if audit.safeguarding_ack_by_id else None
    moderation_status = session.exec(select(Moderation.status).where(Moderation.audit_id == audit.id)).first()
    answers = [
        AnswerView(q.position, q.domain, q.text, q.guidance, a.grade if a else None, a.moderated_grade if a else None,
                   a.rationale if a else "")
        for q, a in session.exec(
            select(Question, Answer)
            .outerjoin(Answer, (Answer.question_id == Question.id) & (Answer.audit_id == audit.id))
            .where(Question.template_version_id == audit.template_version_id)
            .order_by(Question.position)
        ).all()
    ]
    actions = [
        ActionView(a.id, a.description, owner, a.raised_on, a.due_on, a.status, a.completion_note)
        for a, owner in session.exec(
            select(RemedialAction, Practitioner.name)
            .outerjoin(Practitioner, Practitioner.id == RemedialAction.owner_id)
            .where(RemedialAction.audit_id == audit.id)
            .order_by(RemedialAction.id)
        ).all()
    ]
    if None in (case, theme, version, team, author):  # foreign keys make this impossible
        raise RuntimeError(f"audit {audit.id} refers to a missing row")
    return AuditDetail(
        audit_id=audit.id, case_reference=case.reference, team=team.name, team_id=audit.team_id,
        practitioner=practitioner.name if practitioner else None, theme=theme.name, template_version=version.version,
        kind=audit.kind, author=author.display_name, author_id=audit.auditor_id, status=audit.status,
        work_date=audit.work_date, audit_date=audit.audit_date, submitted_at=audit.submitted_at,
        overall_grade=audit.overall_grade, moderated_overall_grade=audit.moderated_overall_grade,
        moderation_status=moderation_status, overall_rationale=audit.overall_rationale,
        impact_for_child=audit.impact_for_child, lived_experience=audit.lived_experience,
        limiting_override_reason=audit.limiting_override_reason, no_action_reason=audit.no_action_reason,
        learning_points=audit.learning_points, safeguarding_concern=audit.safeguarding_concern,
        safeguarding_action=audit.safeguarding_action, safeguarding_told=audit.safeguarding_told,
        safeguarding_acknowledged_by=acknowledged_by.display_name if acknowledged_by else None,
        safeguarding_acknowledged_at=audit.safeguarding_ack_at, answers=answers, actions=actions,
    )


def record_view(session: Session, scope: Scope, audit_id: int) -> None:
    """Viewing audit data is attributable: log who opened which audit."""
    record(session, scope.username, "audit.view", "audit", audit_id)


__all__ = [
    "EXTERNAL", "INTERNAL", "AuditDetail", "AuditEntryError", "CaseChoice", "Choice", "Concern", "EditableAudit",
    "MyAuditRow", "SaveResult", "ThemeChoice", "acknowledge_concern", "acknowledgement_refusal", "amend",
    "audit_detail", "case_choice", "create_case", "entry_team_ids", "find_cases", "load_for_edit", "my_audits",
    "practitioner_choices", "question_rules", "record_view", "save_draft", "submit",
    "team_choices", "theme_choices", "unacknowledged_concerns",
]
