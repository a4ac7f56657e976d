"""Client enables keepalive (idle 1 s, interval 1 s) and stays idle 3.5 s."""
import socket
import time
from common import *

SRV, CLI = ("127.0.0.1", 8080), ("127.0.0.1", 40016)

begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV, connect=False)
c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
c.connect(SRV)
s, _ = lst.accept()
exchange(c, s)
time.sleep(3.5)          # keepalive probes at ~1, 2, 3 s of idleness
c.close()
assert s.recv(4096) == b""
s.close()
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("keepalive",
          "Client sets SO_KEEPALIVE, TCP_KEEPIDLE=1, TCP_KEEPINTVL=1; after a "
          "request/response the connection is idle 3.5 s: the client sends "
          "keepalive probes (seq = snd.nxt - 1, no data) which the server "
          "ACKs; then the client closes.")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="SF", handshakeSeen=True, firstFinFrom="client", rstFrom=None,
         keepAliveProbes=3, events=["keep_alive", "keep_alive_ack"])
t.write(rows)
end_capture()

pk = pcap_tcp()
nxt = pk[6]["seq"]       # client's ACK of the response: seq = snd.nxt
probes = [p for p in pk if p["src"] == ep(*CLI) and p["seq"] == (nxt - 1) % 2**32]
check(len(probes) == 3, "three keepalive probes")
