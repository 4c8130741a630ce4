"""``ui.nodelay.send_at_once``: the server's connections have Nagle's algorithm off, even on a listening
socket bound as Streamlit 1.67 binds it (``socket.socket(family=...)``, protocol 0), where asyncio alone
leaves it on and every message after a run's first waits about 40 ms for the browser's delayed
acknowledgement."""
from __future__ import annotations

import asyncio
import asyncio.base_events
import socket

import pytest

import ui.nodelay
from ui.nodelay import send_at_once


@pytest.fixture(autouse=True)
def _undone(monkeypatch):
    """Each test starts as a fresh process would (asyncio's own helper in place, even where a test before ran
    the router in this process), and whatever the test does is undone after."""
    monkeypatch.setattr(asyncio.base_events, "_set_nodelay", ui.nodelay._asyncio_set_nodelay)
    monkeypatch.setattr(ui.nodelay, "_done", False)


def _nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def _listener() -> socket.socket:
    listener = socket.socket(family=socket.AF_INET)  # as streamlit.web.server.starlette binds it: protocol 0
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


async def _accepted_by_asyncio(listener: socket.socket) -> int:
    """TCP_NODELAY of a connection an asyncio server accepts on ``listener``."""
    option = asyncio.get_running_loop().create_future()

    def accepted(reader, writer) -> None:
        option.set_result(_nodelay(writer.transport.get_extra_info("socket")))
        writer.close()

    server = await asyncio.start_server(accepted, sock=listener)
    _, writer = await asyncio.open_connection(*listener.getsockname())
    try:
        return await asyncio.wait_for(option, 5)
    finally:
        writer.close()
        server.close()
        await server.wait_closed()


def test_connections_accepted_from_then_on_send_at_once():
    send_at_once()
    assert asyncio.run(_accepted_by_asyncio(_listener())) != 0
    send_at_once()  # again, as every run of the router calls it: still on
    assert asyncio.run(_accepted_by_asyncio(_listener())) != 0


def test_a_connection_accepted_before_and_the_listener_itself_are_turned_too():
    listener = _listener()
    client = socket.create_connection(listener.getsockname())
    connection, _ = listener.accept()  # the first browser's, accepted before the router first ran
    with listener, client, connection:
        assert _nodelay(connection) == 0 and _nodelay(listener) == 0
        send_at_once()
        assert _nodelay(connection) != 0 and _nodelay(listener) != 0
        assert connection.fileno() >= 0 and client.sendall(b"x") is None and connection.recv(1) == b"x"  # still open


def test_connections_a_listener_accepts_after_the_call_inherit_it_without_asyncio_s_helper(monkeypatch):
    # A later Python without asyncio's private helper: the listener's option still reaches each connection.
    monkeypatch.setattr(ui.nodelay, "_asyncio_set_nodelay", None)
    listener = _listener()
    with listener:
        send_at_once()
        assert asyncio.base_events._set_nodelay is not ui.nodelay._set_nodelay  # asyncio left alone
        client = socket.create_connection(listener.getsockname())
        connection, _ = listener.accept()
        with client, connection:
            assert _nodelay(connection) != 0
