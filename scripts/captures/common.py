"""Helpers shared by the capture scenarios.

Each scenario runs inside a private network namespace created by
scripts/make-captures.sh and talks to that script through marker files in
$CAPTURE_DIR:
  begin      scenario -> shell: start tcpdump now
  capturing  shell -> scenario: tcpdump is listening
  done       scenario -> shell: ss snapshot taken, stop tcpdump
  stopped    shell -> scenario: tcpdump stopped, sockets may be closed
Run standalone (no $CAPTURE_DIR) the markers are skipped and the outputs go
to the current directory.
"""

import json
import os
import socket
import struct
import subprocess
import sys
import time

OUT = os.environ.get("CAPTURE_DIR", ".")
_MARKERS = "CAPTURE_DIR" in os.environ

# ss state names -> RFC 9293 names used by truth.json
SS_STATES = {
    "ESTAB": "ESTABLISHED",
    "SYN-SENT": "SYN_SENT",
    "SYN-RECV": "SYN_RECEIVED",
    "FIN-WAIT-1": "FIN_WAIT_1",
    "FIN-WAIT-2": "FIN_WAIT_2",
    "TIME-WAIT": "TIME_WAIT",
    "CLOSE-WAIT": "CLOSE_WAIT",
    "LAST-ACK": "LAST_ACK",
    "CLOSING": "CLOSING",
    "LISTEN": "LISTEN",
    "UNCONN": "CLOSED",
}


def log(*args):
    print("[%s]" % os.path.basename(sys.argv[0]), *args, file=sys.stderr, flush=True)


def _marker(name):
    return os.path.join(OUT, name)


