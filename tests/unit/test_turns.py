"""One page run at a time in a process, in turn, and never more than a quarter of a second's wait
for a turn (ui/turns.py; the README's speed section and docs/benchmark.md say why)."""
from __future__ import annotations

import threading
import time

import pytest

from ui.turns import in_turn


def _hold_a_turn(seconds: float, entered: threading.Event) -> threading.Thread:
    """A run on another thread that takes its turn and keeps it for ``seconds``."""
    def run() -> None:
        with in_turn(wait=0):
            entered.set()
            time.sleep(seconds)

    thread = threading.Thread(target=run)
    thread.start()
    entered.wait(5)
    return thread


def test_a_second_run_starts_when_the_first_has_ended():
    entered = threading.Event()
    first = _hold_a_turn(0.2, entered)
    with in_turn(wait=5) as taken:
        assert taken
        assert not first.is_alive(), "the second run started while the first held its turn"
    first.join()


def test_a_run_waits_at_most_a_quarter_of_a_second_then_runs_beside_a_slow_one():
    entered = threading.Event()
    slow = _hold_a_turn(2.0, entered)
    started = time.monotonic()
    with in_turn() as taken:  # the default wait
        waited = time.monotonic() - started
        assert not taken
        assert slow.is_alive()
    assert 0.2 <= waited < 1.0
    slow.join()


@pytest.mark.parametrize("ending", [RuntimeError, KeyboardInterrupt])
def test_the_turn_is_given_back_however_the_run_ends(ending):
    # st.stop, st.rerun and Streamlit's own stop of a run end a page run by raising.
    with pytest.raises(ending):
        with in_turn(wait=0) as taken:
            assert taken
            raise ending()
    with in_turn(wait=0) as taken_again:
        assert taken_again
