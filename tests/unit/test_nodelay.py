"""``ui.nodelay.send_at_once``: a connection the server accepts has Nagle's algorithm off, even on a
listening socket bound as Streamlit 1.67 binds it (``socket.socket(family=...)``, protocol 0), where
asyncio alone leaves it on and every message after a run's first waits about 40 ms for the browser's
delayed acknowledgement."""
from __future__ import annotations

import asyncio
import asyncio.base_events
import socket

from ui.nodelay import send_at_once


async def _accepted_nodelay() -> int:
    """TCP_NODELAY of a connection accepted by an asyncio server on a protocol-0 listener."""
    listener = socket.socket(family=socket.AF_INET)  # as streamlit.web.server.starlette binds it
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    option = asyncio.get_running_loop().create_future()

    def accepted(reader, writer) -> None:
        option.set_result(writer.transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP,
                                                                                socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accepted, sock=listener)
    _, writer = await asyncio.open_connection(*listener.getsockname())
    try:
        return await asyncio.wait_for(option, 5)
    finally:
        writer.close()
        server.close()
        await server.wait_closed()


def test_connections_accepted_on_a_protocol_0_listener_send_at_once(monkeypatch):
    monkeypatch.setattr(asyncio.base_events, "_set_nodelay", asyncio.base_events._set_nodelay)  # undone after
    send_at_once()
    assert asyncio.run(_accepted_nodelay()) != 0
    send_at_once()  # again, as every run of the router calls it: still on
    assert asyncio.run(_accepted_nodelay()) != 0
