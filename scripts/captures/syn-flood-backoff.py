"""A small SYN flood watched long enough to see the listener's SYN+ACK backoff:
60 raw-socket SYNs from 6 addresses x 10 ports in 127.0.0.0/8; the SYN+ACKs are
dropped on input (after tcpdump saw them), so each request socket retransmits its
SYN+ACK after 1, 2, 4 and 8 s (at ~1, ~3, ~7 and ~15 s)."""
import time
from common import *

SRV = ("127.0.0.1", 8086)
lst = syn_flood(SRV, seed=8086)
time.sleep(16.5)         # retransmissions at ~1, 3, 7 and 15 s; the fifth (~31 s) is not waited for

rows = ss_snapshot()
t = Truth("syn-flood-backoff",
          "60 SYNs crafted with a raw socket (sources 127.0.0.2-7, ports "
          "50000-50009) to 127.0.0.1:8086; the SYN+ACKs are dropped on input "
          "after capture, so no RST or ACK answers them. Capture ends ~16.7 s "
          "after the first SYN: each SYN+ACK is retransmitted four times, "
          "1, 2, 4 and 8 s apart.")
flood_truth(t, rows, SRV, retransmissions=4)
t.note("syncookies stay off: 60 < listen backlog 256; tcp_synack_retries is "
       "the namespace's default (5), so a fifth retransmission would follow at ~31 s.")
t.write(rows)
end_capture()
nft_clear()

check(sum(1 for p in pcap_tcp() if p["flags"] & (SYN | ACK) == SYN | ACK) == 300,
      "60 SYN+ACKs, each retransmitted four times")
