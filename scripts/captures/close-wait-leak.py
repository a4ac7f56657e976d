"""Client closes; the server application never closes its socket."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8080), ("127.0.0.1", 40005)

begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV)
s, _ = lst.accept()
exchange(c, s)
time.sleep(0.05)
c.close()
assert s.recv(4096) == b""
time.sleep(0.5)          # the server keeps s open: CLOSE_WAIT

rows = ss_snapshot()
t = Truth("close-wait-leak",
          "Client closes; the server reads EOF but never closes its socket, "
          "so the server stays in CLOSE_WAIT and the (orphaned) client in "
          "FIN_WAIT_2.")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="S2", handshakeSeen=True, firstFinFrom="client", rstFrom=None,
         finFromServer=False)
t.write(rows)
end_capture()
