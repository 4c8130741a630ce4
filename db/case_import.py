"""Importing the council's case list (the Case import page): the preview, and writing every
valid row, all or nothing, in the caller's transaction. Admin and business support."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from core import case_import as ci
from core.case_file import RawTable
from core.authz import Role, Scope
from db.admin import AdminError, require_role
from db.admin_teams import new_practitioner
from db.events import record
from db.models import Case, Practitioner, Team


# ================================================================== case import
def _require_importer(scope: Scope) -> None:
    require_role(scope, Role.ADMIN, Role.SUPPORT)
    if scope.team_ids is not None:  # an importer sees every team; never the case for admin or support
        raise PermissionError("A case import needs access to every team.")


def import_directory(session: Session, references: Iterable[str]) -> ci.Directory:
    """The teams, practitioners and already-stored cases (of ``references``) an import is checked against."""
    teams = tuple(ci.KnownTeam(t.id, t.name, t.service_area, t.active) for t in session.exec(select(Team)))
    practitioners = tuple(
        ci.KnownPractitioner(p.id, p.name, p.team_id, p.active) for p in session.exec(select(Practitioner))
    )
    wanted = sorted(set(references))
    cases: dict[str, ci.KnownCase] = {}
    for start in range(0, len(wanted), 500):  # keep each IN list well below any driver's parameter limit
        chunk = wanted[start:start + 500]
        for c in session.exec(select(Case).where(col(Case.reference).in_(chunk))):
            cases[c.reference] = ci.KnownCase(c.reference, c.team_id, c.practitioner_id, c.service_area)
    return ci.Directory(teams, practitioners, cases)


def preview_case_import(session: Session, scope: Scope, table: RawTable) -> ci.ImportPreview:
    """What importing ``table`` would do; writes nothing."""
    _require_importer(scope)
    return ci.plan_import(table, import_directory(session, ci.iter_references(table)))


class ImportChanged(AdminError):
    """The data changed between the preview and the confirmation."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    skipped: int
    practitioners_created: tuple[str, ...]


def _write_case(session: Session, row: ci.PlannedRow, practitioner_id: int | None, existing: dict[str, Case]) -> None:
    """Create or update one case of a confirmed import, in the caller's transaction."""
    if row.action == ci.CREATE:
        session.add(Case(reference=row.reference, team_id=row.team_id, practitioner_id=practitioner_id,
                         service_area=row.service_area))
    else:
        case = existing[row.reference]
        case.team_id, case.practitioner_id, case.service_area = row.team_id, practitioner_id, row.service_area


def apply_case_import(
    session: Session, *, scope: Scope, table: RawTable, confirmed: ci.ImportPreview, today: date
) -> ImportResult:
    """Write every valid row of ``table``, all or nothing, in the caller's (one) transaction.

    The plan is made again inside the transaction; if it differs from the preview
    the user confirmed (someone changed teams or cases meanwhile), nothing is written.
    """
    _require_importer(scope)
    preview = ci.plan_import(table, import_directory(session, ci.iter_references(table)))
    if preview.fingerprint != confirmed.fingerprint:
        raise ImportChanged("Teams, practitioners or cases changed since the preview. Check the new preview and "
                            "confirm again; nothing was imported.")
    rows = preview.to_write
    if not rows:
        raise AdminError("Nothing to import: no row would create or update a case.")
    new_ids: dict[tuple[str, int], int] = {}
    for name, team_id in preview.new_practitioners:
        key = (" ".join(name.split()).casefold(), team_id)
        if key not in new_ids:
            new_ids[key] = new_practitioner(session, scope=scope, name=name, team_id=team_id, on=today, log=False).id
    updated = sorted(r.reference for r in rows if r.action == ci.UPDATE)
    existing: dict[str, Case] = {}
    for start in range(0, len(updated), 500):
        existing.update((c.reference, c) for c in session.exec(
            select(Case).where(col(Case.reference).in_(updated[start:start + 500]))))
    for number, row in enumerate(rows, start=1):
        practitioner_id = row.practitioner_id
        if row.new_practitioner:
            practitioner_id = new_ids[(" ".join(row.practitioner.split()).casefold(), row.team_id)]
        _write_case(session, row, practitioner_id, existing)
        if number % 500 == 0:
            session.flush()  # in batches: one statement per row would be slow for a council's whole list
    session.flush()
    counts = ci.summary(preview)
    created_names = tuple(dict.fromkeys(name for name, _ in preview.new_practitioners))
    record(session, scope.username, "case.import", "case_import", table.filename[:40], after={
        "file": table.filename,
        "encoding": table.encoding,
        "counts": counts,
        "practitioners_created": list(created_names),
        "created": [r.reference for r in rows if r.action == ci.CREATE],
        "updated": [{"reference": r.reference, "changes": list(r.changes)} for r in rows if r.action == ci.UPDATE],
        "skipped_rows": [r.row for r in preview.rows if r.action == ci.SKIP],
    })
    return ImportResult(counts[ci.CREATE], counts[ci.UPDATE], counts[ci.UNCHANGED], counts[ci.SKIP], created_names)
