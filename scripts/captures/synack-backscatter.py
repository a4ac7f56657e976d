"""A SYN+ACK that answers no SYN, as a host sees one when someone spoofed its
address in a SYN flood (backscatter): a raw socket sends it from 8089, where
no socket is, to 40050, where nothing connected. The kernel refuses it with a
RST whose seq is the SYN+ACK's ack and which carries no ACK
(<SEQ=SEG.ACK><CTL=RST>, RFC 9293 3.10.7.1)."""
import time
from common import *

SERVER_PORT, CLIENT_PORT = 8089, 40050
ISN, ACKED = 7000000, 5000001

send, recv = raw_sockets()
begin_capture()
raw_tcp(send, "127.0.0.1", SERVER_PORT, "127.0.0.1", CLIENT_PORT, ISN, ACKED, SYN | ACK)
seq, _, flags = wait_segment(recv, CLIENT_PORT, SERVER_PORT)
check(flags & RST and not flags & ACK and seq == ACKED, "RST at the SYN+ACK's ack, without ACK")
time.sleep(0.1)

rows = ss_snapshot()
t = Truth("synack-backscatter",
          "A raw socket sends a SYN+ACK from 8089 to 40050 that answers no SYN. "
          "No socket exists at either port (neither is in ss); the kernel "
          "answers with RST seq=SEG.ACK, no ACK.")
t.conn(rows, ep("127.0.0.1", CLIENT_PORT), ep("127.0.0.1", SERVER_PORT),
       shown={"clientState": "CLOSED", "serverState": "LISTEN"})
t.expect(connections=1, rstFrom="client", handshakeSeen=False)
t.note("The end that refuses the SYN+ACK never sent a SYN: it is CLOSED, not "
       "SYN_SENT or SYN_RECEIVED. The SYN+ACK's sender, had it a listener, "
       "would return to LISTEN on the RST.")
t.note("The raw socket at 8089 stands in for a listening server whose SYN+ACK "
       "answered a spoofed SYN: such a server's end goes back to LISTEN on the "
       "RST (shown LISTEN; the kernel has no socket there).")
t.write(rows)
end_raw_capture([SYN | ACK, RST])
