"""Handshake, request/response, client closes first, server closes later."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8080), ("127.0.0.1", 40001)

begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV)
s, _ = lst.accept()
exchange(c, s)
time.sleep(0.05)
c.close()
assert s.recv(4096) == b""
time.sleep(0.2)          # longer than the delayed-ACK timer: FIN is ACKed alone
s.close()
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("normal-client-close",
          "Handshake, one request/response, client closes first; the server "
          "closes 200 ms after reading EOF, so the close is four segments.")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="SF", handshakeSeen=True, firstFinFrom="client", rstFrom=None,
         simultaneousOpen=False, simultaneousClose=False, synRetransmissions=0,
         closeSegments=4)
t.write(rows)
end_capture()
