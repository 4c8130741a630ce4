"""Audit templates in the database: loading template files as new versions (the bundled files at
start-up, an upload on the Templates page), and the Templates page's list and upload checks (admin only)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.templates import QuestionSpec, TemplateError, TemplateSpec, bundled_templates, parse_template
from core.authz import Scope
from db.admin import actor_id, require_admin, uk_time
from db.events import record
from db.models import Audit, Question, TemplateVersion, Theme, User


def theme_by_code(session: Session, code: str) -> Theme | None:
    return session.exec(select(Theme).where(Theme.code == code)).first()


def load_template(
    session: Session, spec: TemplateSpec, *, actor: str, source_text: str = "", loaded_by_id: int | None = None
) -> TemplateVersion:
    """Store ``spec`` as a new version of its theme (creating the theme if new).

    A version number already loaded is refused: audits point at versions, so a
    version's questions never change once stored.
    """
    theme = theme_by_code(session, spec.theme)
    if theme is None:
        theme = Theme(code=spec.theme, name=spec.name)
        session.add(theme)
        session.flush()
    else:
        newest = latest_version(session, theme.id)
        if newest is not None and spec.version <= newest.version:
            raise TemplateError(
                f"{spec.name} is already at version {newest.version}; a changed template needs a higher version."
            )
        theme.name = spec.name
    version = TemplateVersion(
        theme_id=theme.id,
        version=spec.version,
        description=spec.description,
        source_text=source_text,
        loaded_by_id=loaded_by_id,
    )
    session.add(version)
    session.flush()
    for position, q in enumerate(spec.questions, start=1):
        session.add(
            Question(
                template_version_id=version.id,
                position=position,
                key=q.key,
                domain=q.domain,
                text=q.text,
                guidance=q.guidance,
                limiting=q.limiting,
                allow_na=q.allow_na,
            )
        )
    record(session, actor, "template.load", "template_version", version.id,
           after={"theme": spec.theme, "version": spec.version, "questions": len(spec.questions)})
    return version


def load_template_text(session: Session, text: str, *, actor: str, loaded_by_id: int | None = None) -> TemplateVersion:
    spec = parse_template(text, source="uploaded file")
    return load_template(session, spec, actor=actor, source_text=text, loaded_by_id=loaded_by_id)


def templates_missing(session: Session) -> bool:
    """Whether a shipped template version is not in the database yet."""
    for spec in bundled_templates():
        theme = theme_by_code(session, spec.theme)
        newest = latest_version(session, theme.id) if theme else None
        if newest is None or spec.version > newest.version:
            return True
    return False


def sync_bundled_templates(session: Session, actor: str = "system") -> int:
    """Load every shipped template version the database does not have yet; return how many."""
    loaded = 0
    for spec in bundled_templates():
        theme = theme_by_code(session, spec.theme)
        newest = latest_version(session, theme.id) if theme else None
        if newest is None or spec.version > newest.version:
            load_template(session, spec, actor=actor)
            loaded += 1
    return loaded


def latest_version(session: Session, theme_id: int) -> TemplateVersion | None:
    return session.exec(
        select(TemplateVersion).where(TemplateVersion.theme_id == theme_id).order_by(col(TemplateVersion.version).desc())
    ).first()


def questions_of(session: Session, template_version_id: int) -> list[Question]:
    return list(
        session.exec(
            select(Question).where(Question.template_version_id == template_version_id).order_by(Question.position)
        )
    )


def as_specs(questions: list[Question]) -> list[QuestionSpec]:
    return [QuestionSpec(q.key, q.domain, q.text, q.guidance, q.limiting, q.allow_na) for q in questions]


# ------------------------------------------------------------------ the Templates page (admin)
# ================================================================== audit templates
@dataclass(frozen=True)
class TemplateRow:
    id: int
    theme_code: str
    theme: str
    version: int
    description: str
    questions: int
    audits: int
    loaded_at: datetime  # UK time
    loaded_by: str
    latest: bool


def template_versions(session: Session, scope: Scope) -> list[TemplateRow]:
    require_admin(scope)
    questions = dict(session.exec(select(Question.template_version_id, func.count())
                                  .group_by(Question.template_version_id)).all())
    audits = dict(session.exec(select(Audit.template_version_id, func.count())
                               .group_by(Audit.template_version_id)).all())
    users = dict(session.exec(select(User.id, User.display_name)).all())
    newest = dict(session.exec(select(TemplateVersion.theme_id, func.max(TemplateVersion.version))
                               .group_by(TemplateVersion.theme_id)).all())
    rows = session.exec(select(TemplateVersion, Theme).join(Theme, Theme.id == TemplateVersion.theme_id)
                        .order_by(Theme.name, col(TemplateVersion.version).desc()))
    return [
        TemplateRow(v.id, t.code, t.name, v.version, v.description, questions.get(v.id, 0), audits.get(v.id, 0),
                    uk_time(v.loaded_at), users.get(v.loaded_by_id, "bundled file") if v.loaded_by_id else "bundled file",
                    newest.get(t.id) == v.version)
        for v, t in rows
    ]


def template_questions(session: Session, scope: Scope, template_version_id: int) -> list[Question]:
    require_admin(scope)
    return questions_of(session, template_version_id)


@dataclass(frozen=True)
class TemplateCheck:
    spec: TemplateSpec | None
    problems: tuple[str, ...]
    current_version: int | None  # the theme's newest loaded version, None for a new theme


def decode_template_upload(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"The file is not UTF-8 text (byte {exc.start + 1}). Save it as UTF-8.") from exc


def check_template_upload(session: Session, scope: Scope, data: bytes) -> TemplateCheck:
    """Validate an uploaded template file without loading it: every problem, listed."""
    require_admin(scope)
    try:
        spec = parse_template(decode_template_upload(data), source="uploaded file")
    except TemplateError as error:
        text = str(error).removeprefix("uploaded file: ")
        return TemplateCheck(None, tuple(p.strip() for p in text.split("; ") if p.strip()), None)
    theme = session.exec(select(Theme).where(Theme.code == spec.theme)).first()
    newest = latest_version(session, theme.id) if theme else None
    problems = ()
    if newest is not None and spec.version <= newest.version:
        problems = (f"{spec.name} is already at version {newest.version}; a changed template needs version "
                    f"{newest.version + 1} or higher.",)
    return TemplateCheck(spec, problems, newest.version if newest else None)


def load_template_upload(session: Session, *, scope: Scope, data: bytes) -> TemplateVersion:
    """Load an uploaded template file as a new version (validated again, in this transaction)."""
    require_admin(scope)
    text = decode_template_upload(data)
    spec = parse_template(text, source="uploaded file")
    return load_template(session, spec, actor=scope.username, source_text=text, loaded_by_id=actor_id(session, scope))
