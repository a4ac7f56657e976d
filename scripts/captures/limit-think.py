"""Limited by the server's think time: twice on one connection the client sends a request and
the server sleeps 400 ms before it answers with 2 KiB; both sockets are idle while it thinks."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8094), ("127.0.0.1", 40034)
REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + b"r" * 2000

begin_capture()
lst = listener(*SRV)
c = client(*CLI, SRV)
s, _ = lst.accept()
for i in range(2):
    c.sendall(REQUEST)
    recv_exact(s, len(REQUEST))
    time.sleep(0.4)
    s.sendall(REPLY)
    recv_exact(c, len(REPLY))
kernel = ss_info()
c.close()
assert s.recv(4096) == b""
s.close()
time.sleep(0.1)

rows = ss_snapshot()
t = Truth("limit-think", __doc__.replace("\n", " ").strip())
t.conn(rows, ep(*CLI), ep(*SRV), kernel={"client": kernel[(ep(*CLI), ep(*SRV))],
                                         "server": kernel[(ep(*SRV), ep(*CLI))]})
t.expect(verdict="server_think", sender="server")
t.write(rows)
end_capture()
