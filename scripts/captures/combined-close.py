"""Client closes; the server closes as soon as it reads EOF, so its FIN
carries the (delayed) ACK of the client's FIN: FIN, FIN+ACK, ACK."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8080), ("127.0.0.1", 40003)

begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV)
s, _ = lst.accept()
exchange(c, s)
time.sleep(0.05)
c.close()
assert s.recv(4096) == b""
s.close()                # within the delayed-ACK window of the client's FIN
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("combined-close",
          "Client closes first; the server closes immediately on EOF, so the "
          "ACK of the client's FIN is piggybacked on the server's FIN "
          "(three-segment close: FIN, FIN+ACK, ACK).")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="SF", handshakeSeen=True, firstFinFrom="client", rstFrom=None,
         simultaneousOpen=False, simultaneousClose=False, closeSegments=3)
t.write(rows)
end_capture()

pk = pcap_tcp()
fins = [i for i, p in enumerate(pk) if p["flags"] & FIN]
check(len(fins) == 2 and fins[1] == fins[0] + 1 and len(pk) == fins[1] + 2,
      "close must be FIN, FIN+ACK, ACK")
