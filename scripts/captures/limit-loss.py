"""Limited by loss: nftables drops 10 % of the client's data segments at random on the server's
input (after tcpdump saw them) while the client writes 200 KiB in segments of at most 1000
bytes; the client spends its time in loss recovery and retransmission timeouts."""
import socket
import subprocess
import threading
from common import *

SRV, CLI = ("127.0.0.1", 8092), ("127.0.0.1", 40032)
TOTAL = 200 * 1024

# One MSS per skb, so a write is not one GSO packet on loopback.
subprocess.run(["ip", "link", "set", "lo", "gso_max_segs", "1"], check=True)
nft_table({"input": ["tcp dport %d ip length > 200 numgen random mod 100 < 10 drop" % SRV[1]]})
begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV, connect=False)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1000)
c.connect(SRV)
s, _ = lst.accept()
got = []
reader = threading.Thread(target=lambda: got.append(recv_exact(s, TOTAL)))
reader.start()
c.sendall(bytes(range(256)) * (TOTAL // 256))
reader.join()
assert len(got[0]) == TOTAL
end_limit_capture("limit-loss", __doc__, c, s, CLI, SRV, verdict="loss", sender="client", before_close=nft_clear)
