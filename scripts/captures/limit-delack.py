"""Limited by delayed ACKs: the client (Nagle on, no TCP_NODELAY) writes a 100-byte header and
a 100-byte body, then reads a 50-byte answer, twenty times. Nagle holds the body until the
header is acknowledged, and the server delays that ACK (it has nothing to send yet), so each
exchange waits for the delayed-ACK timer (about 40 ms on Linux)."""
from common import *

SRV, CLI = ("127.0.0.1", 8095), ("127.0.0.1", 40035)
ROUNDS = 20

begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV, nodelay=False)
s, _ = lst.accept()
for i in range(ROUNDS):
    c.send(b"h" * 100)
    c.send(b"d" * 100)
    recv_exact(s, 200)
    s.sendall(b"a" * 50)
    recv_exact(c, 50)
end_limit_capture("limit-delack", __doc__, c, s, CLI, SRV, verdict="delayed_ack", sender="client")
