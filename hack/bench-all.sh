#!/usr/bin/env bash
# Every measurement of BENCHMARKS.md in one go (issue 17), as one Markdown
# document on stdout (progress and raw output on stderr):
#   1. hack/bench.sh: the handler against its floor, the server against the
#      null webhook, the CI throughput row; then the server run again pinned
#      (load generator on CPU 0, both servers on CPU 1, with taskset);
#   2. hack/bench-peers.sh on 1k and 10k objects: check (GOMAXPROCS 1 and 2,
#      and GUARDRAIL_BEFORE if given) with istioctl analyze and the Kyverno CLI,
#      both corpora, 3 rounds;
#   3. the same on 100k objects, 1 round, each run bounded by TIMEOUT_100K;
#   4. check alone on 1M four-kind objects (GOMAXPROCS 1), and the peak RSS
#      of a one-object input, for the RSS-by-size table.
# About 30-45 minutes on a shared 2-core machine. Not part of make test.
#
# Usage: hack/bench-all.sh > run.md      (make bench-all builds bin/ first)
# Environment: GUARDRAIL_BEFORE (an earlier istio-guardrail binary measured
#   alongside), TIMEOUT_100K (default 4m), and what hack/bench.sh and
#   hack/bench-peers.sh read.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
start=$SECONDS
guardrail=${GUARDRAIL_BIN:-bin/istio-guardrail}
step() { printf '[bench-all] %s (%ds)\n' "$*" "$((SECONDS - start))" >&2; }

echo "# One run of every benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
echo
echo "\`uptime\` at start: $(uptime)"
echo
step "handler, server and CI throughput (hack/bench.sh)"
./hack/bench.sh
step "server vs the null webhook, pinned: load generator on CPU 0, servers on CPU 1"
pin=$(mktemp -d)
trap 'rm -rf "$pin"' EXIT
go build -o "$pin/nullwebhook" ./test/bench/cmd/nullwebhook
go build -o "$pin/loadrun" ./test/bench/cmd/loadrun
for b in guardrail:"$(realpath "$guardrail")" null:"$pin/nullwebhook"; do
	printf '#!/bin/sh\nexec taskset -c 1 %s "$@"\n' "${b#*:}" >"$pin/${b%%:*}"
	chmod +x "$pin/${b%%:*}"
done
echo "### Server vs the null webhook, pinned (\`taskset -c 0 loadrun\`, both servers under \`taskset -c 1\`)"
echo
taskset -c 0 "$pin/loadrun" -bin "$pin/guardrail" -null "$pin/null" -skip-ci -duration "${LOAD_DURATION:-3s}"
echo
step "peers on 1k and 10k objects"
PEERS_SIZES=1000,10000 PEERS_ROUNDS=3,3 PEERS_PROCS=1,2 PEERS_SPLIT=50000 ./hack/bench-peers.sh
step "peers on 100k objects"
PEERS_SIZES=100000 PEERS_ROUNDS=1 PEERS_PROCS=1,2 PEERS_SPLIT=50000 PEERS_TIMEOUT="${TIMEOUT_100K:-4m}" ./hack/bench-peers.sh
step "check alone on 1M objects"
ISTIOCTL=0 KYVERNO=0 GUARDRAIL_BEFORE="" PEERS_SIZES=1000000 PEERS_ROUNDS=1 PEERS_PROCS=1 PEERS_SPLIT=100000 \
	PEERS_CORPORA=four-kind PEERS_TIMEOUT=20m ./hack/bench-peers.sh

step "peak RSS of a one-object input"
one=$pin
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: one, namespace: shop}\nspec: {ports: [{port: 80}]}\n' >"$one/one.yaml"
echo "### Peak RSS of a one-object input (\`/usr/bin/time\`, max of 3 runs)"
echo
echo "| binary | peak RSS |"
echo "|---|---:|"
for b in "$guardrail" ${GUARDRAIL_BEFORE:-}; do
	peak=0
	for _ in 1 2 3; do
		/usr/bin/time -f '%M' -o "$one/rss" "$b" check -f "$one/one.yaml" >/dev/null 2>&1 || true
		kb=$(tail -1 "$one/rss")
		((kb > peak)) && peak=$kb
	done
	echo "| $b | $((peak / 1024)) MiB |"
done
echo
echo "Total: $((SECONDS - start)) s; \`uptime\` at the end: $(uptime)"
