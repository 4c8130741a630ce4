"""Audit templates: each theme's questions, as versioned data files.

A template file (TOML, one per theme and version, in ``audit_templates/``) names
the theme, its version and 6 to 12 questions grouped by domain, each with the
guidance of what Good looks like. Changing a question means a new file with a
higher version; audits keep the version they were entered with.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "audit_templates"
MIN_QUESTIONS, MAX_QUESTIONS = 6, 12
LIVED_EXPERIENCE_DOMAIN = "Lived experience and voice"
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


class TemplateError(ValueError):
    """A template file that cannot be loaded; the message lists every problem."""


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    domain: str
    text: str
    guidance: str
    limiting: bool = False
    allow_na: bool = False


@dataclass(frozen=True)
class TemplateSpec:
    theme: str
    name: str
    version: int
    description: str
    questions: tuple[QuestionSpec, ...]

    @property
    def domains(self) -> list[str]:
        return list(dict.fromkeys(q.domain for q in self.questions))


def parse_template(text: str, source: str = "template") -> TemplateSpec:
    """Validate a template's TOML text and return it; raise TemplateError listing every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{source}: not valid TOML ({exc})") from exc
    problems: list[str] = []
    theme = raw.get("theme")
    if not isinstance(theme, str) or not _KEY.match(theme):
        problems.append("theme: a short lower-case code such as 'neglect' is required")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("name: required")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("version: a whole number of at least 1 is required")
    questions_raw = raw.get("questions")
    questions: list[QuestionSpec] = []
    if not isinstance(questions_raw, list):
        problems.append("questions: a list of [[questions]] tables is required")
        questions_raw = []
    elif not MIN_QUESTIONS <= len(questions_raw) <= MAX_QUESTIONS:
        problems.append(f"questions: {MIN_QUESTIONS} to {MAX_QUESTIONS} are required, found {len(questions_raw)}")
    seen: set[str] = set()
    for index, q in enumerate(questions_raw, start=1):
        where = f"question {index}"
        if not isinstance(q, dict):
            problems.append(f"{where}: must be a table")
            continue
        key = q.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            problems.append(f"{where}: key must be lower_case_with_underscores")
        elif key in seen:
            problems.append(f"{where}: key '{key}' is used twice")
        else:
            seen.add(key)
        for field in ("domain", "text", "guidance"):
            if not isinstance(q.get(field), str) or not q[field].strip():
                problems.append(f"{where}: {field} is required")
        for flag in ("limiting", "allow_na"):
            if flag in q and not isinstance(q[flag], bool):
                problems.append(f"{where}: {flag} must be true or false")
        unknown = set(q) - {"key", "domain", "text", "guidance", "limiting", "allow_na"}
        if unknown:
            problems.append(f"{where}: unknown fields {', '.join(sorted(unknown))}")
        if not problems:
            questions.append(
                QuestionSpec(
                    key=key,
                    domain=q["domain"].strip(),
                    text=q["text"].strip(),
                    guidance=q["guidance"].strip(),
                    limiting=q.get("limiting", False),
                    allow_na=q.get("allow_na", False),
                )
            )
    if problems:
        raise TemplateError(f"{source}: " + "; ".join(problems))
    return TemplateSpec(
        theme=theme,
        name=name.strip(),
        version=version,
        description=str(raw.get("description", "")).strip(),
        questions=tuple(questions),
    )


def load_template_file(path: Path) -> TemplateSpec:
    return parse_template(path.read_text(encoding="utf-8"), source=path.name)


def bundled_templates(directory: Path = TEMPLATE_DIR) -> list[TemplateSpec]:
    """Every template file shipped with the product, by theme then version."""
    specs = [load_template_file(p) for p in sorted(directory.glob("*.toml"))]
    return sorted(specs, key=lambda s: (s.theme, s.version))
