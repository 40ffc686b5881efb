#!/usr/bin/env python3
"""Delaying TCP relay for sample captures.

Accepts connections on LISTEN_ADDR:PORT (reached through an iptables REDIRECT on the
router), opens a connection to TARGET_HOST:PORT and copies bytes both ways.  Bytes going
back to the client are held for DELAY seconds after they arrive from the target, which
looks to the client like a slow server.  With RATE (bytes per second) those bytes are also
paced out in segment-sized pieces at that rate, as over a slow link.  The kernel here has no
netem, hence user space.
"""
import asyncio
import sys

PIECE = 1448  # one full-size TCP segment's payload on a 1500-byte MTU path

async def pump(reader, writer, delay, rate=0.0):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()
    next_send = [0.0]

    async def paced(data):
        for off in range(0, len(data), PIECE):
            piece = data[off:off + PIECE]
            wait = next_send[0] - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(piece)
            await writer.drain()
            next_send[0] = max(next_send[0], loop.time()) + len(piece) / rate

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
            if rate > 0:
                await paced(data)
            else:
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


async def handle(c_reader, c_writer, target, delay, rate):
    try:
        s_reader, s_writer = await asyncio.open_connection(*target)
    except OSError:
        c_writer.close()
        return
    await asyncio.gather(pump(c_reader, s_writer, 0.0), pump(s_reader, c_writer, delay, rate))
    for w in (c_writer, s_writer):
        try:
            w.close()
        except OSError:
            pass


async def main():
    if len(sys.argv) not in (6, 7):
        sys.exit("usage: delay_relay.py LISTEN_ADDR LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_SECONDS [RATE_BYTES_PER_S]")
    laddr, lport, thost, tport, delay = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    rate = float(sys.argv[6]) if len(sys.argv) == 7 else 0.0
    server = await asyncio.start_server(lambda r, w: handle(r, w, (thost, tport), delay, rate), laddr, lport)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
