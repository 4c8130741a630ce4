"""What the administration modules share: the refusal of anyone without the role an
administration page needs, the error an administrative change raises, and UK time for
showing stored moments to people.

Administration lives in one module per page: ``db.admin_users`` (accounts),
``db.admin_teams`` (teams and practitioners), ``db.case_import``, ``db.event_log`` and
``db.templates`` (audit templates). Every function there takes the signed-in user's ``Scope``
and refuses anyone without the role (admin; support may also import cases). Every change
records an event in the same transaction as the change, and takes the caller's ``Session``:
the page opens one ``db.engine.write_session()`` per user action.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session, select

from core.authz import Role, Scope
from db.models import User
from db.users import UserError

try:  # UK users read UK times; fall back to UTC where the time-zone database is missing.
    from zoneinfo import ZoneInfo

    LOCAL_TZ = ZoneInfo("Europe/London")
except Exception:  # pragma: no cover - depends on the machine
    LOCAL_TZ = timezone.utc


def uk_time(value: datetime | None) -> datetime | None:
    """A stored (UTC) moment as UK wall-clock time, for showing to people."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None)


class AdminError(UserError):
    """An administrative change that cannot be made; the message says why."""


def require_role(scope: Scope, *roles: Role) -> None:
    if not scope.roles & set(roles):
        raise PermissionError(f"{scope.username} may not do this ({', '.join(r.value for r in roles)} only).")


def require_admin(scope: Scope) -> None:
    require_role(scope, Role.ADMIN)


def actor_id(session: Session, scope: Scope) -> int | None:
    return session.exec(select(User.id).where(User.username == scope.username)).first()
