"""The expected role x page matrix, written out from the README's "Who can do what" table.

Tests compare the app (``core/authz.PAGES``, the router, every page's guard, the browser)
with this grid, never with the app's own table: a mutation of ``PAGES`` (say, letting a
sponsor open the Audit page) makes them fail. Change this grid only when the README's
table changes.
"""
from __future__ import annotations

#                    page key            file                        title                      auditor manager sponsor support admin
_GRID = """
                     overview            pages/overview.py           Overview                      x      x       x       x      x
                     audit_entry         pages/audit_entry.py        Enter an audit                x      x       .       .      .
                     my_audits           pages/my_audits.py          My audits                     x      x       .       .      .
                     audit_view          pages/audit_view.py         Audit                         x      x       .       x      x
                     actions             pages/actions.py            Remedial actions              x      x       .       x      x
                     moderation          pages/moderation.py         Moderation                    x      .       .       .      x
                     heatmaps            pages/heatmaps.py           RAG heatmaps                  x      x       x       .      x
                     progress            pages/progress.py           Progress                      x      x       x       .      x
                     agreement           pages/agreement.py          Moderation agreement          x      x       .       .      x
                     meetings            pages/meetings.py           Meetings                      x      x       .       .      x
                     risks               pages/risks.py              Risks and issues              x      x       .       .      x
                     admin_users         pages/admin_users.py        Users                         .      .       .       .      x
                     admin_teams         pages/admin_teams.py        Teams and practitioners       .      .       .       .      x
                     case_import         pages/case_import.py        Case import                   .      .       .       x      x
                     event_log           pages/event_log.py          Event log                     .      .       .       .      x
                     admin_templates     pages/admin_templates.py    Audit templates               .      .       .       .      x
                     account             pages/account.py            My account                    x      x       x       x      x
"""
ROLE_COLUMNS = ("auditor", "manager", "sponsor", "support", "admin")
HIDDEN_PAGES = {"audit_view"}
# What each role's menu lists, in order (README: "Each role sees only its own pages in the menu").
MENUS = {
    "auditor": ["Overview", "Enter an audit", "My audits", "Remedial actions", "Moderation", "RAG heatmaps",
                "Progress", "Moderation agreement", "Meetings", "Risks and issues", "My account"],
    "manager": ["Overview", "Enter an audit", "My audits", "Remedial actions", "RAG heatmaps", "Progress",
                "Moderation agreement", "Meetings", "Risks and issues", "My account"],
    "sponsor": ["Overview", "RAG heatmaps", "Progress", "My account"],
    "support": ["Overview", "Remedial actions", "Case import", "My account"],
    "admin": ["Overview", "Remedial actions", "Moderation", "RAG heatmaps", "Progress", "Moderation agreement",
              "Meetings", "Risks and issues", "Users", "Teams and practitioners", "Case import", "Event log",
              "Audit templates", "My account"],
}  # reached by links to one audit, never listed in the menu


def _parse() -> tuple[dict[str, str], dict[str, str], dict[str, frozenset[str]]]:
    paths, titles, roles = {}, {}, {}
    for line in _GRID.strip().splitlines():
        words = line.split()
        key, path, marks = words[0], words[1], words[-5:]
        paths[key] = path
        titles[key] = " ".join(words[2:-5])
        roles[key] = frozenset(role for role, mark in zip(ROLE_COLUMNS, marks) if mark == "x")
    return paths, titles, roles


PAGE_PATHS, PAGE_TITLES, PAGE_ROLES = _parse()
EXPECTED_KEYS = list(PAGE_PATHS)  # in menu order within each section


def allowed(role: str, key: str) -> bool:
    return role in PAGE_ROLES[key]


REFUSED_CELLS = [(role, key) for key in EXPECTED_KEYS for role in ROLE_COLUMNS if not allowed(role, key)]
