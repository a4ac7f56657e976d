#!/usr/bin/env bash
# The real-world corpus (test/fixtures/realworld): for each capture named in its INDEX.tsv,
# the text `TZ=UTC tcpdump -nn -r` prints (<name>.tcpdump) and tshark's per-frame truth
# (<name>.tsv, the same columns as test/fixtures/tshark). The captures themselves are not
# kept in the repository: SOURCES.md says where each comes from.
#
# Usage: bash scripts/realworld-fixtures.sh PCAP_DIR
#   PCAP_DIR holds the captures under the `file` names of INDEX.tsv. The script rewrites the
#   link type, frame and TCP frame columns of INDEX.tsv.
# Needs tcpdump, tshark, capinfos, python3 and unshare (tshark runs without a network, so it
# looks up nothing).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="${REALWORLD_OUT:-$repo/test/fixtures/realworld}"
src="${1:?usage: realworld-fixtures.sh PCAP_DIR}"
source "$here/tshark-tsv.sh"

for cmd in tcpdump tshark capinfos python3 unshare; do
  command -v "$cmd" >/dev/null || { echo "realworld-fixtures: missing command: $cmd" >&2; exit 1; }
done
if [[ $(id -u) == 0 ]]; then ns=(unshare --net); else ns=(unshare --user --map-root-user --net); fi

index="$out/INDEX.tsv"
head -1 "$index" >"$index.tmp"
tail -n +2 "$index" | while IFS=$'\t' read -r name file repository commit path licence _linktype _frames _tcp; do
  pcap="$src/$file"
  [[ -f $pcap ]] || { echo "realworld-fixtures: missing $pcap" >&2; exit 1; }
  TZ=UTC tcpdump -nn -r "$pcap" >"$out/$name.tcpdump" 2>/dev/null || true
  # -E occurrence=l: with tunnels the innermost header is the last one.
  "${ns[@]}" tshark -n -r "$pcap" -Y tcp -T fields -E separator=/t -E occurrence=l \
    "${fields[@]}" 2>/dev/null | to_tsv >"$out/$name.tsv" 2>/dev/null
  linktype="$(capinfos -E "$pcap" 2>/dev/null | sed -n 's/^File encapsulation: *//p' | tr '\t' ' ')"
  frames="$(capinfos -c -M "$pcap" 2>/dev/null | sed -n 's/^Number of packets: *//p')"
  tcp=$(($(wc -l <"$out/$name.tsv") - 1))
  # The test reads line N of the text as frame N: tcpdump must print one line per frame.
  lines=$(wc -l <"$out/$name.tcpdump")
  if [[ $lines != "$frames" ]]; then echo "realworld-fixtures: $name: $lines lines for $frames frames" >&2; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$file" "$repository" "$commit" "$path" "$licence" "$linktype" "$frames" "$tcp" >>"$index.tmp"
done
mv "$index.tmp" "$index"
echo "realworld-fixtures: $(($(wc -l <"$index") - 1)) captures, $(awk -F'\t' 'NR > 1 { s += $9 } END { print s }' "$index") TCP frames; $(tshark --version 2>/dev/null | head -1)" >&2
