"""Two sockets bound to each other's ports connect at the same time. The
first SYN of each is dropped before the wire (nftables output), so both
retransmit from the same timer tick and the SYNs cross."""
import select
import socket
import time
from common import *

A, B = ("127.0.0.1", 40011), ("127.0.0.1", 40012)

pin_cpu(0)               # both SYN timers on one CPU: they fire together
nft_table({"output": ["tcp sport { 40011, 40012 } tcp dport { 40011, 40012 } "
                      "tcp flags & (syn|ack) == syn drop"]})
begin_capture()
a = client(*A, B, connect=False)
b = client(*B, A, connect=False)
a.setblocking(False)
b.setblocking(False)
a.connect_ex(B)
b.connect_ex(A)
nft_clear()
pending = {a, b}
deadline = time.monotonic() + 5
while pending and time.monotonic() < deadline:
    _, w, _ = select.select([], list(pending), [], 0.1)
    pending -= set(w)
assert not pending, "connect did not complete"
for s in (a, b):
    assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    s.setblocking(True)
time.sleep(0.05)
exchange(a, b)
time.sleep(0.05)
a.close()
assert b.recv(4096) == b""
time.sleep(0.2)
b.close()
time.sleep(0.2)

rows = ss_snapshot()
end_capture()

# Name "client" the end whose SYN comes first on the wire (the retransmission
# timers of both ends fire together, in no fixed order).
pk = pcap_tcp()
check(pk[0]["flags"] & (SYN | ACK) == SYN and pk[1]["flags"] & (SYN | ACK) == SYN
      and pk[0]["src"] == pk[1]["dst"], "the two SYNs must cross")
first, second = pk[0]["src"], pk[0]["dst"]
t = Truth("simultaneous-open",
          "127.0.0.1.40011 and 127.0.0.1.40012 connect() to each other. Their "
          "first SYNs are dropped before the wire; ~1 s later both retransmit "
          "in the same timer run, the SYNs cross, each side answers SYN+ACK "
          "(SYN_SENT -> SYN_RECEIVED -> ESTABLISHED on both). Then 40011 "
          "sends a request, 40012 answers, 40011 closes first.")
t.conn(rows, first, second)
t.expect(handshakeSeen=True, simultaneousOpen=True,
         firstFinFrom="client" if first == ep(*A) else "server",
         rstFrom=None, connState="SF")
t.note("Both ends are active openers; 'client' is the end whose SYN is first "
       "in this capture (%s)." % first)
t.note("After the crossing SYN+ACKs each end sends an ACK with a SACK block "
       "{0:1} (D-SACK): each SYN+ACK repeats a SYN the receiver already had.")
t.write(rows)
