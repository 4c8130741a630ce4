"""The database goes away mid-audit: the user is told clearly, keeps every input, and the
same click works once the database is back. SQLite read-only and PostgreSQL stopped."""
from __future__ import annotations

import socket
import threading

import pytest

from tests.app.conftest import page_test, texts
from tests.app.test_audit_entry import ENTRY, NARRATIVE, a_case, complete_red_audit, errors, start, stored
from tests.conftest import _copy, _require_pg
from ui.errors import UNAVAILABLE_MESSAGE


class TcpProxy:
    """A loopback TCP proxy to PostgreSQL that a test can cut and restore, like a server outage."""

    def __init__(self, target_port: int = 5432):
        self.target_port = target_port
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(32)
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.close()
                except OSError:
                    pass

    def stop(self) -> None:
        """Refuse new connections and cut every open one."""
        if self._listener is not None:
            try:  # wakes the blocked accept(); close() alone would leave it listening
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        for s in self._sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self._sockets.clear()


# Submitted audits are counted: autosave may already have stored the draft while the form was filled.
def _fill(at, app_db):
    questions = start(at, app_db, a_case(app_db, "auditor", "external", "Neglect and Long-term"))
    complete_red_audit(at, questions)


def _kept(at) -> None:
    assert at.text_area(key="audit_entry_form_lived_experience").value == NARRATIVE
    assert at.text_input(key="audit_entry_form_action_description_2").value == "See Maya alone and record her words."
    assert at.segmented_control(key="audit_entry_form_overall_grade").value == 1


def test_sqlite_read_only_keeps_the_form_and_recovers(app_db, monkeypatch):
    at = page_test(ENTRY, "auditor")
    _fill(at, app_db)
    before = len(stored(app_db, status="submitted"))
    path = app_db.removeprefix("sqlite:///")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")

    at.button(key="audit_entry_save_submit").click().run()
    assert not at.exception
    assert UNAVAILABLE_MESSAGE in errors(at)
    _kept(at)
    assert len(stored(app_db, status="submitted")) == before

    monkeypatch.setenv("DATABASE_URL", app_db)  # writable again
    at.button(key="audit_entry_save_submit").click().run()
    assert "Audit submitted:" in texts(at)
    assert len(stored(app_db, status="submitted")) == before + 1


@pytest.mark.postgresql
def test_postgresql_stopped_keeps_the_form_and_recovers(app_db, monkeypatch, tmp_path, _templates):
    _require_pg()
    url, cleanup = _copy(_templates("postgresql", True), "postgresql", tmp_path)
    proxy = TcpProxy()
    proxy.start()
    proxied = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    monkeypatch.setenv("DATABASE_URL", proxied)
    try:
        at = page_test(ENTRY, "auditor")
        _fill(at, proxied)
        before = len(stored(proxied, status="submitted"))

        proxy.stop()  # the database server goes away
        at.button(key="audit_entry_save_submit").click().run()
        assert not at.exception
        assert UNAVAILABLE_MESSAGE in texts(at)
        assert len(at.text_area) == 0  # the page stopped cleanly: nothing half-drawn

        proxy.start()  # and comes back: the next rerun shows the form as the user left it
        at.run()
        _kept(at)
        at.button(key="audit_entry_save_submit").click().run()
        assert "Audit submitted:" in texts(at)
        assert len(stored(proxied, status="submitted")) == before + 1
    finally:
        proxy.stop()
        cleanup()
