#!/usr/bin/env bash
# Makes the benchmark's capture: scripts/bench/traffic.py's workload on `lo` of a private
# network namespace, captured with a small snap length, then printed with `tcpdump -nn`.
#
# Usage: bash scripts/bench/make-capture.sh OUT_DIR     (as root)
# Writes OUT_DIR/big.pcap and OUT_DIR/big.tcpdump. BENCH_CONNECTIONS and BENCH_BULK_MIB
# (see traffic.py) change the workload. Only loopback inside the namespace is used.
#
# Segments are made real-sized: lo gets an Ethernet MTU (so MSS 1460, 1448 bytes of data
# beside the timestamp option) and gso_max_segs 1, so TCP hands lo one segment at a time
# instead of 64 kB super-segments; ethtool also turns offloads off where it is installed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "make-capture: $*" >&2; exit 1; }

inside() {
  local work=$1
  ip link set lo up
  ip link set dev lo mtu 1500
  ip link set dev lo gso_max_segs 1
  if command -v ethtool >/dev/null; then ethtool -K lo tso off gso off gro off 2>/dev/null || true; fi
  sysctl -qw net.ipv4.ip_local_port_range="1024 65535"

  tcpdump -i lo -nn -s 96 -B 524288 -Z root -w "$work/big.pcap" tcp 2>"$work/tcpdump.err" &
  local td=$! i=0
  until grep -qs "listening on" "$work/tcpdump.err"; do
    kill -0 "$td" 2>/dev/null || die "tcpdump failed: $(cat "$work/tcpdump.err")"
    (( i++ > 1000 )) && die "tcpdump is not listening"
    sleep 0.01
  done
  local rc=0
  python3 "$here/traffic.py" || rc=$?
  sleep 0.5
  kill -INT "$td"
  wait "$td" || true
  (( rc == 0 )) || die "the workload failed"
  grep -q "^0 packets dropped by kernel" "$work/tcpdump.err" || die "tcpdump dropped packets: $(cat "$work/tcpdump.err")"
  grep "packets" "$work/tcpdump.err" >&2
}

if [[ ${1:-} == --inside ]]; then
  inside "$2"
  exit 0
fi

out=${1:?usage: make-capture.sh OUT_DIR}
[[ $(id -u) == 0 ]] || die "must run as root (it makes a network namespace)"
for cmd in unshare ip sysctl tcpdump python3; do
  command -v "$cmd" >/dev/null || die "missing command: $cmd"
done
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
unshare --net bash "$here/make-capture.sh" --inside "$work"
TZ=UTC tcpdump -r "$work/big.pcap" -nn >"$work/big.tcpdump" 2>/dev/null
mv "$work/big.pcap" "$out/big.pcap"
mv "$work/big.tcpdump" "$out/big.tcpdump"
echo "make-capture: $(wc -l <"$out/big.tcpdump") lines, $(( $(stat -c %s "$out/big.tcpdump") / 1048576 )) MiB of text" >&2
