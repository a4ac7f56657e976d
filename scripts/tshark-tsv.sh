# Sourced by scripts/tshark-fixtures.sh and scripts/realworld-fixtures.sh: the tshark fields
# of a fixture TSV (one row per frame with TCP) and to_tsv, which turns tshark's raw fields
# into that TSV. Not run on its own.

ANALYSIS=(retransmission fast_retransmission spurious_retransmission
  out_of_order lost_segment ack_lost_segment duplicate_ack zero_window
  zero_window_probe zero_window_probe_ack window_update window_full
  keep_alive keep_alive_ack reused_ports)

fields=(-e frame.number -e frame.protocols -e ip.src -e ipv6.src -e ip.dst
  -e ipv6.dst -e tcp.srcport -e tcp.dstport -e tcp.seq_raw -e tcp.ack_raw
  -e tcp.flags -e tcp.window_size_value -e tcp.len -e tcp.analysis.initial_rtt)
for a in "${ANALYSIS[@]}"; do fields+=(-e "tcp.analysis.$a"); done

# Raw tshark fields -> fixture TSV (stdin -> stdout).
to_tsv() {
  python3 -c '
import sys
names = sys.argv[1].split()
print("\t".join(["frame.number", "src", "tcp.srcport", "dst", "tcp.dstport",
                 "tcp.seq_raw", "tcp.ack_raw", "tcp.flags",
                 "tcp.window_size_value", "tcp.len", "tcp.analysis",
                 "tcp.analysis.initial_rtt"]))
rows = 0
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    if len(f) < 14 + len(names) or not f[0].isdigit():
        continue
    (num, protos, ip_src, ip6_src, ip_dst, ip6_dst, sport, dport, seq, ack,
     flags, win, tlen, irtt) = f[:14]
    # The IP layer carrying the TCP header is the last one before "tcp".
    stack = protos.split(":")
    before = stack[:stack.index("tcp")] if "tcp" in stack else stack
    ips = [p for p in before if p in ("ip", "ipv6")]
    v6 = bool(ips) and ips[-1] == "ipv6"
    src, dst = (ip6_src, ip6_dst) if v6 else (ip_src, ip_dst)
    if flags and not int(flags, 16) & 0x10:
        ack = ""
    found = [n for n, v in zip(names, f[14:]) if v]
    print("\t".join([num, src, sport, dst, dport, seq, ack, flags, win, tlen,
                     ",".join(found), irtt]))
    rows += 1
print(rows, file=sys.stderr)
' "${ANALYSIS[*]}"
}

