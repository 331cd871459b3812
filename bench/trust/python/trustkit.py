"""What the Python corpus clients share: the leaking variants' bug (a stats history never
trimmed, or an archive appended once per period) and the NDJSON counters exsoak reads on stdout.
The bytes are fresh strings, so the leak's pace is the configured pace whatever else the client
allocates. Configured by environment: LEAK=none|steady|step, LEAK_MB_PER_H, STEP_EVERY_S, CAP."""
import json
import os
import sys
import threading
import time

MB = 1024 * 1024


def env_int(name, default):
    try:
        return int(float(os.environ.get(name, default)))
    except ValueError:
        return default


CAP = env_int("CAP", 5000)
LEAK = os.environ.get("LEAK", "none")
LEAK_MB_PER_H = float(os.environ.get("LEAK_MB_PER_H", "0") or 0)
STEP_EVERY_S = float(os.environ.get("STEP_EVERY_S", "240") or 240)
SYMBOLS = [s for s in os.environ.get("SYMBOLS", "BTCUSDT,ETHUSDT,BNBUSDT").split(",") if s]
WS_BASE = os.environ.get("EXSOAK_BINANCE_WS", "ws://127.0.0.1:9443")

retained = []  # the leaking variants' bug: nothing ever removes from it


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages = 0
        self.reconnects = 0

    def add(self, n=1):
        with self.lock:
            self.messages += n


def start_background(counters, cache_size, stop_event):
    """The leak timer and a once-a-second NDJSON line with the counters and the cache size."""

    def report():
        while not stop_event.wait(1.0):
            line = {"event": "stats", "counters": {"messages": counters.messages, "reconnects": counters.reconnects}, "gauges": {"cache_size": cache_size()}}
            try:
                sys.stdout.write(json.dumps(line) + "\n")
                sys.stdout.flush()
            except (BrokenPipeError, ValueError):
                return

    def leak():
        if LEAK == "steady" and LEAK_MB_PER_H > 0:
            period, size = 1.0, int(LEAK_MB_PER_H * MB / 3600)
        elif LEAK == "step" and LEAK_MB_PER_H > 0:
            period, size = STEP_EVERY_S, int(LEAK_MB_PER_H * MB * STEP_EVERY_S / 3600)
        else:
            return
        while not stop_event.wait(period):
            retained.append((time.time(), os.urandom(max(1, size // 2)).hex()))

    for fn in (report, leak):
        threading.Thread(target=fn, daemon=True).start()
