"""The server sends each message of a run as soon as it is ready: Nagle's algorithm off (``TCP_NODELAY``).

asyncio turns Nagle's algorithm off on every TCP connection it serves, but only on sockets created
with the protocol ``IPPROTO_TCP`` (``asyncio.base_events._set_nodelay``). Streamlit 1.67 binds its
listening socket as ``socket.socket(family=...)``, protocol 0, and the connections it accepts inherit
that, so asyncio leaves Nagle's algorithm on. A run sends several small messages in quick succession;
with it on, every one after the first waits for the browser to acknowledge the first, which Linux
delays by about 40 ms. So every click waited about 40 ms more than the run took: a page of
Streamlit with no app code answered in 46 ms on 4 ms of the server's CPU, and in 6 ms with Nagle's
algorithm off (docs/benchmark.md, fifteenth round).

``send_at_once`` makes asyncio turn it off on every TCP stream socket, whatever protocol number the
socket was created with. The router calls it on every run (it is a no-op after the first), so it holds
for every connection the process accepts after its first run: a connection accepted before that (the
first browser of a freshly started server) keeps the delay until it reconnects.
"""
from __future__ import annotations

import asyncio.base_events
import socket

_asyncio_set_nodelay = asyncio.base_events._set_nodelay


def _set_nodelay(sock: socket.socket) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    else:
        _asyncio_set_nodelay(sock)


def send_at_once() -> None:
    """Turn Nagle's algorithm off on every TCP connection this process accepts from now on."""
    asyncio.base_events._set_nodelay = _set_nodelay
