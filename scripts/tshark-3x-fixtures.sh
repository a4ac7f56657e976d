#!/usr/bin/env bash
# tshark's decoding of the tcpdump 3.x captures in test/fixtures/tcpdump-3x: one TSV per
# capture (<name>.tsv beside <name>.pcap), a row per frame with TCP. tcp.ack_raw is left empty
# when the ACK flag is off (tcpdump prints no ack then).
#
# Usage: bash scripts/tshark-3x-fixtures.sh
# Needs tshark and unshare (tshark runs in a private network namespace, so it looks up nothing).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="$here/../test/fixtures/tcpdump-3x"
if [[ $(id -u) == 0 ]]; then ns=(unshare --net); else ns=(unshare --user --map-root-user --net); fi

for pcap in "$dir"/*.pcap; do
  name="$(basename "$pcap" .pcap)"
  "${ns[@]}" tshark -n -r "$pcap" -Y tcp -T fields -E separator=/t -E header=y -E occurrence=l \
    -e frame.number -e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw \
    -e tcp.len -e tcp.window_size_value -e tcp.flags.ack 2>/dev/null |
    awk -F'\t' -v OFS='\t' 'NR > 1 && ($9 == "0" || $9 == "False") { $6 = "" } { NF = 8; print }' >"$dir/$name.tsv"
  echo "$name: $(($(wc -l <"$dir/$name.tsv") - 1)) TCP frames" >&2
done