def _wait_marker(name, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not os.path.exists(_marker(name)):
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for marker %r" % name)
        time.sleep(0.01)


def begin_capture():
    """Ask the shell to start tcpdump and wait until it listens."""
    if not _MARKERS:
        return
    open(_marker("begin"), "w").close()
    _wait_marker("capturing")
    time.sleep(0.05)


def end_capture():
    """Tell the shell to stop tcpdump; return once it has stopped."""
    if not _MARKERS:
        return
    time.sleep(0.05)
    open(_marker("done"), "w").close()
    _wait_marker("stopped")


# ---------------------------------------------------------------- endpoints

def ep(addr, port):
    """Endpoint as `tcpdump -nn` prints it: 127.0.0.1.8080, ::1.8080."""
    return "%s.%d" % (addr, port)


def _ss_ep(text):
    # "127.0.0.1:8080" / "[::1]:8080" -> tcpdump form
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if host.startswith("::ffff:") and "." in host:
        host = host[len("::ffff:"):]
    return host + "." + port


# ---------------------------------------------------------------- ss

def ss_snapshot(name="ss.txt"):
    """Write `ss -tanoH state all` to $CAPTURE_DIR/name and parse it."""
    text = subprocess.run(["ss", "-tanoH", "state", "all"], check=True,
                          capture_output=True, text=True).stdout
    with open(os.path.join(OUT, name), "w") as f:
        f.write(text)
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 5:
            continue
        rows.append({
            "state": parts[0],
            "local": _ss_ep(parts[3]),
            "peer": _ss_ep(parts[4]),
            "extra": " ".join(parts[5:]),
        })
    return rows


def ss_info(name="ss-info.txt"):
    """Write `ss -tinH state all` (each socket's tcp_info) to $CAPTURE_DIR/name and return
    {(local, peer): figures}: busy, rwnd_limited and sndbuf_limited in ms, app_limited, retrans
    (segments retransmitted in all) and lastsnd/lastrcv/lastack, each None where ss printed none."""
    text = subprocess.run(["ss", "-tinH", "state", "all"], check=True,
                          capture_output=True, text=True).stdout
    with open(os.path.join(OUT, name), "w") as f:
        f.write(text)
    out, key = {}, None
    for line in text.splitlines():
        parts = line.split()
        if not line[:1].isspace():
            key = (_ss_ep(parts[3]), _ss_ep(parts[4])) if len(parts) >= 5 else None
            continue
        if key is None:
            continue
        fig = {"busyMs": None, "rwndLimitedMs": None, "sndbufLimitedMs": None,
               "appLimited": "app_limited" in parts, "retrans": 0}
        for p in parts:
            k, _, v = p.partition(":")
            ms = v.split("ms")[0]
            if k == "busy":
                fig["busyMs"] = int(ms)
            elif k == "rwnd_limited":
                fig["rwndLimitedMs"] = int(ms)
            elif k == "sndbuf_limited":
                fig["sndbufLimitedMs"] = int(ms)
            elif k == "retrans":
                fig["retrans"] = int(v.split("/")[1])
        out[key] = fig
    return out


def state_of(rows, local, peer):
    """RFC 9293 state of the socket local<->peer; CLOSED when ss lacks it."""
    found = [r for r in rows if r["local"] == local and r["peer"] == peer]
    if not found:
        return "CLOSED"
    if len(found) > 1:
        log("several sockets for", local, peer, [r["state"] for r in found])
    return SS_STATES.get(found[0]["state"], found[0]["state"])


# ---------------------------------------------------------------- truth

class Truth:
    def __init__(self, scenario, description):
        self.data = {"scenario": scenario, "description": description,
                     "connections": [], "expect": {}, "notes": []}

    def conn(self, rows, client, server, **extra):
        """Add a connection whose end states come from ss rows."""
        entry = {"client": client, "server": server,
                 "clientState": state_of(rows, client, server),
                 "serverState": state_of(rows, server, client)}
        entry.update(extra)
        self.data["connections"].append(entry)
        return entry

    def note(self, text):
        self.data["notes"].append(text)

    def expect(self, **kw):
        self.data["expect"].update(kw)

    def write(self, rows=None):
        if rows is not None:
            self.data["listeners"] = sorted(
                r["local"] for r in rows if r["state"] == "LISTEN")
        if not self.data["notes"]:
            del self.data["notes"]
        with open(os.path.join(OUT, "truth.json"), "w") as f:
            json.dump(self.data, f, indent=2)
            f.write("\n")
        for c in self.data["connections"][:8]:
            log(c["client"], c["clientState"], "<->", c["server"], c["serverState"])


# ---------------------------------------------------------------- sockets

def listener(addr, port, backlog=128, family=socket.AF_INET, rcvbuf=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((addr, port))
    s.listen(backlog)
    return s


def one_segment_per_packet():
    """One MSS per skb on loopback, so a burst is not a single GSO packet."""
    subprocess.run(["ip", "link", "set", "lo", "gso_max_segs", "1"], check=True)


def client(addr, port, dst, family=socket.AF_INET, nodelay=True, connect=True, mss=None):
    """Socket bound to addr:port, its MSS capped at `mss` if given; connected (blocking) to dst if asked."""
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if mss:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
    s.bind((addr, port))
    if connect:
        s.connect(dst)
    return s


def recv_all(s, limit=1 << 20):
    """Read until EOF."""
    data = b""
    while len(data) < limit:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def linger_rst(s):
    """Make close() abortive (RST)."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def pin_cpu(cpu=0):
    """Keep the scenario (and so its socket timers) on one CPU."""
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        pass


# ---------------------------------------------------------------- nftables

def nft(rules):
    """Load an nft script (ruleset text)."""
    subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True)


def nft_table(chains):
    """(Re)create table inet cap with the given {hook: [rule, ...]} chains."""
    text = ["table inet cap", "delete table inet cap", "table inet cap {"]
    for hook, rules in chains.items():
        text.append("  chain %s {" % hook)
        text.append("    type filter hook %s priority 0; policy accept;" % hook)
        text.extend("    " + r for r in rules)
        text.append("  }")
    text.append("}")
    nft("\n".join(text) + "\n")


def nft_clear():
    nft("table inet cap\ndelete table inet cap\n")


# ---------------------------------------------------------------- raw SYN

def _csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def raw_tcp(sock, src, sport, dst, dport, seq, ack=0, flags=0x02, opts=b"",
            payload=b"", win=64240, ip_id=0):
    """Send one IPv4 TCP segment, any flags, via an IPPROTO_RAW socket."""
    off = (20 + len(opts)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags,
                      win, 0, 0) + opts + payload
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", _csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ip_id, 0x4000,
                     64, socket.IPPROTO_TCP, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    sock.sendto(ip + tcp, (dst, 0))


SYN_OPTS = struct.pack("!BBH", 2, 4, 1460) + struct.pack("!BBBB", 4, 2, 1, 1)


def raw_syn(sock, src, sport, dst, dport, isn, ip_id=0):
    """Send one IPv4 SYN (MSS + SACK-permitted options) via an IPPROTO_RAW socket."""
    raw_tcp(sock, src, sport, dst, dport, isn, 0, 0x02, SYN_OPTS, ip_id=ip_id)


FLOOD_SOURCES = ["127.0.0.%d" % i for i in range(2, 8)]
FLOOD_PORTS = range(50000, 50010)


def syn_flood(srv, seed):
    """Starts the capture and sends 60 raw-socket SYNs, FLOOD_SOURCES x FLOOD_PORTS, to a
    listener at srv. Its SYN+ACKs to the spoofed sources are dropped on input (after tcpdump
    saw them), so no RST or ACK answers them. Returns the listener, to keep it open."""
    import random
    nft_table({"input": ["ip daddr != 127.0.0.1 tcp sport %d drop" % srv[1]]})
    lst = listener(*srv, backlog=256)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rnd = random.Random(seed)
    begin_capture()
    for port in FLOOD_PORTS:
        for src in FLOOD_SOURCES:
            raw_syn(raw, src, port, srv[0], srv[1], rnd.getrandbits(32), rnd.getrandbits(16))
            time.sleep(0.004)
    return lst


def flood_truth(t, rows, srv, retransmissions):
    """What the kernel and the scenario say of syn_flood's 60 half-open connections."""
    for port in FLOOD_PORTS:
        for src in FLOOD_SOURCES:
            t.conn(rows, ep(src, port), ep(*srv))["clientState"] = None
    t.expect(synAckRetransmissionsPerConnection=retransmissions, handshakeSeen=False, rstFrom=None,
             halfOpenConnections=len(FLOOD_SOURCES) * len(FLOOD_PORTS))
    t.note("clientState is null: the SYNs come from a raw socket, so there is no "
           "kernel socket on the client side (a real client would be SYN_SENT).")


def raw_sockets():
    """(sender, receiver): IPPROTO_RAW to send, IPPROTO_TCP to read every TCP segment."""
    send = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    recv = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    recv.settimeout(0.2)
    return send, recv


def wait_segment(recv, sport, dport, timeout=3.0):
    """The next TCP segment sport -> dport seen by `recv`: (seq, ack, flags)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pkt = recv.recv(65535)
        except socket.timeout:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        sp, dp, seq, ack, _, flags = struct.unpack("!HHIIBB", pkt[ihl:ihl + 14])
        if sp == sport and dp == dport:
            return seq, ack, flags
    raise SystemExit("no segment %d -> %d within %.1f s" % (sport, dport, timeout))


def raw_client_syn(srv, cli, isn):
    """A raw-socket client at `cli` sends a SYN (seq `isn`) to a new listener at `srv` and
    waits for its SYN+ACK; the capture is running from just before the SYN. The client port
    has no socket, so the kernel's RSTs from it are dropped (nft; nft_clear() undoes it).
    Returns the listener, the raw sender and receiver, and the server's ISN."""
    nft_table({"output": ["tcp sport %d tcp flags & rst == rst drop" % cli[1]]})
    lst = listener(*srv)
    send, recv = raw_sockets()
    begin_capture()
    raw_syn(send, cli[0], cli[1], srv[0], srv[1], isn)
    srv_isn, ack, flags = wait_segment(recv, srv[1], cli[1])
    check(flags & (SYN | ACK) == SYN | ACK and ack == isn + 1, "SYN+ACK to the SYN")
    return lst, send, recv, srv_isn


def end_raw_capture(flags):
    """Stops the capture and the nft rules, and checks the capture's TCP flags, in order."""
    end_capture()
    nft_clear()
    got = [p["flags"] for p in pcap_tcp()]
    check(got == flags, "TCP flags %r, expected %r" % (got, flags))


# ---------------------------------------------------------------- HTTP-ish

REQUEST = b"GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n"
RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\nhello world\n"


def exchange(c, s, request=REQUEST, response=RESPONSE):
    """Client sends request, server reads it and answers, client reads all."""
    c.sendall(request)
    recv_exact(s, len(request))
    s.sendall(response)
    recv_exact(c, len(response))


# ---------------------------------------------------------------- pcap

def pcap_tcp(path=None):
    """IPv4/TCP packets of an Ethernet pcap as dicts: src, dst, flags, seq, ack, len."""
    path = path or os.path.join(OUT, "capture.pcap")
    with open(path, "rb") as f:
        data = f.read()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    pos, out = 24, []
    while pos + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if pkt[12:14] != b"\x08\x00" or pkt[23] != socket.IPPROTO_TCP:
            continue
        ihl = (pkt[14] & 0x0F) * 4
        total = struct.unpack("!H", pkt[16:18])[0]
        tcp = pkt[14 + ihl:]
        sport, dport, seq, ack = struct.unpack("!HHII", tcp[:12])
        out.append({"src": ep(socket.inet_ntoa(pkt[26:30]), sport),
                    "dst": ep(socket.inet_ntoa(pkt[30:34]), dport),
                    "flags": tcp[13], "seq": seq, "ack": ack,
                    "len": total - ihl - (tcp[12] >> 4) * 4})
    return out


def check(cond, what):
    """Fail the scenario when the capture does not show what it must."""
    if not cond:
        log("CHECK FAILED:", what)
        raise SystemExit("capture check failed: " + what)


FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


def abort_scenario(name, side, client_port):
    """Request/response, then `side` ('client' or 'server') closes with SO_LINGER {1, 0}."""
    srv, cli = ("127.0.0.1", 8080), ("127.0.0.1", client_port)
    begin_capture()
    lst = listener(*srv)
    c = client(*cli, srv)
    s, _ = lst.accept()
    exchange(c, s)
    time.sleep(0.05)
    aborter, peer = (c, s) if side == "client" else (s, c)
    linger_rst(aborter)
    aborter.close()
    time.sleep(0.1)
    try:
        peer.recv(4096)
    except ConnectionResetError:
        pass
    time.sleep(0.1)

    other = "server" if side == "client" else "client"
    rows = ss_snapshot()
    t = Truth(name,
              f"Request/response, then the {side} closes with SO_LINGER {{1, 0}}: "
              f"one RST, no FINs. The {other} socket is still open in the "
              "application but in state CLOSE, which ss does not list.")
    t.conn(rows, ep(*cli), ep(*srv))
    t.expect(connState="RSTO" if side == "client" else "RSTR", handshakeSeen=True,
             firstFinFrom=None, rstFrom=side)
    t.write(rows)
    end_capture()


def end_limit_capture(name, doc, c, s, cli, srv, verdict, sender, before_close=None):
    """The limit scenarios' ending: both sockets' tcp_info while they are open, the client
    closing first, the truth with the verdict the kernel's figures call for, and the capture
    stopped. `before_close` runs after the tcp_info is taken (e.g. to lift packet drops)."""
    kernel = ss_info()
    if before_close:
        before_close()
    c.close()
    assert s.recv(4096) == b""
    s.close()
    time.sleep(0.1)
    rows = ss_snapshot()
    t = Truth(name, doc.replace("\n", " ").strip())
    t.conn(rows, ep(*cli), ep(*srv), kernel={"client": kernel[(ep(*cli), ep(*srv))],
                                             "server": kernel[(ep(*srv), ep(*cli))]})
    t.expect(verdict=verdict, sender=sender)
    t.write(rows)
    end_capture()
