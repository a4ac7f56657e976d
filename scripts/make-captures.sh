#!/usr/bin/env bash
# Generate ground-truth TCP captures on loopback, one private network
# namespace per scenario, into test/fixtures/captures/<scenario>/.
#
# Usage: sudo bash scripts/make-captures.sh [scenario...]   (default: all)
#
# Needs (not installed by this script): root, util-linux (unshare),
# iproute2 (ip, ss), tcpdump, python3, nftables (nft) for the scenarios
# that drop packets. Only loopback inside the namespace is ever used.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out_root="${CAPTURES_OUT:-$repo/test/fixtures/captures}"

ALL=(
  normal-client-close normal-server-close combined-close half-close
  close-wait-leak rst-client rst-server refused unanswered-syn half-open
  syn-flood-small syn-flood-backoff simultaneous-open simultaneous-close port-reuse
  mid-stream keepalive zero-window retransmission ipv6-normal sample
  handshake-bad-ack handshake-ack-refused probe-fin probe-null synack-backscatter
)
# What limited a connection, with the kernel's tcp_info (ss -tin) beside it: written to
# test/fixtures/limits/<scenario>/, headers only (snapshot length 128: bulk transfers stay small
# and tcpdump's ring keeps up), rendered with -nn only. Run them by name.
LIMITS=(limit-rwnd limit-loss limit-app limit-think limit-delack)

# name:tcpdump options (all read capture.pcap)
RENDERINGS=(
  "nn:-nn"
  "tttt_v:-tttt -v -nn"
  "S_vv:-S -vv -nn"
  "e:-e -nn"
  "names:"
  "q:-q -nn"
  "num_ttttt_x:-# -ttttt -nn -x"
  "A:-nn -A"
  "ttt:-ttt -nn"
  "ttttt:-ttttt -nn"
)

die() { echo "make-captures: $*" >&2; exit 1; }

wait_for() { # file pid timeout_s: wait for file while pid lives
  local i=0
  while [[ ! -e $1 ]]; do
    kill -0 "$2" 2>/dev/null || return 1
    (( i++ > $3 * 100 )) && return 1
    sleep 0.01
  done
}

# Runs inside the namespace: capture one scenario into $2 (a temp dir).
inside() {
  local scenario=$1 work=$2
  ip link set lo up
  export CAPTURE_DIR="$work" TZ=UTC
  python3 "$here/captures/$scenario.py" &
  local py=$!
  wait_for "$work/begin" "$py" 30 || { wait "$py"; die "$scenario: no begin marker"; }

  local snaplen=0 renderings=("${RENDERINGS[@]}")
  if [[ $scenario == limit-* ]]; then snaplen=128; renderings=("nn:-nn"); fi
  tcpdump -i lo -U --immediate-mode -B 16384 -s "$snaplen" -Z root -w "$work/capture.pcap" 2>"$work/tcpdump.err" &
  local td=$!
  local i=0
  until grep -qs "listening on" "$work/tcpdump.err"; do
    kill -0 "$td" 2>/dev/null || die "$scenario: tcpdump failed: $(cat "$work/tcpdump.err")"
    (( i++ > 500 )) && die "$scenario: tcpdump not listening"
    sleep 0.01
  done
  touch "$work/capturing"

  wait_for "$work/done" "$py" 120 || { kill -INT "$td"; wait "$py" || true; die "$scenario: scenario failed"; }
  kill -INT "$td"
  wait "$td" || true
  touch "$work/stopped"
  wait "$py" || die "$scenario: scenario exited with an error"

  grep -q "^0 packets dropped by kernel" "$work/tcpdump.err" \
    || die "$scenario: tcpdump dropped packets: $(cat "$work/tcpdump.err")"
  [[ -s $work/truth.json && -e $work/ss.txt ]] || die "$scenario: truth.json/ss.txt missing"

  # Render; names.tcpdump resolves names here, where no DNS can leave.
  local r name opts
  for r in "${renderings[@]}"; do
    name=${r%%:*}; opts=${r#*:}
    # shellcheck disable=SC2086
    (cd "$work" && tcpdump -r capture.pcap $opts >"$name.tcpdump" 2>/dev/null)
  done
  rm -f "$work"/{begin,capturing,done,stopped,tcpdump.err}
}

if [[ ${1:-} == --inside ]]; then
  inside "$2" "$3"
  exit 0
fi

[[ $(id -u) == 0 ]] || die "must run as root (sudo bash scripts/make-captures.sh)"
for cmd in unshare ip ss tcpdump python3 nft; do
  command -v "$cmd" >/dev/null || die "missing command: $cmd"
done

scenarios=("$@")
(( ${#scenarios[@]} )) || scenarios=("${ALL[@]}")

for s in "${scenarios[@]}"; do
  [[ -f $here/captures/$s.py ]] || die "unknown scenario: $s"
  work="$(mktemp -d)"
  echo "== $s" >&2
  if ! unshare --net bash "$here/make-captures.sh" --inside "$s" "$work"; then
    rm -rf "$work"; die "$s failed"
  fi
  out=$out_root
  [[ $s == limit-* && -z ${CAPTURES_OUT:-} ]] && out=$repo/test/fixtures/limits
  rm -rf "${out:?}/$s"
  mkdir -p "$out/$s"
  cp "$work"/* "$out/$s/"
  chmod 644 "$out/$s"/*
  rm -rf "$work"
  if [[ $s == sample ]]; then
    cp "$out/sample/nn.tcpdump" "$repo/test/fixtures/sample.tcpdump"
  fi
  echo "   $(grep -c . "$out/$s/nn.tcpdump") packets" >&2
done
