"""Connection established before tcpdump starts; capture data and close."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8080), ("127.0.0.1", 40015)

lst = listener(*SRV)
c = client(*CLI, SRV)
s, _ = lst.accept()
exchange(c, s)           # not captured
time.sleep(0.1)
begin_capture()
exchange(c, s, request=REQUEST.replace(b"index", b"second"))
time.sleep(0.05)
c.close()
assert s.recv(4096) == b""
time.sleep(0.2)
s.close()
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("mid-stream",
          "Handshake and a first request/response happen before tcpdump "
          "starts; the capture begins with the client's second request "
          "(relative seq numbers therefore start mid-stream), then the "
          "client closes first and the server 200 ms later.")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(handshakeSeen=False, firstPacketFrom="client", firstFinFrom="client",
         rstFrom=None, closeSegments=4)
t.write(rows)
end_capture()
