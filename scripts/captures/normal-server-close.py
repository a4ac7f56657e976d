"""Handshake, request/response, server closes first, client closes later."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8080), ("127.0.0.1", 40002)

begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV)
s, _ = lst.accept()
exchange(c, s)
time.sleep(0.05)
s.close()
assert c.recv(4096) == b""
time.sleep(0.2)          # longer than the delayed-ACK timer
c.close()
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("normal-server-close",
          "Handshake, one request/response, server closes first; the client "
          "closes 200 ms after reading EOF (four-segment close).")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="SF", handshakeSeen=True, firstFinFrom="server", rstFrom=None,
         simultaneousOpen=False, simultaneousClose=False, synRetransmissions=0,
         closeSegments=4)
t.write(rows)
end_capture()
