#!/usr/bin/env python3
"""A threaded Binance client: python3-websockets' asyncio client in a background thread hands
trades to a worker thread over a queue.Queue; the worker keeps a dict of trades expiring after
TTL_S seconds (a time window, not a count), and python3-prometheus-client serves its counters
on METRICS_PORT."""
import asyncio
import json
import os
import queue
import signal
import threading
import time

import websockets
from prometheus_client import Counter, Gauge, start_http_server

import trustkit

TTL_S = float(os.environ.get("TTL_S", "120"))
inbox = queue.Queue(maxsize=10000)
window = {}
counters = trustkit.Counters()
stop = threading.Event()
messages_total = Counter("trust_messages", "Trades received")
window_size = Gauge("trust_window_size", "Trades in the time window")


def reader():
    async def run():
        streams = "/".join(f"{s.lower()}@trade" for s in trustkit.SYMBOLS)
        while not stop.is_set():
            try:
                async with websockets.connect(f"{trustkit.WS_BASE}/stream?streams={streams}") as ws:
                    while not stop.is_set():
                        try:
                            raw = await asyncio.wait_for(ws.recv(), 1.0)
                        except asyncio.TimeoutError:
                            continue
                        inbox.put(raw)
            except (OSError, websockets.exceptions.WebSocketException):
                counters.reconnects += 1
                await asyncio.sleep(1)

    asyncio.run(run())


def worker():
    last_expiry = time.monotonic()
    while not stop.is_set():
        try:
            raw = inbox.get(timeout=0.5)
        except queue.Empty:
            continue
        trade = json.loads(raw)["data"]
        window[(trade["s"], trade["t"])] = (time.monotonic(), trade)
        counters.add()
        messages_total.inc()
        now = time.monotonic()
        if now - last_expiry >= 1.0:
            last_expiry = now
            for key in [k for k, (seen, _) in window.items() if now - seen > TTL_S]:
                del window[key]
            window_size.set(len(window))


def main():
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    start_http_server(int(os.environ.get("METRICS_PORT", "9107")), addr="127.0.0.1")
    trustkit.start_background(counters, lambda: len(window), stop)
    threads = [threading.Thread(target=f, daemon=True) for f in (reader, worker)]
    for t in threads:
        t.start()
    while not stop.wait(0.5):
        pass


if __name__ == "__main__":
    main()
