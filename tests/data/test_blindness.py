"""A moderator cannot read an audit's first grades anywhere before submitting their own."""
from __future__ import annotations

from sqlmodel import col, select

from db.audits.access import blind_for
from db.audits.detail import audit_detail
from db.models import Audit, Moderation, User
from db.users import load_signed_in


def test_the_audit_page_hides_an_audit_from_its_blind_moderator(demo_session):
    manager_id = demo_session.exec(select(User.id).where(User.username == "manager")).one()
    audit = demo_session.exec(
        select(Audit).where(Audit.auditor_id == manager_id, Audit.status == "submitted",
                            col(Audit.moderated_overall_grade).is_(None)).order_by(col(Audit.id).desc())
    ).first()
    auditor = load_signed_in(demo_session, "auditor").scope
    admin = load_signed_in(demo_session, "admin").scope
    assert audit_detail(demo_session, auditor, audit.id) is not None
    demo_session.add(Moderation(audit_id=audit.id, moderator_id=auditor.user_id, status="assigned"))
    demo_session.flush()
    assert blind_for(demo_session, auditor, audit.id)
    assert audit_detail(demo_session, auditor, audit.id) is None
    assert audit_detail(demo_session, admin, audit.id) is not None
    moderation = demo_session.exec(select(Moderation).where(Moderation.audit_id == audit.id)).one()
    moderation.status = "graded"
    demo_session.flush()
    assert audit_detail(demo_session, auditor, audit.id) is not None
