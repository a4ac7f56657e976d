"""SYN, SYN+ACK, then the listener closes (its request socket goes with it)
before the client's ACK arrives. The ACK acknowledges the server's ISN+1, but
nothing is there to take it: the kernel answers it with a RST. The handshake
never completes."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8085), ("127.0.0.1", 40021)
ISN = 2000000

lst, send, recv, srv_isn = raw_client_syn(SRV, CLI, ISN)
lst.close()
time.sleep(0.05)
raw_tcp(send, CLI[0], CLI[1], SRV[0], SRV[1], ISN + 1, (srv_isn + 1) % 2**32, ACK)
seq, _, flags = wait_segment(recv, SRV[1], CLI[1])
check(flags & RST and seq == (srv_isn + 1) % 2**32, "RST with seq = ISN+1")
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("handshake-ack-refused",
          "A raw-socket client sends SYN and gets SYN+ACK; the listener then "
          "closes, dropping the request socket. The client's ACK (ack = the "
          "server's ISN+1) finds no socket and the kernel answers it with RST "
          "(seq = ISN+1). The client has no kernel socket (its state is not "
          "in ss).")
t.conn(rows, ep(*CLI), ep(*SRV))
t.data["connections"][0]["clientState"] = None
t.expect(handshakeSeen=False, rstFrom="server", synAckRetransmissions=0,
         notes=["handshake_ack_refused"])
t.note("The handshake is not complete: its third segment is refused with a RST.")
t.write(rows)
end_raw_capture([SYN, SYN | ACK, ACK, RST])
