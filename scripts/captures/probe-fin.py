"""Stealth-scan probes from a raw socket: FIN+PSH+URG ("Xmas") and a bare
FIN, neither with SYN nor ACK. To a closed port the kernel answers each with
RST+ACK (a refused probe, not a close); to a listening port it answers
nothing."""
import time
from common import *

CLOSED_PORT, OPEN_PORT = 8086, 8087
XMAS, BARE, OPEN = 40030, 40031, 40032
ISN = 3000000

lst = listener("127.0.0.1", OPEN_PORT)
send, recv = raw_sockets()
begin_capture()
raw_tcp(send, "127.0.0.1", XMAS, "127.0.0.1", CLOSED_PORT, ISN, 0, FIN | PSH | URG)
_, ack, flags = wait_segment(recv, CLOSED_PORT, XMAS)
check(flags & RST and ack == ISN + 1, "RST+ACK to the FIN+PSH+URG probe")
time.sleep(0.02)
raw_tcp(send, "127.0.0.1", BARE, "127.0.0.1", CLOSED_PORT, ISN + 100, 0, FIN)
_, ack, flags = wait_segment(recv, CLOSED_PORT, BARE)
check(flags & RST and ack == ISN + 101, "RST+ACK to the FIN probe")
time.sleep(0.02)
raw_tcp(send, "127.0.0.1", OPEN, "127.0.0.1", OPEN_PORT, ISN + 200, 0, FIN)
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("probe-fin",
          "A raw socket sends FIN+PSH+URG from 40030 and a bare FIN from 40031 "
          "to 8086, where nothing listens, and a bare FIN from 40032 to 8087, "
          "where a socket listens. The kernel answers the first two with "
          "RST+ACK and ignores the third. No SYN, no connection: the probing "
          "ports have no kernel socket (not in ss).")
for port, server in ((XMAS, CLOSED_PORT), (BARE, CLOSED_PORT), (OPEN, OPEN_PORT)):
    t.conn(rows, ep("127.0.0.1", port), ep("127.0.0.1", server))["clientState"] = None
t.expect(connections=3, connState="REJ", handshakeSeen=False, rstFrom="server",
         firstFinFrom=[None, None, None],
         notes=["probe", "refused_probe"])
t.note("A FIN without ACK is not a close: no connection was synchronized. "
       "Answered by RST it shows the port is closed (a refused probe).")
t.write(rows)
end_raw_capture([FIN | PSH | URG, RST | ACK, FIN, RST | ACK, FIN])
