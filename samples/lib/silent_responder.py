#!/usr/bin/env python3
"""A responder that has stopped answering: it accepts TCP connections and reads everything the
client sends, but never writes a byte back.  A connection is closed only once the client has
closed its side, so the client's own timeout decides how long it waits.

    silent_responder.py ADDRESS PORT
"""
import socket
import sys
import threading


def serve(conn, peer):
    total = 0
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            total += len(data)
    print("%s:%d sent %d bytes and got no answer" % (peer[0], peer[1], total), flush=True)


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    srv = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(16)
    while True:
        conn, peer = srv.accept()
        threading.Thread(target=serve, args=(conn, peer), daemon=True).start()


if __name__ == "__main__":
    main()
