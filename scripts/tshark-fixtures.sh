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

# The fields and to_tsv, shared with scripts/realworld-fixtures.sh.
source "$here/tshark-tsv.sh"

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
