"""Connect to a port with no listener: SYN, then RST+ACK."""
import socket
import time
from common import *

DST, CLI = ("127.0.0.1", 8081), ("127.0.0.1", 40008)

begin_capture()
c = client(*CLI, DST, connect=False)
err = c.connect_ex(DST)
assert err == 111, err   # ECONNREFUSED
time.sleep(0.1)

rows = ss_snapshot()
t = Truth("refused",
          "Connect to 127.0.0.1:8081 where nothing listens: the kernel answers "
          "the SYN with RST+ACK; connect() fails with ECONNREFUSED.")
t.conn(rows, ep(*CLI), ep(*DST))
t.expect(connState="REJ", handshakeSeen=False, rstFrom="server",
         synRetransmissions=0)
t.write(rows)
end_capture()
