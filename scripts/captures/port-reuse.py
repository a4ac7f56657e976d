"""Two incarnations of one 4-tuple: the client reconnects from the same
port after the server-closed first connection; the new SYN hits the
server's TIME_WAIT socket, which accepts it."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8086), ("127.0.0.1", 40014)

begin_capture()
lst = listener(*SRV)
# Incarnation 1: server closes first (server TIME_WAIT, client CLOSED).
c = client(*CLI, SRV)
s, _ = lst.accept()
exchange(c, s)
s.close()
assert c.recv(4096) == b""
c.close()
time.sleep(0.3)
mid = ss_snapshot("ss-between.txt")
first = {"clientState": state_of(mid, ep(*CLI), ep(*SRV)),
         "serverState": state_of(mid, ep(*SRV), ep(*CLI))}
# Incarnation 2: same 4-tuple; client closes first.
c = client(*CLI, SRV)
s, _ = lst.accept()
exchange(c, s)
time.sleep(0.05)
c.close()
assert s.recv(4096) == b""
s.close()
time.sleep(0.2)

rows = ss_snapshot()
t = Truth("port-reuse",
          "127.0.0.1.40014 -> 127.0.0.1.8086 twice. Incarnation 1: "
          "request/response, server closes first. 0.3 s later the client "
          "binds the same port and connects again; the SYN reaches the "
          "server's TIME_WAIT socket, which accepts it (new incarnation). "
          "Incarnation 2: request/response, client closes first.")
t.data["connections"].append({
    "client": ep(*CLI), "server": ep(*SRV), "incarnation": 1,
    "clientState": first["clientState"], "serverState": "CLOSED",
    "serverStateBeforeReuse": first["serverState"]})
t.conn(rows, ep(*CLI), ep(*SRV), incarnation=2)
t.expect(connections=2, sameFourTuple=True, rstFrom=None,
         firstFinFrom=["server", "client"])
t.note("expect.firstFinFrom lists incarnation 1 then 2.")
t.note("Incarnation 1's server end was TIME_WAIT (ss-between.txt) until the "
       "new SYN replaced it, so it ends CLOSED; ss.txt only shows "
       "incarnation 2.")
t.write(rows)
end_capture()
