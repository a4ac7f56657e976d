"""Limited by the receiver's window: the server's socket has SO_RCVBUF 4096 and reads 4 KiB
every 100 ms while the client writes 48 KiB at once into a send buffer that holds it all; the
client always has data queued and sits at the advertised window (the kernel counts that time
as rwnd_limited). The kernel keeps that time in jiffies (4 ms at HZ 250) and loses up to one
each time the window opens, so the reader opens it seldom: a dozen times in 1.2 s."""
import socket
import threading
import time
from common import *

SRV, CLI = ("127.0.0.1", 8091), ("127.0.0.1", 40031)
TOTAL = 48 * 1024

begin_capture()
lst = listener(*SRV, rcvbuf=4096)
c = client(*CLI, SRV, connect=False)
c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
c.connect(SRV)
s, _ = lst.accept()


def slow_reader():
    n = 0
    while n < TOTAL:
        n += len(s.recv(4096))
        time.sleep(0.1)


reader = threading.Thread(target=slow_reader)
reader.start()
c.sendall(b"x" * TOTAL)
reader.join()
end_limit_capture("limit-rwnd", __doc__, c, s, CLI, SRV, verdict="receiver_window", sender="client")
