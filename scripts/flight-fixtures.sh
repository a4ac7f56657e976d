#!/usr/bin/env bash
# tshark's per-frame ack RTT and bytes in flight (test/fixtures/flight/<name>.tsv: frame.number,
# tcp.analysis.ack_rtt, tcp.analysis.bytes_in_flight, tcp.window_size), for the loopback captures
# (test/fixtures/captures/*/capture.pcap) and, given PCAP_DIR, the real-world corpus
# (the captures named in test/fixtures/realworld/INDEX.tsv, see its SOURCES.md).
#
# Usage: bash scripts/flight-fixtures.sh [PCAP_DIR]
# Needs tshark and unshare (tshark runs without a network, so it looks up nothing).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$repo/test/fixtures/flight"
if [[ $(id -u) == 0 ]]; then ns=(unshare --net); else ns=(unshare --user --map-root-user --net); fi

dissect() { # name pcap
  {
    printf 'frame.number\ttcp.analysis.ack_rtt\ttcp.analysis.bytes_in_flight\ttcp.window_size\n'
    # -E occurrence=l: with tunnels the innermost header is the last one.
    "${ns[@]}" tshark -n -r "$2" -Y tcp -T fields -E separator=/t -E occurrence=l \
      -e frame.number -e tcp.analysis.ack_rtt -e tcp.analysis.bytes_in_flight -e tcp.window_size 2>/dev/null
  } >"$out/$1.tsv"
}

mkdir -p "$out"
for pcap in "$repo"/test/fixtures/captures/*/capture.pcap; do
  dissect "$(basename "$(dirname "$pcap")")" "$pcap"
done
if [[ -n ${1:-} ]]; then
  tail -n +2 "$repo/test/fixtures/realworld/INDEX.tsv" | while IFS=$'\t' read -r name file _; do
    dissect "$name" "$1/$file"
  done
fi
echo "flight-fixtures: $(ls "$out"/*.tsv | wc -l) captures; $(tshark --version 2>/dev/null | head -1)" >&2
