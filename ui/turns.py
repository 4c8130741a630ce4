"""One page run at a time in each server process, in turn: ten people who click at once wait about
half as long (issue 16).

A Streamlit server runs each session's script on a thread of its own, and Python's threads share one
core (the GIL), switching every 5 ms. Ten runs of C ms started together, five on each process of a
two-core deployment, therefore all end near 5 C: everyone waits for everyone. Taken in turn they end
at C, 2 C ... 5 C, and half the people are served by 3 C. The work done, and the last person's wait,
are the same. Measured with ``python -m bench.concurrent --protocol --sessions 10 --processes 2`` at
100,000 audits (RAG heatmaps as a manager, warm): together / alone 2.40 to 2.62 in three runs in turn,
2.82 to 3.94 in five runs without; Progress, the Overview and the tracker 2.49 to 2.80 against 3.67 to
3.79 (docs/benchmark.md, seventeenth round).

A run that waits on the database (a cold page on PostgreSQL at a million audits takes up to a
second) would hold the others back while it waits. So a run waits for its turn at most
``WAIT_AT_MOST`` seconds and then runs beside the one still going: a slow run costs each other
person at most that much, and a stuck one (SQLite's busy wait) blocks nobody.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Five warm runs of 20 to 40 ms queue for about 0.1 to 0.2 s on a busy process: a quarter of a
# second lets them take their turns and bounds what a slow run costs the others.
WAIT_AT_MOST = 0.25

_turn = threading.Lock()


@contextmanager
def in_turn(wait: float = WAIT_AT_MOST) -> Iterator[bool]:
    """Run the block when no other run of this process is in its turn, or after ``wait`` seconds in any
    case; yields whether the turn was taken. Released however the block ends (``st.stop``, ``st.rerun``
    and Streamlit's own stop of a run are exceptions)."""
    taken = _turn.acquire(timeout=wait)
    try:
        yield taken
    finally:
        if taken:
            _turn.release()
