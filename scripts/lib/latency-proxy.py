#!/usr/bin/env python3
"""A TCP relay that holds every chunk DELAY_MS before passing it on, each way: the
round-trip latency of a home uplink, which `tc netem` would add if this kernel had it.
Order is kept per direction; throughput is not limited here (the token bucket does that).
Counts the bytes clients sent (what went up the link, payload only) into COUNT_FILE,
rewritten every 0.2 s.
Usage: latency-proxy.py LISTEN_HOST:PORT UPSTREAM_HOST:PORT DELAY_MS [COUNT_FILE]"""
import asyncio
import os
import sys
import time


sent_up = 0


async def pipe(reader, writer, delay, up=False):
    global sent_up
    # Chunks queue with their arrival time and leave `delay` later, in order.
    queue = asyncio.Queue()

    async def send():
        while True:
            at, data = await queue.get()
            if data is None:
                break
            wait = at + delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(send())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if up:
                sent_up += len(data)
            queue.put_nowait((time.monotonic(), data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((0, None))
    try:
        await sender
    except (ConnectionError, OSError):
        pass


async def main():
    listen, upstream, delay_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    lhost, lport = listen.rsplit(":", 1)
    uhost, uport = upstream.rsplit(":", 1)
    delay = delay_ms / 1000

    async def handle(creader, cwriter):
        try:
            sreader, swriter = await asyncio.open_connection(uhost, int(uport))
        except OSError:
            cwriter.close()
            return
        await asyncio.gather(pipe(creader, swriter, delay, up=True), pipe(sreader, cwriter, delay),
                             return_exceptions=True)

    async def count(path):
        while True:
            with open(path + ".tmp", "w") as f:
                f.write(f"{sent_up}\n")
            os.replace(path + ".tmp", path)
            await asyncio.sleep(0.2)

    if len(sys.argv) > 4:
        asyncio.create_task(count(sys.argv[4]))
    server = await asyncio.start_server(handle, lhost, int(lport))
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
