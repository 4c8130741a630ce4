"""The schema: every table of the product, as SQLModel classes.

Names follow the domain (``RemedialAction``, ``moderated_grade``, ``due_on``).
Grades are stored as scores (see ``core.grades.Grade``: 4 Outstanding ... 1
Inadequate, 0 not applicable, NULL not yet graded). Audits keep the team and
practitioner they were done in, so moving a practitioner never rewrites history.
Schema changes go through Alembic (``alembic/versions``), never ``create_all``.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- people and teams
class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    service_area: str = Field(default="", max_length=120)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A person who signs in. Roles and managed teams live in their own tables."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True, index=True)
    display_name: str = Field(max_length=120)
    email: str = Field(default="", max_length=254)
    active: bool = True
    password_hash: str = Field(max_length=100)
    must_change_password: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = None
    # Sign-in cookies issued before this moment are refused (server-side logout).
    sessions_valid_after: datetime | None = None
    last_seen_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # How this person may sign in: 'local' (password), 'provider' (the council's
    # OpenID Connect provider) or 'both' (core.identity.SIGN_IN_METHODS).
    sign_in: str = Field(default="local", max_length=10)


class UserIdentity(SQLModel, table=True):
    """The provider identity (issuer + subject) linked to a user: one per user, one user per identity."""

    __tablename__: ClassVar[str] = "user_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_user_identity_issuer_subject"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", unique=True, ondelete="CASCADE")
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    email: str = Field(default="", max_length=254)  # the provider's email when linked
    linked_at: datetime = Field(default_factory=utcnow)
    linked_by: str = Field(max_length=60)  # who linked it: the person at first sign-in, or an admin
    last_sign_in_at: datetime | None = None


class UserRole(SQLModel, table=True):
    __tablename__: ClassVar[str] = "user_role"
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(primary_key=True, max_length=20)


class ManagedTeam(SQLModel, table=True):
    """A manager's teams: what they may see at practitioner and case level."""

    __tablename__: ClassVar[str] = "managed_team"
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", primary_key=True)


class Practitioner(SQLModel, table=True):
    """An allocated social worker. Staff personal data: shown only to roles that need it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    team_id: int = Field(foreign_key="team.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class PractitionerMove(SQLModel, table=True):
    """History of practitioners moving between teams."""

    __tablename__: ClassVar[str] = "practitioner_move"
    id: int | None = Field(default=None, primary_key=True)
    practitioner_id: int = Field(foreign_key="practitioner.id", index=True)
    from_team_id: int | None = Field(default=None, foreign_key="team.id")
    to_team_id: int = Field(foreign_key="team.id")
    moved_on: date
    moved_by_id: int | None = Field(default=None, foreign_key="user.id")


class Case(SQLModel, table=True):
    """A child's record, known only by its pseudonymised reference. No names, DOBs or addresses."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True, index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    practitioner_id: int | None = Field(default=None, foreign_key="practitioner.id", index=True)
    service_area: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- programme and templates
