#!/usr/bin/env python3
"""A Binance trade-stream client using only Python's standard library, soaked by exsoak as a
`kind: process` probe (examples/python-binance-soak.yaml).

It speaks just enough RFC 6455 over a plain socket to follow a combined stream, answers pings,
reconnects with backoff, serves its own Prometheus metrics and prints NDJSON events on stdout.

Environment:
  EXSOAK_BINANCE_WS     the stream base URL (exported by exsoak with `simulator: binance`)
  SYMBOLS               comma-separated symbols (default BTCUSDT,ETHUSDT,BNBUSDT)
  METRICS_PORT          port of /metrics on 127.0.0.1 (default 9100)
  LEAK_BYTES            retain this many bytes per message (same as --leak=BYTES)
Flags:
  --leak[=BYTES]        keep every message (padded to BYTES, default 16384) forever: a leak
"""
import base64
import hashlib
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SCHEDULED_CODES = {1000, 1001}  # a normal close or "going away" (rotation, server shutdown)


class Metrics:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages = 0
        self.connects = 0
        self.drops_scheduled = 0
        self.drops_unscheduled = 0
        self.pings = 0
        self.last_message = 0.0
        self.retained = 0

    def exposition(self):
        with self.lock:
            age = time.time() - self.last_message if self.last_message else 0.0
            lines = [
                "# HELP binance_messages_received_total Stream messages received.",
                "# TYPE binance_messages_received_total counter",
                f"binance_messages_received_total {self.messages}",
                "# TYPE binance_ws_connects_total counter",
                f"binance_ws_connects_total {self.connects}",
                "# HELP binance_ws_drops_total Connections lost, by whether the server announced it.",
                "# TYPE binance_ws_drops_total counter",
                f'binance_ws_drops_total{{scheduled="true"}} {self.drops_scheduled}',
                f'binance_ws_drops_total{{scheduled="false"}} {self.drops_unscheduled}',
                "# TYPE binance_ws_drops_unscheduled_total counter",
                f"binance_ws_drops_unscheduled_total {self.drops_unscheduled}",
                "# TYPE binance_ws_pings_total counter",
                f"binance_ws_pings_total {self.pings}",
                "# TYPE binance_last_message_age_seconds gauge",
                f"binance_last_message_age_seconds {age:.3f}",
                "# TYPE client_retained_bytes gauge",
                f"client_retained_bytes {self.retained}",
            ]
        return ("\n".join(lines) + "\n").encode()


METRICS = Metrics()
STOP = threading.Event()


def emit(event, **data):
    sys.stdout.write(json.dumps({"event": event, **data}) + "\n")
    sys.stdout.flush()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] != "/metrics":
            self.send_error(404)
            return
        body = METRICS.exposition()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # one line per scrape would flood stderr


def serve_metrics(port):
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Closed(Exception):
    def __init__(self, code, reason=""):
        super().__init__(f"closed {code} {reason}")
        self.code = code


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        if STOP.is_set():
            raise Closed(1000, "stopping")
        try:
            chunk = sock.recv(n - len(buf))
        except socket.timeout:
            continue
        if not chunk:
            raise Closed(1006, "connection lost")
        buf += chunk
    return bytes(buf)


def send_frame(sock, opcode, payload=b""):
    # Client frames are always masked (RFC 6455 5.3).
    mask = os.urandom(4)
    header = bytearray([0x80 | opcode])
    n = len(payload)
    if n < 126:
        header.append(0x80 | n)
    elif n < 65536:
        header.append(0x80 | 126)
        header += struct.pack("!H", n)
    else:
        header.append(0x80 | 127)
        header += struct.pack("!Q", n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes(header) + mask + masked)


