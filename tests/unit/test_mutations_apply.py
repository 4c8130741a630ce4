"""The mutation test (scripts/mutate.py) can only prove something while each mutation still applies:
when a rule's code moves or is rewritten, its snippet must follow, or the mutation silently tests
nothing. Each snippet must be found exactly once in its file."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_mutation_snippet_is_found_exactly_once_in_its_file():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import mutate
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    found = {m.name: (ROOT / m.path).read_text().count(m.snippet) for m in mutate.MUTATIONS}
    assert len(found) >= 15  # the 15 rules of docs/testing.md
    assert {name: n for name, n in found.items() if n != 1} == {}
