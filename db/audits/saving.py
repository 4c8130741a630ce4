"""Loading an audit for the entry form, and saving it: a draft, a submission, an amendment.

A save takes the caller's ``Session`` (one ``write_session`` per user action, opened by the
ui layer): the audit, its answers and its actions are written together, all or nothing, with
the event that records what changed. Saves are optimistic: the caller passes the
``Audit.version`` it loaded, and a save based on an older version returns a conflict
carrying both versions instead of overwriting someone else's work.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from sqlalchemy import insert
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from core.audit_rules import (
    ActionInput,
    AnswerInput,
    AuditInput,
    FieldProblem,
    QuestionRule,
    draft_problems,
    entry_kinds,
    submission_problems,
)
from core.authz import Scope
from core.workdays import default_due_date
from db.audits.access import edit_refusal, is_moderated, visible
from db.audits.choices import CaseChoice, case_choice, entry_team_ids, question_rules
from db.events import changes, record
from db.models import Answer, Audit, Case, Event, RemedialAction, Theme, utcnow
from db.queries.common import current_programme
from db.rollups import apply as apply_to_rollup
from db.rollups import Contribution, contribution
from db.templates import latest_version


Outcome = Literal["saved", "invalid", "conflict", "refused"]


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


def form_of(session: Session, audit: Audit) -> AuditInput:
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


def load_for_edit(session: Session, scope: Scope, audit_id: int) -> EditableAudit | None:
    """An audit with the questions of ITS template version; None if the user may not see it."""
    audit = session.get(Audit, audit_id)
    if not visible(audit, scope):
        return None
    if audit is None:
        raise RuntimeError("no audit to load")
    theme = session.get(Theme, audit.theme_id)
    case = case_choice(session, audit.case_id)
    if theme is None or case is None:  # foreign keys make this impossible
        raise RuntimeError(f"audit {audit.id} has no theme or case")
    moderated = audit.status == "submitted" and is_moderated(session, audit)
    return EditableAudit(
        audit_id=audit.id, version=audit.version, status=audit.status, kind=audit.kind, author_id=audit.auditor_id,
        form=form_of(session, audit), questions=question_rules(session, audit.template_version_id),
        template_version_id=audit.template_version_id, theme=theme.name, case=case,
        refusal=edit_refusal(session, audit, scope), moderated=moderated, saved_at=audit.updated_at,
    )


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
        theirs=form_of(session, audit), their_version=audit.version, their_status=audit.status,
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
        if audit is None or not visible(audit, scope):
            return SaveResult("refused", message="This audit does not exist or you cannot see it.")
        if (refusal := edit_refusal(session, audit, scope)) is not None:
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
        before = _snapshot(audit, old_questions, form_of(session, audit))
        if audit.status == "draft":
            # A draft may still move to another case or theme.
            audit.case_id, audit.team_id, audit.practitioner_id = case.id, case.team_id, case.practitioner_id
            audit.theme_id, audit.template_version_id = form.theme_id, version_id
    was_submitted = audit.status == "submitted"
    counted_before = contribution(session, audit.id) if was_submitted else Contribution()  # Progress's rollups
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
        if audit.status == "submitted":
            # Progress's rollup moves by what the audit counted for before and counts for now (an
            # amendment may change grades and move it to another day).
            apply_to_rollup(session, counted_before, contribution(session, audit.id))
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
