"""What the benchmark times: every page of ``core.authz.PAGES`` for every role that may open it.

Each role signs in as one of the synthetic database's accounts (``bench.synthetic.BENCH_USERS``):
``bench_auditor`` sees every team, ``bench_manager`` one team, ``bench_sponsor`` aggregates only,
``bench_support`` and ``bench_admin`` their own pages. ``naive`` is the page's figures built the
naive way (or None); ``query`` is the page's query string (the one-audit page needs ``?audit=<id>``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bench.naive import naive_heatmap, naive_overview
from core.authz import PAGES as APP_PAGES
from core.authz import Role

ROLE_USERS = {
    Role.AUDITOR: "bench_auditor",
    Role.MANAGER: "bench_manager",
    Role.SPONSOR: "bench_sponsor",
    Role.SUPPORT: "bench_support",
    Role.ADMIN: "bench_admin",
}
ROLE_ORDER = (Role.AUDITOR, Role.MANAGER, Role.SPONSOR, Role.SUPPORT, Role.ADMIN)
NAIVE = {("overview", Role.AUDITOR): naive_overview, ("heatmaps", Role.AUDITOR): naive_heatmap}


@dataclass(frozen=True)
class BenchPage:
    name: str  # "<page key>/<role>"
    path: str
    title: str  # as in the menu
    user: str
    naive: Callable[[str], object] | None = None
    query: dict = field(default_factory=dict)


def bench_pages() -> list[BenchPage]:
    """One entry per (page, role that may open it), in the app's menu order."""
    result = []
    for spec in APP_PAGES:
        for role in ROLE_ORDER:
            if role in spec.roles:
                result.append(BenchPage(f"{spec.key}/{role.value}", spec.path, spec.title, ROLE_USERS[role],
                                        NAIVE.get((spec.key, role)),
                                        {"audit": "{audit_id}"} if spec.key == "audit_view" else {}))
    return result


PAGES: list[BenchPage] = bench_pages()
