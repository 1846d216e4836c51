"""Tiny TCP tools for reachability tests inside namespaces (stdlib only).

    tcp.py listen SECONDS PORT...   accept and close connections on every port (IPv4 and IPv6)
                                    for at most SECONDS, then exit
    tcp.py connect ADDRESS PORT [TIMEOUT [SOURCE]]
                                    exit 0 if the connection is accepted, 1 if not; SOURCE is the
                                    local address to connect from (one of the namespace's own)
"""

from __future__ import annotations

import socket
import sys
import threading
import time


def listen(seconds: float, ports) -> int:
    socks = []
    for port in ports:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(("::", port))
        sock.listen(16)
        sock.settimeout(0.5)
        socks.append(sock)
    deadline = time.monotonic() + seconds

    def serve(sock):
        while time.monotonic() < deadline:
            try:
                conn, _addr = sock.accept()
            except OSError:
                continue
            conn.close()

    threads = [threading.Thread(target=serve, args=(s,), daemon=True) for s in socks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 1)
    return 0


def connect(address: str, port: int, timeout: float, source: str | None = None) -> int:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        if source:
            sock.bind((source, 0))
        try:
            sock.connect((address, port))
        except OSError as exc:
            print(f"{address} {port} closed ({exc})")
            return 1
    print(f"{address} {port} open")
    return 0


def main(argv) -> int:
    if len(argv) >= 4 and argv[1] == "listen":
        return listen(float(argv[2]), [int(p) for p in argv[3:]])
    if len(argv) in (4, 5, 6) and argv[1] == "connect":
        return connect(argv[2], int(argv[3]), float(argv[4]) if len(argv) >= 5 else 2.0,
                       argv[5] if len(argv) == 6 else None)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
