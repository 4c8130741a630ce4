"""What My audits reads: the user's audits counted and listed, read again only after a write
(``ui.cache``), so choosing an audit to open, or turning back a page already seen, queries nothing."""
from __future__ import annotations

from dataclasses import replace

from core.authz import Scope
from db.audits.my_audits import MyAuditFilters, MyAuditRow, count_my_audits, my_audits
from db.engine import read_session
from ui.cache import cached_query


@cached_query
def my_audit_counts(scope: Scope, filters: MyAuditFilters) -> dict[str, int]:
    """How many of the user's audits match, by status ({'draft': n, 'submitted': m})."""
    with read_session() as session:
        return count_my_audits(session, scope, filters)


@cached_query
def my_audit_rows(scope: Scope, filters: MyAuditFilters, status: str, limit: int, offset: int = 0) -> list[MyAuditRow]:
    """One page of the user's audits of ``status`` that match, most recently saved first."""
    with read_session() as session:
        return my_audits(session, scope, replace(filters, status=status), limit=limit, offset=offset)
