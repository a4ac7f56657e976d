"""The bundled sample: several connections in one capture."""
import time
from common import *

WEB, LEAKY, CLOSED_PORT = ("127.0.0.1", 80), ("127.0.0.1", 8080), ("127.0.0.1", 443)
C1, C2, C3, C4 = [("127.0.0.1", p) for p in (41000, 41001, 41002, 41003)]
PAGE = b"<html><body><h1>It works</h1></body></html>\n"
RESP = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(PAGE)) + PAGE
REQ = b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: sample/1.0\r\n\r\n"

begin_capture()
web = listener(*WEB)
leaky = listener(*LEAKY)

# 1. Clean: handshake, request/response, server closes (Connection: close),
#    client closes on EOF.
c1 = client(*C1, WEB)
s1, _ = web.accept()
exchange(c1, s1, REQ, RESP)
s1.close()
assert c1.recv(4096) == b""
c1.close()
time.sleep(0.1)

# 2. Reset: the client aborts (SO_LINGER {1,0}) after a partial response.
c2 = client(*C2, WEB)
s2, _ = web.accept()
c2.sendall(REQ.replace(b"GET /", b"GET /big"))
recv_exact(s2, len(REQ) + 3)
s2.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"." * 1000)
time.sleep(0.05)
linger_rst(c2)
c2.close()
time.sleep(0.1)

# 3. Refused: nothing listens on 443.
c3 = client(*C3, CLOSED_PORT, connect=False)
assert c3.connect_ex(CLOSED_PORT) == 111
time.sleep(0.1)

# 4. CLOSE_WAIT leak: the client closes, the server never does.
c4 = client(*C4, LEAKY)
s4, _ = leaky.accept()
exchange(c4, s4, REQ.replace(b"GET /", b"GET /api/status"),
         b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
time.sleep(0.05)
c4.close()
assert s4.recv(4096) == b""
time.sleep(0.3)

rows = ss_snapshot()
t = Truth("sample",
          "Bundled sample: (1) 41000->80 clean HTTP exchange, server closes "
          "first; (2) 41001->80 client aborts with RST during a partial "
          "response; (3) 41002->443 refused (RST+ACK); (4) 41003->8080 "
          "client closes, the server leaks the socket in CLOSE_WAIT.")
t.conn(rows, ep(*C1), ep(*WEB), connState="SF", firstFinFrom="server", rstFrom=None)
t.conn(rows, ep(*C2), ep(*WEB), connState="RSTO", rstFrom="client")
t.conn(rows, ep(*C3), ep(*CLOSED_PORT), connState="REJ", rstFrom="server")
t.conn(rows, ep(*C4), ep(*LEAKY), connState="S2", firstFinFrom="client", rstFrom=None)
t.expect(connections=4)
t.note("Per-connection expectations are in the connection entries.")
t.write(rows)
end_capture()
