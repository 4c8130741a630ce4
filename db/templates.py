"""Audit templates in the database: loading template files as new versions."""
from __future__ import annotations

from sqlmodel import Session, col, select

from core.templates import QuestionSpec, TemplateError, TemplateSpec, bundled_templates, parse_template
from db.events import record
from db.models import Question, TemplateVersion, Theme


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
