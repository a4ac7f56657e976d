"""Receiver with a tiny SO_RCVBUF does not read; the sender fills the window
(zero window, zero-window probes); then the receiver drains; normal close."""
import socket
import threading
import time
from common import *

SRV, CLI = ("127.0.0.1", 8087), ("127.0.0.1", 40017)
TOTAL = 64 * 1024

begin_capture()
lst = listener(*SRV, rcvbuf=4096)
c = client(*CLI, SRV, connect=False)
c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)
c.connect(SRV)
s, _ = lst.accept()
c.setblocking(False)
data = bytes(range(256)) * (TOTAL // 256)
sent = 0
while sent < TOTAL:
    try:
        sent += c.send(data[sent:sent + 1024])
    except BlockingIOError:
        break
log("sent before blocking:", sent)
time.sleep(1.6)          # zero window; probes at ~0.2, 0.6, 1.4 s
got = []
reader = threading.Thread(target=lambda: got.append(recv_all(s)))
reader.start()
c.setblocking(True)
c.sendall(data[sent:])
c.close()
reader.join()
assert got[0] == data
s.close()
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("zero-window",
          "Server socket with SO_RCVBUF=4096 does not read; the client "
          "(SO_SNDBUF=8192) writes until its send buffer is full. The "
          "server advertises a zero window, the client sends zero-window "
          "probes for 1.6 s; then the server reads everything (64 KiB in "
          "total), the client closes and the server closes on EOF.")
t.conn(rows, ep(*CLI), ep(*SRV))
t.expect(connState="SF", handshakeSeen=True, firstFinFrom="client", rstFrom=None,
         zeroWindowFrom="server",
         events=["zero_window", "zero_window_probe", "window_update"])
t.note("Linux zero-window probes carry no data and seq = snd.una - 1; tshark "
       "labels them keep_alive, not zero_window_probe.")
t.note("The receiver answers out-of-window probes at most every 500 ms "
       "(tcp_invalid_ratelimit), so not every probe gets an ACK.")
t.note("Incidental: with the tiny receive buffer the receiver may prune a "
       "segment early on, which the sender then retransmits.")
t.write(rows)
end_capture()
