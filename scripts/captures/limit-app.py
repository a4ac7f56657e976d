"""Limited by the application: the client writes 8 KiB, sleeps 100 ms, ten times; the server
reads at once, so the connection is idle (nothing in flight, nothing waiting) between bursts
and the kernel reports the client app_limited."""
import threading
import time
from common import *

SRV, CLI = ("127.0.0.1", 8093), ("127.0.0.1", 40033)
BURST, BURSTS = 8 * 1024, 10

begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV)
s, _ = lst.accept()
got = []
reader = threading.Thread(target=lambda: got.append(recv_exact(s, BURST * BURSTS)))
reader.start()
for i in range(BURSTS):
    c.sendall(b"b" * BURST)
    time.sleep(0.1)
reader.join()
assert len(got[0]) == BURST * BURSTS
end_limit_capture("limit-app", __doc__, c, s, CLI, SRV, verdict="application", sender="client")
