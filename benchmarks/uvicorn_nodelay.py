"""`uvicorn` with TCP_NODELAY on the listening socket: `python -m benchmarks.uvicorn_nodelay <uvicorn arguments>`.

With --workers N, uvicorn binds the socket itself with proto 0 and asyncio then leaves Nagle's algorithm on for
every accepted connection (https://github.com/Kludex/uvicorn/issues/3149, open): each keep-alive response waits
for the client's delayed ACK, about 40 ms on Linux. Accepted sockets inherit TCP_NODELAY from the listener on
Linux, so setting it there once is the whole fix; `hosho serve --workers N` needs the same.
"""

from __future__ import annotations

import socket

import uvicorn.config
import uvicorn.main

_bind_socket = uvicorn.config.Config.bind_socket


def bind_socket_nodelay(self: uvicorn.config.Config) -> socket.socket:
    sock = _bind_socket(self)
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


if __name__ == "__main__":
    uvicorn.config.Config.bind_socket = bind_socket_nodelay  # type: ignore[method-assign]
    uvicorn.main.main()
