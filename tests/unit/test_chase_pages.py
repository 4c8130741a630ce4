"""The chase list's pages (README, "Remedial actions"): at most a page of rows each, and an owner's
actions together on one page, unless the owner alone has more than a page. Each case is worked by
hand: the owners of the rows in order, and where each page starts."""
from __future__ import annotations

import pytest

from core.action_views import group_page_starts


@pytest.mark.parametrize("owners, limit, starts", [
    # Two owners of two actions each, three rows a page: the second owner does not fit beside the first.
    ("AABB", 3, [0, 2]),
    # They fit on one page of four.
    ("AABB", 4, [0]),
    # The demo's busiest team (7 overdue actions) with pages of 2: Aisha 2, Kofi 1, Liam 2, Oscar 1, Rosa 1.
    ("AAKLLOR", 2, [0, 2, 3, 5]),
    # One owner with seven actions takes pages of three; its last row goes on with nobody else here.
    ("AAAAAAA", 3, [0, 3, 6]),
    # A long group starts its own page, and its last page goes on with the next owner.
    ("ABBBBBBBC", 3, [0, 1, 4, 7]),
    # Every owner with one action: pages of exactly three rows.
    ("ABCDEFG", 3, [0, 3, 6]),
    # Nothing to show: one empty page.
    ("", 3, [0]),
])
def test_each_page_starts_between_owners_where_the_owner_fits(owners, limit, starts):
    assert group_page_starts(list(owners), limit) == starts
