#!/usr/bin/env bash
# Dissect captures with tshark into per-TCP-frame TSV fixtures:
#   test/fixtures/tshark/<name>.tsv   (one row per frame with TCP)
#   test/fixtures/tshark/INDEX.tsv    (name, source pcap, rows, status)
# Sources: test/fixtures/captures/*/capture.pcap (name = scenario) and the
# pcaps named in $TCPDUMP_CORPUS/INDEX.tsv (name = pcap file without
# extension); TCPDUMP_CORPUS defaults to test/fixtures/tcpdump-tests, the
# vendored copy.
#
# Usage: bash scripts/tshark-fixtures.sh
# Needs (not installed by this script): tshark, python3, util-linux
# (unshare; tshark runs in a private network namespace, names off).
# Needs root (or unprivileged user namespaces) for unshare.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
corpus="${TCPDUMP_CORPUS:-$repo/test/fixtures/tcpdump-tests}"
out="$repo/test/fixtures/tshark"

for cmd in tshark python3 unshare; do
  command -v "$cmd" >/dev/null || { echo "tshark-fixtures: missing command: $cmd" >&2; exit 1; }
done
if [[ $(id -u) == 0 ]]; then ns=(unshare --net); else ns=(unshare --user --map-root-user --net); fi

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

mkdir -p "$out"
rm -f "$out"/*.tsv
index="$out/INDEX.tsv"
printf 'name\tsource\ttcp_frames\tstatus\n' >"$index.tmp"
declare -A seen=()
skipped=()

dissect() { # name pcap source-label
  local name=$1 pcap=$2 label=$3 err rows rc=0
  [[ -z ${seen[$name]:-} ]] || { echo "tshark-fixtures: duplicate name $name" >&2; exit 1; }
  seen[$name]=1
  err="$(mktemp)"
  # -E occurrence=l: with tunnels the innermost header is the last one.
  "${ns[@]}" tshark -n -r "$pcap" -Y tcp -T fields -E separator=/t \
    -E occurrence=l "${fields[@]}" 2>"$err" | to_tsv >"$out/$name.tsv" 2>"$err.rows" || rc=$?
  rows="$(cat "$err.rows" 2>/dev/null || echo 0)"
  local status=ok
  if grep -q "tshark: " "$err"; then
    status="tshark: $(grep "tshark: " "$err" | head -1 | sed 's/^tshark: //' | tr '\t' ' ' | cut -c1-120)"
    if [[ ${rows:-0} == 0 ]]; then
      rm -f "$out/$name.tsv"
      skipped+=("$label ($status)")
      status="skipped: ${status#tshark: }"
    fi
  fi
  rm -f "$err" "$err.rows"
  printf '%s\t%s\t%s\t%s\n' "$name" "$label" "${rows:-0}" "$status" >>"$index.tmp"
}

for pcap in "$repo"/test/fixtures/captures/*/capture.pcap; do
  [[ -e $pcap ]] || continue
  s="$(basename "$(dirname "$pcap")")"
  dissect "$s" "$pcap" "captures/$s/capture.pcap"
done

if [[ -f $corpus/INDEX.tsv ]]; then
  while IFS= read -r f; do
    [[ -f $corpus/$f ]] || { skipped+=("corpus/$f (missing)"); continue; }
    dissect "${f%.*}" "$corpus/$f" "corpus/$f"
  done < <(awk -F'\t' 'NR > 1 && $2 != "" { print $2 }' "$corpus/INDEX.tsv" | sort -u)
else
  echo "tshark-fixtures: no corpus at $corpus (set TCPDUMP_CORPUS)" >&2
fi

mv "$index.tmp" "$index"
echo "tshark-fixtures: $(($(wc -l <"$index") - 1)) captures, version: $(tshark --version 2>/dev/null | head -1)" >&2
if (( ${#skipped[@]} )); then
  printf 'skipped: %s\n' "${skipped[@]}" >&2
fi
