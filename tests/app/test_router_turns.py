"""The router takes its turn for every page run and gives it back however the run ends
(ui/turns.py): signed out (the sign-in form), signed in, and a run that ends in st.rerun."""
from __future__ import annotations

from tests.app.conftest import page_test
from ui.turns import in_turn


def _turn_is_free() -> bool:
    with in_turn(wait=0) as taken:
        return taken


def test_every_way_a_router_run_ends_gives_the_turn_back(app_db):
    signed_out = page_test("app.py").run()
    assert [b.label for b in signed_out.button] == ["Sign in"]
    assert _turn_is_free()

    at = page_test("app.py", "support").run()
    assert not at.exception
    assert _turn_is_free()
    next(b for b in at.sidebar.button if b.label == "Sign out").click()
    at.run()  # the sign-out ends its run with st.rerun
    assert any(b.label == "Sign in" for b in at.button)
    assert _turn_is_free()
