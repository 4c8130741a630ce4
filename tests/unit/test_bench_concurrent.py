"""The best median ten sessions can reach on a machine's cores (bench.concurrent.in_turn_median_ms),
worked out by hand."""
from __future__ import annotations

from bench.concurrent import in_turn_median_ms


def test_ten_opens_of_17_ms_on_two_cores_served_in_turn():
    # Each core serves one open after another: they end at 17, 17, 34, 34, 51, 51, 68, 68, 85, 85 ms.
    assert in_turn_median_ms(17, 10, 2) == 51


def test_on_one_core_the_median_of_ten_is_five_and_a_half_opens():
    # 10, 20, ... 100 ms: the median is between the fifth and the sixth, 55 ms.
    assert in_turn_median_ms(10, 10, 1) == 55


def test_with_a_core_for_each_session_nobody_waits_for_another():
    assert in_turn_median_ms(12, 4, 4) == 12