def read_message(sock):
    """The next data message's text; control frames are handled on the way."""
    parts = []
    while True:
        b0, b1 = recv_exact(sock, 2)
        fin, opcode, n = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", recv_exact(sock, 2))[0]
        elif n == 127:
            n = struct.unpack("!Q", recv_exact(sock, 8))[0]
        mask = recv_exact(sock, 4) if b1 & 0x80 else None
        payload = recv_exact(sock, n) if n else b""
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if opcode == 0x9:
            METRICS.pings += 1
            send_frame(sock, 0xA, payload)
        elif opcode == 0xA:
            pass
        elif opcode == 0x8:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            try:
                send_frame(sock, 0x8, payload[:2])
            except OSError:
                pass
            raise Closed(code, payload[2:].decode("utf-8", "replace"))
        else:
            parts.append(payload)
            if fin:
                return b"".join(parts).decode("utf-8")


def connect(base, streams):
    url = urlsplit(base)
    path = url.path.rstrip("/") + "/stream?streams=" + "/".join(streams)
    sock = socket.create_connection((url.hostname, url.port or 80), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise Closed(1006, "handshake: connection closed")
        head += chunk
        if len(head) > 65536:
            raise Closed(1002, "handshake: header too long")
    header, rest = head.split(b"\r\n\r\n", 1)
    lines = header.decode("latin-1").split("\r\n")
    if " 101 " not in lines[0] + " ":
        raise Closed(1002, f"handshake refused: {lines[0]}")
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    fields = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    if fields.get("sec-websocket-accept") != accept:
        raise Closed(1002, "handshake: bad Sec-WebSocket-Accept")
    if rest:
        raise Closed(1002, "handshake: unexpected bytes after the response")
    sock.settimeout(0.5)
    return sock


def main():
    leak = int(os.environ.get("LEAK_BYTES", "0") or 0)
    for arg in sys.argv[1:]:
        if arg == "--leak":
            leak = 16384
        elif arg.startswith("--leak="):
            leak = int(arg.split("=", 1)[1])
        else:
            sys.stderr.write(f"unknown argument {arg}\n")
            return 2
    base = os.environ.get("EXSOAK_BINANCE_WS")
    if not base:
        sys.stderr.write("EXSOAK_BINANCE_WS is not set: run me with `simulator: binance` or point it at a stream base URL\n")
        return 2
    symbols = os.environ.get("SYMBOLS", "BTCUSDT,ETHUSDT,BNBUSDT").split(",")
    streams = [s.strip().lower() + "@trade" for s in symbols if s.strip()]
    port = int(os.environ.get("METRICS_PORT", "9100"))
    server = serve_metrics(port)
    sys.stderr.write(f"metrics on http://127.0.0.1:{server.server_address[1]}/metrics\n")
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    signal.signal(signal.SIGINT, lambda *_: STOP.set())

    retained = {}
    backoff = 0.5
    while not STOP.is_set():
        try:
            sock = connect(base, streams)
        except (OSError, Closed) as err:
            sys.stderr.write(f"connect failed: {err}\n")
            STOP.wait(backoff)
            backoff = min(backoff * 2, 5.0)
            continue
        backoff = 0.5
        with METRICS.lock:
            METRICS.connects += 1
        emit("connect", streams=streams)
        try:
            while True:
                text = read_message(sock)
                json.loads(text)
                with METRICS.lock:
                    METRICS.messages += 1
                    METRICS.last_message = time.time()
                    if leak:
                        retained[METRICS.messages] = text.encode() + bytes(max(0, leak - len(text)))
                        METRICS.retained += max(leak, len(text))
        except Closed as closed:
            if STOP.is_set():
                try:
                    send_frame(sock, 0x8, struct.pack("!H", 1000))
                except OSError:
                    pass
                break
            scheduled = closed.code in SCHEDULED_CODES
            with METRICS.lock:
                if scheduled:
                    METRICS.drops_scheduled += 1
                else:
                    METRICS.drops_unscheduled += 1
            emit("disconnect", scheduled=scheduled, code=closed.code)
        except (OSError, ValueError) as err:
            with METRICS.lock:
                METRICS.drops_unscheduled += 1
            emit("disconnect", scheduled=False, code=1006, error=str(err))
        finally:
            sock.close()
    emit("stopped", messages=METRICS.messages)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
