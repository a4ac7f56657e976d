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
end_limit_capture("limit-think", __doc__, c, s, CLI, SRV, verdict="server_think", sender="server")
