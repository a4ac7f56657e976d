"""One data segment is dropped once (nftables input hook, after tcpdump saw
it); the segments after it draw duplicate ACKs with SACK blocks and the
lost one is retransmitted."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8088), ("127.0.0.1", 40018)

one_segment_per_packet()
begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV, mss=1000)
s, _ = lst.accept()
total = 0
for i in range(2):
    c.send(b"A" * 500)
    total += 500
    time.sleep(0.02)
# Drops exactly one data segment: the quota is spent by the first.
nft_table({"input": ["tcp dport %d ip length > 500 quota until 1500 bytes drop" % SRV[1]]})
burst = bytes(range(256)) * 24          # ~6 full-sized segments in one write
c.sendall(burst)
total += len(burst)
got = recv_exact(s, total)
assert len(got) == total
nft_clear()
time.sleep(0.1)
s.sendall(b"ok\n")
recv_exact(c, 3)
c.close()
assert s.recv(4096) == b""
s.close()
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("retransmission",
          "Client (TCP_MAXSEG 1000) sends two small segments, then one "
          "6 KiB write that leaves as a burst of full-sized segments; the "
          "first of the burst is dropped once on the server's input (it is "
          "in the capture); each later segment draws a duplicate ACK with a "
          "SACK block; the client retransmits the lost segment; then a short "
          "reply and a client-first close.")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="SF", handshakeSeen=True, firstFinFrom="client", rstFrom=None,
         retransmittedSegments=1, sack=True,
         events=["retransmission", "duplicate_ack"])
t.note("lo has gso_max_segs 1 in this namespace (one MSS per packet on the "
       "wire); payload per segment is 988 bytes (MSS 1000 minus timestamps).")
t.write(rows)
end_capture()

pk = pcap_tcp()
data = [(p["src"], p["seq"], p["len"]) for p in pk if p["len"] > 0]
check(len(data) - len(set(data)) == 1, "exactly one retransmitted segment")
