#!/usr/bin/env bash
# tshark's SACK blocks per frame (test/fixtures/sack/<name>.tsv: frame.number, then tcp.ack,
# tcp.options.sack_le and tcp.options.sack_re as absolute numbers, then the three relative to
# the data sender's first seq, as tshark shows them by default; blocks comma separated), for the loopback captures with SACK (test/fixtures/captures/*/capture.pcap,
# test/fixtures/limits/*/capture.pcap) and, given PCAP_DIR, the real-world corpus (the captures
# named in test/fixtures/realworld/INDEX.tsv, see its SOURCES.md).
#
# Usage: bash scripts/sack-fixtures.sh [PCAP_DIR]
# Needs tshark and unshare (tshark runs without a network, so it looks up nothing).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$repo/test/fixtures/sack"
if [[ $(id -u) == 0 ]]; then ns=(unshare --net); else ns=(unshare --user --map-root-user --net); fi

fields() { # pcap relative(TRUE|FALSE) fields...
  local pcap=$1 rel=$2
  shift 2
  local args=()
  for f in "$@"; do args+=(-e "$f"); done
  # -E occurrence=a: every block; an ack seen twice (a tunnel) is rare and kept as its last.
  "${ns[@]}" tshark -n -o "tcp.relative_sequence_numbers:$rel" -r "$pcap" -Y tcp.options.sack_le \
    -T fields -E separator=/t -E occurrence=a -E aggregator=, "${args[@]}" 2>/dev/null
}

dissect() { # name pcap
  local abs rel
  abs=$(fields "$2" FALSE frame.number tcp.ack tcp.options.sack_le tcp.options.sack_re)
  [[ -n $abs ]] || return 0
  rel=$(fields "$2" TRUE tcp.ack tcp.options.sack_le tcp.options.sack_re)
  {
    printf 'frame.number\ttcp.ack\tsack_le\tsack_re\tack_relative\tsack_le_relative\tsack_re_relative\n'
    paste <(printf '%s\n' "$abs") <(printf '%s\n' "$rel")
  } >"$out/$1.tsv"
}

mkdir -p "$out"
for pcap in "$repo"/test/fixtures/captures/*/capture.pcap "$repo"/test/fixtures/limits/*/capture.pcap; do
  dissect "$(basename "$(dirname "$pcap")")" "$pcap"
done
if [[ -n ${1:-} ]]; then
  tail -n +2 "$repo/test/fixtures/realworld/INDEX.tsv" | while IFS=$'\t' read -r name file _; do
    if [[ -f "$1/$file" ]]; then dissect "$name" "$1/$file"; fi
  done
fi
echo "sack-fixtures: $(ls "$out"/*.tsv | wc -l) captures with SACK; $(tshark --version 2>/dev/null | head -1)" >&2
