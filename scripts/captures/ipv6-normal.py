"""Over ::1: handshake, request/response, client closes first, server closes later."""
import socket
import time
from common import *

SRV, CLI = ("::1", 8080), ("::1", 40019)

begin_capture()
lst = listener(*SRV, family=socket.AF_INET6)
c = client(*CLI, SRV, family=socket.AF_INET6)
s, _ = lst.accept()
exchange(c, s)
time.sleep(0.05)
c.close()
assert s.recv(4096) == b""
time.sleep(0.2)          # longer than the delayed-ACK timer: FIN is ACKed alone
s.close()
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("ipv6-normal",
          "Over ::1: handshake, one request/response, client closes first; the server "
          "closes 200 ms after reading EOF, so the close is four segments.")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="SF", handshakeSeen=True, firstFinFrom="client", rstFrom=None,
         simultaneousOpen=False, simultaneousClose=False, synRetransmissions=0,
         closeSegments=4)
t.write(rows)
end_capture()
