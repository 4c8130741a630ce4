"""Who may do what: roles, the page each role may open, and a user's data scope.

The router and every page's guard read ``PAGES``; every query takes a ``Scope``.
Keeping both here, in pure Python, lets one table of tests prove the whole
role x page matrix without a browser.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    AUDITOR = "auditor"
    MANAGER = "manager"
    SPONSOR = "sponsor"
    SUPPORT = "support"
    ADMIN = "admin"

    @property
    def description(self) -> str:
        return ROLE_DESCRIPTIONS[self]


ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.AUDITOR: "Enters external audits, moderates, raises and verifies remedial actions.",
    Role.MANAGER: "Enters internal audits of the teams they manage and follows their actions up.",
    Role.SPONSOR: "Sees programme progress and aggregate trends; downloads the board report.",
    Role.SUPPORT: "Keeps the remedial-action tracker current and imports case lists.",
    Role.ADMIN: "Manages users, teams, practitioners, templates and the event log.",
}

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class PageSpec:
    """One page of the app: its file under pages/, its title and who may open it."""

    key: str
    path: str
    title: str
    icon: str
    roles: frozenset[Role]
    section: str = "Programme"
    default: bool = False
    hidden: bool = False  # reachable by links (e.g. one audit), not listed in the menu


# The single source of truth for navigation and page guards. The menu shows sections
# in order of first appearance and pages in this order within each section.
_ANYONE_BUT_SPONSOR_OR_SUPPORT = frozenset({Role.AUDITOR, Role.MANAGER, Role.ADMIN})
PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "pages/overview.py", "Overview", ":material/dashboard:", ALL_ROLES, default=True),
    # The audit work itself.
    PageSpec("audit_entry", "pages/audit_entry.py", "Enter an audit", ":material/edit_document:",
             frozenset({Role.AUDITOR, Role.MANAGER}), section="Audits"),
    PageSpec("my_audits", "pages/my_audits.py", "My audits", ":material/folder_open:",
             frozenset({Role.AUDITOR, Role.MANAGER}), section="Audits"),
    PageSpec("audit_view", "pages/audit_view.py", "Audit", ":material/description:",
             frozenset({Role.AUDITOR, Role.MANAGER, Role.SUPPORT, Role.ADMIN}), section="Audits", hidden=True),
    PageSpec("actions", "pages/actions.py", "Remedial actions", ":material/task_alt:",
             frozenset({Role.SUPPORT, Role.AUDITOR, Role.MANAGER, Role.ADMIN}), section="Audits"),
    PageSpec("moderation", "pages/moderation.py", "Moderation", ":material/rule:",
             frozenset({Role.AUDITOR, Role.ADMIN}), section="Audits"),
    # Seeing where practice stands.
    PageSpec("heatmaps", "pages/heatmaps.py", "RAG heatmaps", ":material/grid_on:",
             frozenset({Role.MANAGER, Role.AUDITOR, Role.ADMIN, Role.SPONSOR}), section="Reports"),
    PageSpec("progress", "pages/progress.py", "Progress", ":material/trending_up:",
             frozenset({Role.SPONSOR, Role.ADMIN, Role.AUDITOR, Role.MANAGER}), section="Reports"),
    PageSpec("agreement", "pages/agreement.py", "Moderation agreement", ":material/balance:",
             _ANYONE_BUT_SPONSOR_OR_SUPPORT, section="Reports"),
    # Improving it with the managers.
    PageSpec("meetings", "pages/meetings.py", "Meetings", ":material/groups:",
             _ANYONE_BUT_SPONSOR_OR_SUPPORT, section="Meetings"),
    PageSpec("risks", "pages/risks.py", "Risks and issues", ":material/report:",
             _ANYONE_BUT_SPONSOR_OR_SUPPORT, section="Meetings"),
    PageSpec("admin_users", "pages/admin_users.py", "Users", ":material/manage_accounts:", frozenset({Role.ADMIN}),
             section="Administration"),
    PageSpec("admin_teams", "pages/admin_teams.py", "Teams and practitioners", ":material/badge:",
             frozenset({Role.ADMIN}), section="Administration"),
    PageSpec("case_import", "pages/case_import.py", "Case import", ":material/upload_file:",
             frozenset({Role.ADMIN, Role.SUPPORT}), section="Administration"),
    PageSpec("event_log", "pages/event_log.py", "Event log", ":material/history:", frozenset({Role.ADMIN}),
             section="Administration"),
    PageSpec("admin_templates", "pages/admin_templates.py", "Audit templates", ":material/article:",
             frozenset({Role.ADMIN}), section="Administration"),
    PageSpec("account", "pages/account.py", "My account", ":material/key:", ALL_ROLES, section="Account"),
)


def page(key: str) -> PageSpec:
    for spec in PAGES:
        if spec.key == key:
            return spec
    raise KeyError(key)


def pages_for(roles: frozenset[Role] | set[Role]) -> list[PageSpec]:
    """The pages a user holding ``roles`` may open, in menu order: grouped by section
    (sections in order of first appearance), PAGES order within a section."""
    allowed = [spec for spec in PAGES if spec.roles & set(roles)]
    sections = list(dict.fromkeys(spec.section for spec in allowed))
    return sorted(allowed, key=lambda spec: sections.index(spec.section))


def may_open(roles: frozenset[Role] | set[Role], key: str) -> bool:
    return bool(page(key).roles & set(roles))


def parse_roles(values: str | list[str] | tuple[str, ...] | set[str] | None) -> frozenset[Role]:
    """Roles from a list or a comma-separated string; unknown names are ignored."""
    if not values:
        return frozenset()
    if isinstance(values, str):
        values = values.split(",")
    known = {r.value for r in Role}
    return frozenset(Role(v.strip()) for v in values if v and v.strip() in known)


@dataclass(frozen=True)
class Scope:
    """What one signed-in user may see, passed to every query.

    ``team_ids`` is None when the user sees every team (auditor, support, admin,
    sponsor at aggregate level); otherwise the teams they manage.
    """

    user_id: int
    username: str
    roles: frozenset[Role]
    managed_team_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def sees_all_teams(self) -> bool:
        return bool(self.roles & {Role.AUDITOR, Role.SUPPORT, Role.ADMIN, Role.SPONSOR})

    @property
    def team_ids(self) -> frozenset[int] | None:
        """None means every team; otherwise only these (possibly none)."""
        return None if self.sees_all_teams else self.managed_team_ids

    @property
    def aggregates_only(self) -> bool:
        """A sponsor-only user never receives case references, names or free text."""
        return not (self.roles - {Role.SPONSOR})

    @property
    def sees_practitioners(self) -> bool:
        return not self.aggregates_only

    def can_see_team(self, team_id: int | None) -> bool:
        return self.team_ids is None or team_id in self.team_ids

    def cache_key(self) -> tuple:
        """Everything that changes what this user may see, for keying caches."""
        return (tuple(sorted(self.roles)), self.team_ids and tuple(sorted(self.team_ids)))
