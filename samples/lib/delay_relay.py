#!/usr/bin/env python3
"""Delaying TCP relay for sample captures.

Accepts connections on LISTEN_ADDR:PORT (reached through an iptables REDIRECT on the
router), opens a connection to TARGET_HOST:PORT and copies bytes both ways.  Bytes going
back to the client are held for DELAY seconds after they arrive from the target, which
looks to the client like a slow server.  The kernel here has no netem, hence user space.
"""
import asyncio
import sys


async def pump(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                try:
                    writer.write_eof()
                except OSError:
                    pass
                return
            writer.write(data)
            await writer.drain()

    task = asyncio.create_task(sender())
    try:
        while True:
            data = await reader.read(65536)
            await queue.put((loop.time() + delay, data or None))
            if not data:
                break
        await task
    except (ConnectionError, OSError):
        task.cancel()


async def handle(c_reader, c_writer, target, delay):
    try:
        s_reader, s_writer = await asyncio.open_connection(*target)
    except OSError:
        c_writer.close()
        return
    await asyncio.gather(pump(c_reader, s_writer, 0.0), pump(s_reader, c_writer, delay))
    for w in (c_writer, s_writer):
        try:
            w.close()
        except OSError:
            pass


async def main():
    if len(sys.argv) != 6:
        sys.exit("usage: delay_relay.py LISTEN_ADDR LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_SECONDS")
    laddr, lport, thost, tport, delay = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    server = await asyncio.start_server(lambda r, w: handle(r, w, (thost, tport), delay), laddr, lport)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
