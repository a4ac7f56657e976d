"""The benchmark's workload, run by scripts/bench/make-capture.sh inside a private network
namespace while tcpdump captures `lo`:

- short request/response connections on 127.0.0.1:8080 from two client threads, served by
  two server threads; one client lets the server close first, the other closes first itself;
- one bulk transfer on 127.0.0.1:5001, sent in 1 MiB pieces paced by the short
  connections' progress, so its segments are spread over the whole capture.

Settings come from the environment: BENCH_CONNECTIONS (default 30000), BENCH_BULK_MIB
(default 600). Only loopback is used.
"""

import os
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
RR_PORT = 8080
BULK_PORT = 5001
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "30000"))
BULK_MIB = int(os.environ.get("BENCH_BULK_MIB", "600"))
CLIENTS = 2

RESPONSE_BODY = b"x" * 180
done_count = 0
done_lock = threading.Lock()
errors = []


def listener(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, port))
    s.listen(4096)
    return s


def recv_request(c):
    data = b""
    while not data.endswith(b"\r\n\r\n"):
        part = c.recv(4096)
        if not part:
            break
        data += part
    return data


def serve_rr(lst, stop):
    """Answers one request per connection; closes first when the request asks it to."""
    while not stop.is_set():
        try:
            c, _ = lst.accept()
        except OSError:
            return
        with c:
            req = recv_request(c)
            if not req:
                continue
            head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n" % len(RESPONSE_BODY)
            server_closes = b"Connection: close" in req
            c.sendall(head + (b"Connection: close\r\n" if server_closes else b"") + b"\r\n" + RESPONSE_BODY)
            if not server_closes:
                # Wait for the client's FIN, then close: the client closed first.
                while c.recv(4096):
                    pass


def client(index, count):
    global done_count
    server_closes = index % 2 == 0
    for n in range(count):
        c = socket.create_connection((HOST, RR_PORT))
        with c:
            req = b"GET /item/%d HTTP/1.1\r\nHost: bench\r\n%s\r\n" % (n, b"Connection: close\r\n" if server_closes else b"")
            c.sendall(req)
            got = b""
            while not got.endswith(RESPONSE_BODY):
                part = c.recv(4096)
                if not part:
                    break
                got += part
            if not got.endswith(RESPONSE_BODY):
                errors.append("client %d: short response on connection %d" % (index, n))
                return
            if server_closes:
                # The server closes first: read its FIN before closing.
                while c.recv(4096):
                    pass
        with done_lock:
            done_count += 1


def bulk_receive(lst):
    c, _ = lst.accept()
    buf = bytearray(1 << 20)
    total = 0
    with c:
        while True:
            n = c.recv_into(buf)
            if n == 0:
                break
            total += n
    if total != BULK_MIB << 20:
        errors.append("bulk: received %d bytes, expected %d" % (total, BULK_MIB << 20))


def bulk_send():
    """Sends BULK_MIB pieces of 1 MiB, each once the short connections have got that far."""
    c = socket.create_connection((HOST, BULK_PORT))
    piece = b"\0" * (1 << 20)
    with c:
        for k in range(BULK_MIB):
            while done_count * BULK_MIB < k * CONNECTIONS and not errors:
                time.sleep(0.001)
            c.sendall(piece)


def main():
    rr = listener(RR_PORT)
    bulk = listener(BULK_PORT)
    stop = threading.Event()
    servers = [threading.Thread(target=serve_rr, args=(rr, stop), daemon=True) for _ in range(2)]
    receiver = threading.Thread(target=bulk_receive, args=(bulk,))
    for t in servers:
        t.start()
    receiver.start()
    sender = threading.Thread(target=bulk_send)
    sender.start()
    per = [CONNECTIONS // CLIENTS + (1 if i < CONNECTIONS % CLIENTS else 0) for i in range(CLIENTS)]
    clients = [threading.Thread(target=client, args=(i, per[i])) for i in range(CLIENTS)]
    started = time.monotonic()
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    sender.join()
    receiver.join()
    stop.set()
    if errors:
        for e in errors:
            print("traffic: " + e, file=sys.stderr)
        sys.exit(1)
    print("traffic: %d connections and %d MiB bulk in %.1f s" % (done_count, BULK_MIB, time.monotonic() - started), file=sys.stderr)


if __name__ == "__main__":
    main()
