"""Limited by loss: nftables drops 10 % of the client's data segments at random on the server's
input (after tcpdump saw them) while the client writes 200 KiB in segments of at most 1000
bytes; the client spends its time in loss recovery and retransmission timeouts."""
import threading
from common import *

SRV, CLI = ("127.0.0.1", 8092), ("127.0.0.1", 40032)
TOTAL = 200 * 1024

one_segment_per_packet()
nft_table({"input": ["tcp dport %d ip length > 200 numgen random mod 100 < 10 drop" % SRV[1]]})
begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV, mss=1000)
s, _ = lst.accept()
got = []
reader = threading.Thread(target=lambda: got.append(recv_exact(s, TOTAL)))
reader.start()
c.sendall(bytes(range(256)) * (TOTAL // 256))
reader.join()
assert len(got[0]) == TOTAL
end_limit_capture("limit-loss", __doc__, c, s, CLI, SRV, verdict="loss", sender="client", before_close=nft_clear)
