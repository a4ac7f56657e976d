"""Both ends shutdown() at once. The first FIN of each is dropped before the
wire (nftables output), so both FINs are retransmitted from the same timer
tick and cross: both ends go FIN_WAIT_1 -> CLOSING -> TIME_WAIT."""
import socket
import time
from common import *

SRV, CLI = ("127.0.0.1", 8085), ("127.0.0.1", 40013)

pin_cpu(0)               # both retransmission timers on one CPU
begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV)
s, _ = lst.accept()
exchange(c, s)
time.sleep(0.05)
nft_table({"output": ["tcp sport 8085 tcp flags fin drop",
                      "tcp dport 8085 tcp flags fin drop"]})
c.shutdown(socket.SHUT_WR)
s.shutdown(socket.SHUT_WR)
nft_clear()
time.sleep(0.8)
assert c.recv(4096) == b"" and s.recv(4096) == b""
c.close()
s.close()
time.sleep(0.1)

rows = ss_snapshot()
t = Truth("simultaneous-close",
          "Request/response, then client and server call shutdown(SHUT_WR) "
          "back to back. Both first FINs are dropped before the wire; both "
          "are retransmitted in the same timer run and cross, so each end "
          "receives the peer's FIN in FIN_WAIT_1 (-> CLOSING) and both end "
          "in TIME_WAIT.")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="SF", handshakeSeen=True, simultaneousClose=True, rstFrom=None)
t.note("The dropped first FINs never reach the wire; the FINs in the capture "
       "are the retransmissions, which Linux sends with PSH set ([FP.]).")
t.write(rows)
end_capture()

pk = pcap_tcp()
fins = [i for i, p in enumerate(pk) if p["flags"] & FIN]
check(len(fins) == 2 and fins[1] == fins[0] + 1
      and pk[fins[0]]["src"] != pk[fins[1]]["src"], "the two FINs must cross")