class Programme(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    start_date: date
    weeks: int = 12
    active: bool = True


class Theme(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=120)
    active: bool = True


class ProgrammeTarget(SQLModel, table=True):
    """How many audits of a theme the programme plans."""

    __tablename__: ClassVar[str] = "programme_target"
    programme_id: int = Field(foreign_key="programme.id", primary_key=True)
    theme_id: int = Field(foreign_key="theme.id", primary_key=True)
    target: int


class TemplateVersion(SQLModel, table=True):
    """One version of a theme's question set, loaded from a template file."""

    __tablename__: ClassVar[str] = "template_version"
    __table_args__ = (UniqueConstraint("theme_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    version: int
    description: str = ""
    source_text: str = ""  # the file as loaded, for the record
    loaded_at: datetime = Field(default_factory=utcnow)
    loaded_by_id: int | None = Field(default=None, foreign_key="user.id")


class Question(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("template_version_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    template_version_id: int = Field(foreign_key="template_version.id", index=True)
    position: int
    key: str = Field(max_length=60)
    domain: str = Field(max_length=120, index=True)
    text: str
    guidance: str = ""
    limiting: bool = False
    allow_na: bool = False


# ---------------------------------------------------------------- audits
# The overall grade reporting uses: the agreed moderated grade where the audit was moderated
# (``db.queries.common.reported_overall`` writes the same in queries, which the indexes below serve).
REPORTED_OVERALL_GRADE = text("coalesce(moderated_overall_grade, overall_grade)")


class Audit(SQLModel, table=True):
    """One audit of one case against one theme's template version.

    ``version`` is SQLAlchemy's optimistic lock: a save based on an older version
    raises StaleDataError instead of silently overwriting someone else's work.
    """

    __table_args__ = (
        CheckConstraint("kind in ('internal', 'external')", name="ck_audit_kind"),
        CheckConstraint("status in ('draft', 'submitted')", name="ck_audit_status"),
        Index("ix_audit_report", "status", "audit_date", "team_id", "theme_id"),
        # Covering indexes for the heatmaps' aggregates (migration 0002): one led by team, one by date.
        Index("ix_audit_heatmap", "status", "team_id", "theme_id", "audit_date", "kind", "practitioner_id",
              "overall_grade", "moderated_overall_grade", "id"),
        Index("ix_audit_heatmap_period", "status", "audit_date", "team_id", "theme_id", "kind", "practitioner_id",
              "overall_grade", "moderated_overall_grade", "id"),
        # The safeguarding banner on three pages and the weekly agenda look for concerns on every
        # run: a partial index holds only the audits that raised one, not every submitted audit.
        Index("ix_audit_concern", "audit_date", "id",
              sqlite_where=text("safeguarding_concern IS 1"),
              postgresql_where=text("safeguarding_concern IS true")),
        # My audits: one author's drafts or submitted audits, most recently saved first, a page at a time.
        Index("ix_audit_author_recent", "auditor_id", "status", "updated_at", "id"),
        # Progress: days from the work audited to the audit, by date and kind (migration 0006).
        Index("ix_audit_liveness", "status", "audit_date", "kind", "work_date", "team_id"),
        # Audits by day and theme, or by day and team, with the grade reporting uses (migration 0008):
        # in the order of Overview's and Progress's GROUP BY, so they count without sorting; the two
        # grades at the end let SQLite read the expression from the index alone (covering).
        Index("ix_audit_day_theme_grade", "status", "audit_date", "theme_id", "kind", REPORTED_OVERALL_GRADE,
              "moderated_overall_grade", "overall_grade"),
        Index("ix_audit_day_team_grade", "status", "audit_date", "team_id", "kind", REPORTED_OVERALL_GRADE,
              "moderated_overall_grade", "overall_grade"),
        # An audit's status, team, author, template and grades by its id (migration 0012): PostgreSQL
        # joins a moderation to its audit from this index alone (an index-only scan), instead of reading
        # every audit row for a hash join (the agreement page and Progress's agreement at 1,000,000 audits).
        Index("ix_audit_by_id", "id", "status", "team_id", "auditor_id", "template_version_id", "overall_grade",
              "moderated_overall_grade"),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    theme_id: int = Field(foreign_key="theme.id")
    template_version_id: int = Field(foreign_key="template_version.id")
    programme_id: int | None = Field(default=None, foreign_key="programme.id")
    kind: str = Field(default="external", max_length=10)
    auditor_id: int = Field(foreign_key="user.id", index=True)
    # Where the case sat when audited; kept when practitioners or cases move.
    team_id: int = Field(foreign_key="team.id")
    practitioner_id: int | None = Field(default=None, foreign_key="practitioner.id", index=True)
    work_date: date | None = None
    audit_date: date | None = None
    status: str = Field(default="draft", max_length=10)
    overall_grade: int | None = None
    overall_rationale: str = ""
    impact_for_child: str = ""
    lived_experience: str = ""
    limiting_override_reason: str = ""
    no_action_reason: str = ""
    learning_points: str = ""
    safeguarding_concern: bool = False
    safeguarding_action: str = ""
    safeguarding_told: str = ""
    safeguarding_ack_by_id: int | None = Field(default=None, foreign_key="user.id")
    safeguarding_ack_at: datetime | None = None
    # The agreed grade after moderation; reporting uses it wherever it is set.
    moderated_overall_grade: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    version: int = Field(default=1)

    @declared_attr
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class Answer(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("audit_id", "question_id"),
        # Covering index for the heatmaps' answer aggregates (migration 0002).
        Index("ix_answer_heatmap", "audit_id", "question_id", "grade", "moderated_grade"),
    )
    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="question.id", index=True)
    grade: int | None = None
    rationale: str = ""
    moderated_grade: int | None = None


class AnswerDayCount(SQLModel, table=True):
    """How many answers of submitted audits had each reported grade, by audit day and question.

    A rollup for programme-wide Progress and the board report (a million answers become a few
    thousand rows), never written on its own: every write that changes what an audit counts for
    moves it by the difference (``db.rollups``), so it always equals the recount of the answers
    (``tests/data/test_rollups.py``). The reported grade is the moderated one where the audit was
    moderated; ungraded answers are not counted.
    """

    __tablename__ = "answer_day_count"
    day: date = Field(primary_key=True)
    question_id: int = Field(foreign_key="question.id", primary_key=True)
    grade: int = Field(primary_key=True)
    answers: int


NO_GRADE = -1  # AuditDayCount's grade of a submitted audit without an overall grade (a key cannot hold NULL)


class AuditDayCount(SQLModel, table=True):
    """How many submitted audits share a day, theme, kind, reported overall grade and team.

    A rollup for programme-wide Progress and the board report (their themes, teams and RAG by week and
    by period), kept like ``AnswerDayCount`` (``db.rollups``; ``tests/data/test_rollups.py``). Led by the
    day, then as Progress groups the themes, so that grouping follows the key's order.
    """

    __tablename__ = "audit_day_count"
    day: date = Field(primary_key=True)
    theme_id: int = Field(foreign_key="theme.id", primary_key=True)
    kind: str = Field(primary_key=True, max_length=10)
    grade: int = Field(primary_key=True)
    team_id: int = Field(foreign_key="team.id", primary_key=True)
    audits: int


class AuditWorkDayCount(SQLModel, table=True):
    """How many submitted audits of each kind were done on a day about work of another day (Progress's
    "how live is the work audited"), kept like ``AnswerDayCount`` (``db.rollups``)."""

    __tablename__ = "audit_work_day_count"
    day: date = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=10)
    work_date: date = Field(primary_key=True)
    audits: int


# ---------------------------------------------------------------- moderation
class Moderation(SQLModel, table=True):
    """A second, blind grading of an audit by someone other than its author.

    Status: ``assigned`` (drawn for a moderator) -> ``graded`` (blind grades in, the
    comparison is open) -> ``completed`` (agreed grades and feedback recorded).
    """

    __table_args__ = (CheckConstraint("status in ('assigned', 'graded', 'completed')", name="ck_moderation_status"),)
    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", unique=True)
    moderator_id: int = Field(foreign_key="user.id", index=True)
    assigned_by_id: int | None = Field(default=None, foreign_key="user.id")
    assigned_at: datetime = Field(default_factory=utcnow)
    sample_label: str = ""
    status: str = Field(default="assigned", max_length=10)
    moderator_overall_grade: int | None = None
    moderator_overall_rationale: str = ""
    agreed_overall_grade: int | None = None
    feedback: str = ""
    graded_at: datetime | None = None
    completed_at: datetime | None = None
    acknowledged_by_id: int | None = Field(default=None, foreign_key="user.id")
    acknowledged_at: datetime | None = None
    # How the audit's graded answers agree with the agreed grades, stored when the moderation is
    # completed (``db.rollups``, migration 0009): graded pairs, the same grade, within one grade, the
    # first grade higher, lower. Progress reads these, not the answers.
    agreement_answers: int = 0
    agreement_exact: int = 0
    agreement_within_one: int = 0
    agreement_higher: int = 0
    agreement_lower: int = 0


class ModerationAnswer(SQLModel, table=True):
    __tablename__: ClassVar[str] = "moderation_answer"
    __table_args__ = (UniqueConstraint("moderation_id", "question_id"),)
    id: int | None = Field(default=None, primary_key=True)
    moderation_id: int = Field(foreign_key="moderation.id", index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="question.id")
    moderator_grade: int | None = None
    moderator_rationale: str = ""
    agreed_grade: int | None = None


class ModerationGradePair(SQLModel, table=True):
    """A completed moderation's question grades counted by pair: how many of its questions the first
    auditor graded ``first_grade`` and the moderation ``second_grade`` (the agreed grade, or with
    ``blind`` the moderator's blind grade), for grades 1 to 4 on both sides.

    The Moderation agreement page's statistics of every question read these, a few rows a
    moderation, instead of joining each moderation's answers to the audit's (``db.rollups``,
    migration 0010). Written when the moderation is completed, the one write that changes them.
    """

    __tablename__: ClassVar[str] = "moderation_grade_pair"
    moderation_id: int = Field(foreign_key="moderation.id", primary_key=True, ondelete="CASCADE")
    blind: bool = Field(primary_key=True)
    first_grade: int = Field(primary_key=True)
    second_grade: int = Field(primary_key=True)
    answers: int


# ---------------------------------------------------------------- remedial actions
class RemedialAction(SQLModel, table=True):
    """A fix on a case found by an audit: open -> done -> verified, or done -> reopened."""

    __tablename__: ClassVar[str] = "remedial_action"
    __table_args__ = (
        CheckConstraint("status in ('open', 'done', 'verified', 'reopened')", name="ck_action_status"),
        Index("ix_action_status_due", "status", "due_on"),
        # The tracker's list, counts and filters read these columns of every action in scope:
        # led by audit_id so the join to audits walks both tables in the same order (migration 0004).
        Index("ix_action_list", "audit_id", "status", "due_on", "owner_id"),
        # Progress and the board report: every action's dates, read without the rows' free text (migration 0006).
        Index("ix_action_progress", "audit_id", "raised_on", "due_on", "completed_on", "verified_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="practitioner.id", index=True)
    description: str
    raised_by_id: int = Field(foreign_key="user.id")
    raised_on: date
    due_on: date
    status: str = Field(default="open", max_length=10)
    completion_note: str = ""
    completed_on: date | None = None
    verified_by_id: int | None = Field(default=None, foreign_key="user.id")
    verified_on: date | None = None
    reopen_reason: str = ""
    version: int = Field(default=1)

    @declared_attr
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


NOT_YET = date(9999, 12, 31)  # ActionDayCount's done or verified date of an action not done or verified yet


class ActionDayCount(SQLModel, table=True):
    """How many remedial actions of submitted audits share a team and the same four dates.

    A rollup for Progress and the board report (32,000 actions become 6,000 rows at 100,000 audits), kept
    like ``AnswerDayCount``: every write that changes an action's dates, or which audits count, moves it by
    the difference (``db.rollups``), so it always equals the recount of the actions
    (``tests/data/test_rollups.py``). An action not yet done or verified has ``NOT_YET`` (9999-12-31) for
    that date: the dates are the key, and a key cannot hold NULL.
    """

    __tablename__ = "action_day_count"
    raised_on: date = Field(primary_key=True)
    team_id: int = Field(foreign_key="team.id", primary_key=True)
    due_on: date = Field(primary_key=True)
    completed_on: date = Field(primary_key=True)
    verified_on: date = Field(primary_key=True)
    actions: int


# ---------------------------------------------------------------- meetings and risks
class Meeting(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(
            "kind in ('mentoring', 'reflective', 'workshop', 'coaching', 'risks_and_issues')",
            name="ck_meeting_kind",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    held_on: date = Field(index=True)
    notes: str = ""
    follow_ups: str = ""
    recorded_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class MeetingAttendee(SQLModel, table=True):
    """One attendee: a user or a practitioner."""

    __tablename__: ClassVar[str] = "meeting_attendee"
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    practitioner_id: int | None = Field(default=None, foreign_key="practitioner.id")


class MeetingTeam(SQLModel, table=True):
    __tablename__: ClassVar[str] = "meeting_team"
    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", primary_key=True)


class RiskIssue(SQLModel, table=True):
    """An item of the weekly risks-and-issues log, about a team or a practitioner."""

    __tablename__: ClassVar[str] = "risk_issue"
    __table_args__ = (
        CheckConstraint("severity in ('low', 'medium', 'high')", name="ck_risk_severity"),
        CheckConstraint("status in ('open', 'monitoring', 'closed')", name="ck_risk_status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    practitioner_id: int | None = Field(default=None, foreign_key="practitioner.id")
    description: str
    severity: str = Field(default="medium", max_length=10)
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    status: str = Field(default="open", max_length=12)
    raised_on: date
    review_on: date | None = None
    raised_by_id: int = Field(foreign_key="user.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    source: str = Field(default="", max_length=60)  # e.g. the agenda rule that suggested it
    closed_on: date | None = None


# ---------------------------------------------------------------- the trail
class Event(SQLModel, table=True):
    """The append-only event log. The database refuses UPDATE and DELETE on it."""

    # ``changes`` leads the index that finds the newest change of each kind (db.events.data_version).
    __table_args__ = (Index("ix_event_object", "object_type", "object_id"), Index("ix_event_changes", "changes", "id"))
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    username: str = Field(max_length=60, index=True)
    action: str = Field(max_length=60)
    # What it changed: "read", "draft" or "data" (db.events.changes_of); NULL before migration 0015.
    changes: str | None = Field(default=None, max_length=8)
    object_type: str = Field(max_length=40)
    object_id: str = Field(default="", max_length=40)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
