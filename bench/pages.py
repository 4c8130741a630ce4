"""The dashboard pages the benchmark times: one line each.

``user`` is one of the synthetic database's accounts (``bench.synthetic.BENCH_USERS``):
``bench_auditor`` sees every team, ``bench_manager`` one team, ``bench_sponsor``
aggregates only. ``naive`` is the page's figures built the naive way (or None).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.naive import naive_heatmap, naive_overview


@dataclass(frozen=True)
class BenchPage:
    name: str
    path: str
    user: str
    naive: Callable[[str], object] | None = None


PAGES: list[BenchPage] = [
    BenchPage("overview", "pages/overview.py", "bench_auditor", naive_overview),
    BenchPage("heatmap", "pages/heatmaps.py", "bench_auditor", naive_heatmap),
]
