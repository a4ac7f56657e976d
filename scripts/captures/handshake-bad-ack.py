"""A client (a raw socket) answers the SYN+ACK with an ACK whose ack is not
the server's ISN+1: the server's kernel answers that ACK with a RST
(<SEQ=SEG.ACK><CTL=RST>, RFC 9293 3.10.7.4) and keeps its request socket in
SYN_RECEIVED. The handshake never completes."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8084), ("127.0.0.1", 40020)
ISN = 1000000

lst, send, recv, srv_isn = raw_client_syn(SRV, CLI, ISN)
# ack is ISN+1+1000: it acknowledges sequence numbers the server never sent.
raw_tcp(send, CLI[0], CLI[1], SRV[0], SRV[1], ISN + 1, (srv_isn + 1001) % 2**32, ACK)
seq, _, flags = wait_segment(recv, SRV[1], CLI[1])
check(flags & RST and seq == (srv_isn + 1001) % 2**32, "RST with seq = the bad ack")
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("handshake-bad-ack",
          "A raw-socket client sends SYN, gets SYN+ACK and answers with an ACK "
          "whose ack is the server's ISN+1001 instead of ISN+1. The server's "
          "kernel answers it with RST (seq = that ack) and keeps the request "
          "socket in SYN-RECV. The client has no kernel socket (its state is "
          "not in ss).")
t.conn(rows, ep(*CLI), ep(*SRV))
t.data["connections"][0]["clientState"] = None
t.expect(handshakeSeen=False, rstFrom="server", synAckRetransmissions=0,
         notes=["handshake_ack_unacceptable"])
t.note("The handshake is not complete: the third segment does not "
       "acknowledge the server's ISN+1, and the server refuses it with a RST.")
t.write(rows)
end_raw_capture([SYN, SYN | ACK, ACK, RST])
