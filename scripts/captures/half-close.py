"""Client shutdown(SHUT_WR) after its request; the server keeps sending for
about a second after the client's FIN, then closes."""
import socket
import time
from common import *

SRV, CLI = ("127.0.0.1", 8080), ("127.0.0.1", 40004)
CHUNK = b"x" * 199 + b"\n"

begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV)
s, _ = lst.accept()
c.sendall(REQUEST)
c.shutdown(socket.SHUT_WR)
recv_exact(s, len(REQUEST))
assert s.recv(4096) == b""
for _ in range(5):
    time.sleep(0.2)
    s.sendall(CHUNK)
time.sleep(0.1)
s.close()
got = recv_all(c)
assert len(got) == 5 * len(CHUNK)
time.sleep(0.1)
c.close()
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("half-close",
          "Client sends a request then shutdown(SHUT_WR); the server sends 5 "
          "data segments over ~1 s after the client's FIN, then closes; the "
          "client reads everything and closes.")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="SF", handshakeSeen=True, firstFinFrom="client", rstFrom=None,
         dataAfterFinFrom="server", dataSegmentsAfterFin=5)
t.write(rows)
end_capture()
