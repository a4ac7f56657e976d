"""The client's SYNs are dropped after capture (nftables input hook), so it
retransmits its SYN with exponential backoff and stays in SYN_SENT."""
import os
import time
from common import *

SRV, CLI = ("127.0.0.1", 8082), ("127.0.0.1", 40009)

# Linux >= 6.8 retransmits the first SYNs at linear 1 s intervals
# (tcp_syn_linear_timeouts, default 4); use the classic exponential backoff.
LINEAR = "/proc/sys/net/ipv4/tcp_syn_linear_timeouts"
linear_knob = os.path.exists(LINEAR)
if linear_knob:
    with open(LINEAR, "w") as f:
        f.write("0\n")

nft_table({"input": ["tcp dport %d tcp flags syn drop" % SRV[1]]})
lst = listener(*SRV)
begin_capture()
c = client(*CLI, SRV, connect=False)
c.setblocking(False)
c.connect_ex(SRV)
time.sleep(4.3)          # SYN at 0 s, retransmissions at ~1 s and ~3 s

rows = ss_snapshot()
t = Truth("unanswered-syn",
          "A listener exists on 8082 but every SYN to it is dropped on input "
          "(after tcpdump saw it): the client sends its SYN and retransmits "
          "it after ~1 s and ~3 s (backoff 1 s, 2 s); capture ends at ~4.3 s.")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="S0", handshakeSeen=False, rstFrom=None, synRetransmissions=2)
t.note("The listener on 8082 never sees a SYN, so the server end has no "
       "socket at all (CLOSED) even though the port is listening.")
if linear_knob:
    t.note("net.ipv4.tcp_syn_linear_timeouts was set to 0 in the scenario's "
           "namespace; with this kernel's default (4) the SYN is retransmitted "
           "every 1 s instead (linear backoff).")
t.write(rows)
end_capture()
nft_clear()

check(sum(1 for p in pcap_tcp() if p["flags"] & (SYN | ACK) == SYN) == 3,
      "SYN plus two retransmissions")
