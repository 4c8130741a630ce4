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
socket was created with, and turns it off on the TCP sockets the process holds already: the listening
socket (Linux hands the option on to the connections it accepts) and the connection of the browser
whose run first imported this. The router calls it on every run; it does its work once per process.
"""
from __future__ import annotations

import asyncio.base_events
import os
import socket
import threading
from pathlib import Path

# asyncio's own (private) helper: if a later Python renames it, connections are still covered through the
# listener, whose option Linux hands on to each connection it accepts (``_sockets_held``).
_asyncio_set_nodelay = getattr(asyncio.base_events, "_set_nodelay", None)
_lock = threading.Lock()
_done = False


def _nagle_off(sock: socket.socket) -> bool:
    """``TCP_NODELAY`` on ``sock`` if it is a TCP stream socket, whatever its protocol number; whether it was."""
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return True
    return False


def _set_nodelay(sock: socket.socket) -> None:
    """asyncio's hook for each socket it serves: asyncio's own acts on a subset of these (protocol
    ``IPPROTO_TCP`` only), so it has nothing left to do."""
    _nagle_off(sock)


def _sockets_held() -> None:
    """``TCP_NODELAY`` on every TCP socket this process holds now (Linux: its open files in /proc)."""
    folder = Path("/proc/self/fd")
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        copy = None
        try:
            copy = os.dup(int(entry.name))  # a copy of the descriptor: closing it leaves the original open
            held = socket.socket(fileno=copy)
        except (OSError, ValueError):  # not a socket, or gone meanwhile
            if copy is not None:
                os.close(copy)
            continue
        with held:
            _nagle_off(held)


def send_at_once() -> None:
    """Turn Nagle's algorithm off on this process's TCP connections, now and from now on (once)."""
    global _done
    if _done:
        return
    with _lock:
        if not _done:
            if _asyncio_set_nodelay is not None:
                asyncio.base_events._set_nodelay = _set_nodelay
            _sockets_held()
            _done = True
