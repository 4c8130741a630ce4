"""The demo's first-auditor rationales are varied (issue 17), so the moderation comparison reads as
real: not one sentence per grade repeated across 386 audits."""
from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Answer, Audit


def test_first_auditor_rationales_vary_within_each_grade_and_name_the_domain(sqlite_demo_url):
    with Session(get_engine(sqlite_demo_url)) as s:
        rows = s.exec(select(Answer.grade, Answer.rationale).join(Audit, Audit.id == Answer.audit_id)
                      .where(Audit.status == "submitted")).all()
    by_grade: dict[int, set[str]] = defaultdict(set)
    for grade, rationale in rows:
        by_grade[grade].add(rationale)
    # Grades 1-4 (Inadequate .. Outstanding): several different rationales each, not one.
    for grade in (1, 2, 3, 4):
        assert len(by_grade[grade]) >= 5, (grade, by_grade[grade])
    # A rationale that names its domain, as auditors write them.
    assert any(r.startswith("Sound work on lived experience and voice") for r in by_grade[3])
