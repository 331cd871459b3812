#!/usr/bin/env python3
"""A Binance trade-stream client on Debian's python3-websockets (asyncio), keeping an LRU of the
last CAP trades by id in an OrderedDict (de-duplication after reconnects)."""
import asyncio
import collections
import json
import signal
import threading

import websockets

import trustkit

lru = collections.OrderedDict()
counters = trustkit.Counters()
stop = threading.Event()


async def run():
    streams = "/".join(f"{s.lower()}@trade" for s in trustkit.SYMBOLS)
    url = f"{trustkit.WS_BASE}/stream?streams={streams}"
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: (stop.set(), done.done() or done.set_result(None)))
    while not stop.is_set():
        try:
            async with websockets.connect(url, max_size=2**20) as ws:
                while not stop.is_set():
                    recv = asyncio.ensure_future(ws.recv())
                    finished, _ = await asyncio.wait({recv, done}, return_when=asyncio.FIRST_COMPLETED)
                    if recv not in finished:
                        recv.cancel()
                        break
                    trade = json.loads(recv.result())["data"]
                    key = (trade["s"], trade["t"])
                    lru[key] = trade
                    lru.move_to_end(key)
                    if len(lru) > trustkit.CAP:
                        lru.popitem(last=False)
                    counters.add()
        except (OSError, websockets.exceptions.WebSocketException):
            counters.reconnects += 1
            await asyncio.sleep(1)


def main():
    trustkit.start_background(counters, lambda: len(lru), stop)
    asyncio.run(run())


if __name__ == "__main__":
    main()
