"""The client's final handshake ACK is dropped before capture (nftables
output hook): the client is ESTABLISHED, the server stays in SYN_RECEIVED
and retransmits its SYN+ACK."""
import time
from common import *

SRV, CLI = ("127.0.0.1", 8083), ("127.0.0.1", 40010)

# Pure ACKs to the server never reach the wire (nor tcpdump).
nft_table({"output": ["tcp dport %d tcp flags & (syn|ack|fin|rst) == ack drop" % SRV[1]]})
lst = listener(*SRV)
begin_capture()
c = client(*CLI, SRV, connect=False)
c.setblocking(False)
c.connect_ex(SRV)
time.sleep(4.3)          # SYN+ACK retransmitted at ~1 s and ~3 s

rows = ss_snapshot()
t = Truth("half-open",
          "The client's handshake ACK (and every later pure ACK to 8083) is "
          "dropped before it reaches the wire, so the capture shows SYN, "
          "SYN+ACK and two SYN+ACK retransmissions (~1 s, ~3 s). The client "
          "sends no data.")
t.conn(rows, ep(*CLI), ep(*SRV), shown={"clientState": "SYN_SENT"})
t.expect(handshakeSeen=False, rstFrom=None, synRetransmissions=0,
         synAckRetransmissions=2,
         notes=["syn_ack_unanswered"])
t.note("The client is ESTABLISHED (it received the SYN+ACK and sent an ACK "
       "that was lost); the server end is a SYN-RECV request socket.")
t.note("shown: the packets never show the client answering any SYN+ACK (no "
       "ACK is on the wire), so a trace viewer can only show it in SYN_SENT, "
       "with a note that it may be ESTABLISHED or gone.")
t.write(rows)
end_capture()
nft_clear()

check(sum(1 for p in pcap_tcp() if p["flags"] & (SYN | ACK) == SYN | ACK) == 3,
      "SYN+ACK plus two retransmissions")
check(not any(p["flags"] & (SYN | ACK) == ACK for p in pcap_tcp()),
      "no handshake ACK on the wire")
