"""Segments with no flags at all (tcpdump: Flags [none]) from a raw socket:
to a closed port (answered by RST+ACK), to a listening port (ignored), and
inside a handshake in place of the third ACK (ignored: the server's request
socket stays in SYN-RECV)."""
import time
from common import *

CLOSED_PORT, OPEN_PORT = 8090, 8091
TO_CLOSED, TO_OPEN, IN_HANDSHAKE = 40040, 40041, 40042
ISN = 4000000

# The handshake's client port has no socket: keep the kernel's RST to the SYN+ACK off the wire.
nft_table({"output": ["tcp sport %d tcp flags & rst == rst drop" % IN_HANDSHAKE]})
lst = listener("127.0.0.1", OPEN_PORT)
send, recv = raw_sockets()
begin_capture()
raw_tcp(send, "127.0.0.1", TO_CLOSED, "127.0.0.1", CLOSED_PORT, ISN, 0, 0)
_, ack, flags = wait_segment(recv, CLOSED_PORT, TO_CLOSED)
check(flags & RST and ack == ISN, "RST+ACK to the no-flags segment")
time.sleep(0.02)
raw_tcp(send, "127.0.0.1", TO_OPEN, "127.0.0.1", OPEN_PORT, ISN + 100, 0, 0)
time.sleep(0.02)
raw_syn(send, "127.0.0.1", IN_HANDSHAKE, "127.0.0.1", OPEN_PORT, ISN + 200)
srv_isn, ack, flags = wait_segment(recv, OPEN_PORT, IN_HANDSHAKE)
check(flags & (SYN | ACK) == SYN | ACK, "SYN+ACK")
# Where the third ACK belongs: the right seq and ack numbers, but no flags.
raw_tcp(send, "127.0.0.1", IN_HANDSHAKE, "127.0.0.1", OPEN_PORT, ISN + 201, (srv_isn + 1) % 2**32, 0)
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("probe-null",
          "A raw socket sends a segment with no flags from 40040 to 8090 "
          "(nothing listens: the kernel answers RST+ACK) and from 40041 to "
          "8091 (a listener: ignored); then from 40042 it sends a SYN to 8091, "
          "gets the SYN+ACK and sends a no-flags segment with seq ISN+1 and "
          "the ack field set to the server's ISN+1: the server ignores it and "
          "stays in SYN-RECV. The raw socket's ports have no kernel socket.")
for port, server in ((TO_CLOSED, CLOSED_PORT), (TO_OPEN, OPEN_PORT), (IN_HANDSHAKE, OPEN_PORT)):
    t.conn(rows, ep("127.0.0.1", port), ep("127.0.0.1", server))["clientState"] = None
t.expect(connections=3, connState="REJ", handshakeSeen=False, rstFrom="server",
         notes=["probe", "refused_probe", "no_flags"])
t.note("A segment without flags is not valid in any state and changes none; "
       "answered by RST it shows the port is closed (a refused probe).")
t.write(rows)
end_raw_capture([0, RST | ACK, 0, SYN, SYN | ACK, 0])
