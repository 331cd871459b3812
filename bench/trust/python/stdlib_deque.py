#!/usr/bin/env python3
"""A Binance trade-stream client on the standard library alone (socket + threading, RFC 6455 by
hand), keeping the last CAP trades in a collections.deque(maxlen=CAP): healthy, it fills, then
holds. One combined stream for all SYMBOLS; reconnects on a drop."""
import base64
import collections
import json
import os
import signal
import socket
import struct
import threading
import time
from urllib.parse import urlsplit

import trustkit

recent = collections.deque(maxlen=trustkit.CAP)
counters = trustkit.Counters()
stop = threading.Event()


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def send_frame(sock, opcode, payload=b""):
    mask = os.urandom(4)
    header = bytes([0x80 | opcode])
    n = len(payload)
    header += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
    sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def session():
    url = urlsplit(trustkit.WS_BASE)
    streams = "/".join(f"{s.lower()}@trade" for s in trustkit.SYMBOLS)
    sock = socket.create_connection((url.hostname, url.port or 80), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /stream?streams={streams} HTTP/1.1\r\nHost: {url.hostname}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    if b" 101 " not in head.split(b"\r\n")[0]:
        raise ConnectionError(head.split(b"\r\n")[0].decode())
    while not stop.is_set():
        b0, b1 = recv_exact(sock, 2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", recv_exact(sock, 2))[0]
        elif n == 127:
            n = struct.unpack(">Q", recv_exact(sock, 8))[0]
        payload = recv_exact(sock, n)
        opcode = b0 & 0x0F
        if opcode == 0x9:
            send_frame(sock, 0xA, payload)
        elif opcode == 0x8:
            raise ConnectionError("close frame")
        elif opcode == 0x1:
            msg = json.loads(payload)
            recent.append(msg.get("data", msg))
            counters.add()


def main():
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    trustkit.start_background(counters, lambda: len(recent), stop)
    while not stop.is_set():
        try:
            session()
        except (OSError, ConnectionError, ValueError):
            counters.reconnects += 1
            stop.wait(1.0)


if __name__ == "__main__":
    main()
