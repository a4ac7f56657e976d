"""60 raw-socket SYNs from 6 addresses x 10 ports in 127.0.0.0/8 to one
listener; the SYN+ACKs are dropped on input (after tcpdump saw them), so the
listener holds 60 SYN_RECEIVED request sockets and retransmits SYN+ACKs."""
import time
from common import *

SRV = ("127.0.0.1", 8084)
lst = syn_flood(SRV, seed=8084)
time.sleep(1.6)          # one SYN+ACK retransmission each (at ~1 s)

rows = ss_snapshot()
t = Truth("syn-flood-small",
          "60 SYNs crafted with a raw socket (sources 127.0.0.2-7, ports "
          "50000-50009) to 127.0.0.1:8084; the SYN+ACKs are dropped on input "
          "after capture, so no RST or ACK answers them. Capture ends ~1.7 s "
          "after the first SYN (each SYN+ACK retransmitted once, at ~1 s).")
flood_truth(t, rows, SRV, retransmissions=1)
t.note("syncookies stay off: 60 < listen backlog 256.")
t.write(rows)
end_capture()
nft_clear()

check(sum(1 for p in pcap_tcp() if p["flags"] & (SYN | ACK) == SYN | ACK) == 120,
      "60 SYN+ACKs, each retransmitted once")
