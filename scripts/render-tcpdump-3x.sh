#!/usr/bin/env bash
# Renders captures with tcpdump 3.x, which printed TCP the old way ("S 1:1(0) ack 2 win 5840"):
#   3.9.8 (the last such version) into test/fixtures/tcpdump-3x/rendered/<name>.<variant>.out,
#   3.7.2 (no "IP " prefix; -v puts the checksum before the numbers and the IP fields after
#         the options) into test/fixtures/tcpdump-3x/rendered-3.7.2/<name>.<variant>.out.
# Captures: test/fixtures/captures/*/capture.pcap (name = scenario) and the pcaps of
# $TCPDUMP_CORPUS/INDEX.tsv (default test/fixtures/tcpdump-tests; name = file without
# extension), the same names as test/fixtures/tshark/<name>.tsv. Only renderings with a TCP
# line are kept, and none of the fuzzed captures (names with "oobr"): 3.x's decoders print
# megabytes for some of them.
#
# Usage: TCPDUMP3=/path/to/tcpdump [TCPDUMP3_VERSION=3.9.8|3.7.2] bash scripts/render-tcpdump-3x.sh
# Check a 3.9.8 binary first: `TZ=Etc/GMT+4 ./tcpdump -x -s0 -nr print-flags.pcap` must equal
# test/fixtures/tcpdump-3x/print-x.out byte for byte. (3.7.2 has no regression outputs.)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
corpus="${TCPDUMP_CORPUS:-$repo/test/fixtures/tcpdump-tests}"
td="${TCPDUMP3:?set TCPDUMP3 to a tcpdump 3.9.8 or 3.7.2 binary}"
version="${TCPDUMP3_VERSION:-3.9.8}"
if [[ $(id -u) == 0 ]]; then ns=(unshare --net); else ns=(unshare --user --map-root-user --net); fi

# variant name, then tcpdump's options. -tt: each frame's line starts with its time, which
# is how the test finds the frame a line came from.
case $version in
  3.9.8) out="$repo/test/fixtures/tcpdump-3x/rendered"; variants=("n:-n -tt" "Svv:-n -tt -S -vv") ;;
  3.7.2) out="$repo/test/fixtures/tcpdump-3x/rendered-3.7.2"; variants=("v:-n -tt -v") ;;
  *) echo "render-tcpdump-3x: TCPDUMP3_VERSION is 3.9.8 or 3.7.2" >&2; exit 2 ;;
esac

mkdir -p "$out"
rm -f "$out"/*.out
render() { # name pcap
  local v f
  for v in "${variants[@]}"; do
    f="$out/$1.${v%%:*}.out"
    # Kept only when tcpdump ends normally, twice with the same output (some 3.x decoders
    # loop forever, crash, or print memory they should not read on some captures), and the
    # output has a TCP line.
    if timeout 20 "${ns[@]}" "$td" ${v#*:} -r "$2" >"$f" 2>/dev/null &&
      timeout 20 "${ns[@]}" "$td" ${v#*:} -r "$2" 2>/dev/null | cmp -s - "$f" &&
      grep -qE ': [SFRPWE.]+[ ,]' "$f"; then :; else rm -f "$f"; fi
  done
}
for pcap in "$repo"/test/fixtures/captures/*/capture.pcap; do
  render "$(basename "$(dirname "$pcap")")" "$pcap"
done
if [[ -f $corpus/INDEX.tsv ]]; then
  while IFS= read -r f; do
    [[ -f $corpus/$f && $f != *oobr* ]] && render "${f%.*}" "$corpus/$f"
  done < <(awk -F'\t' 'NR > 1 && $2 != "" { print $2 }' "$corpus/INDEX.tsv" | sort -u)
fi
echo "render-tcpdump-3x: $(ls "$out" | wc -l) renderings by $version" >&2
