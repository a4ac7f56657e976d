"""The client aborts the connection: SO_LINGER {1, 0} then close() -> RST."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8080), ("127.0.0.1", 40006)

begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV)
s, _ = lst.accept()
exchange(c, s)
time.sleep(0.05)
aborter, peer = c, s
linger_rst(aborter)
aborter.close()
time.sleep(0.1)
try:
    peer.recv(4096)
except ConnectionResetError:
    pass
time.sleep(0.1)

rows = ss_snapshot()
t = Truth("rst-client",
          "Request/response, then the client closes with SO_LINGER {1, 0}: "
          "one RST, no FINs. The server socket is still open in the "
          "application but in state CLOSE, which ss does not list.")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="RSTO", handshakeSeen=True, firstFinFrom=None, rstFrom="client")
t.write(rows)
end_capture()
