#!/usr/bin/env bash
# Runs the benchmarks behind BENCHMARKS.md and prints its result tables as
# Markdown on stdout (raw `go test -bench` output goes to stderr):
#   1. Go benchmarks of test/bench (handler vs floor, scaling, check pipeline),
#      -count BENCH_COUNT (default 3), medians taken by cmd/benchtable;
#   2. cmd/loadrun: bin/istio-guardrail serve against cmd/nullwebhook over
#      loopback HTTPS, and `check` over a generated 10,000-object corpus.
# Everything is bounded: about 4-6 minutes on a shared 2-core machine.
#
# Usage: hack/bench.sh [> results.md]
# Environment: BENCH_COUNT, BENCH_TIME (go test -benchtime, default 0.5s),
#   LOAD_DURATION (per load cell, default 3s), GUARDRAIL_BIN (default bin/istio-guardrail).
set -euo pipefail
cd "$(dirname "$0")/.."
# Build with go.mod's toolchain (a patched Go release; see the README) also
# where `go env GOTOOLCHAIN` is "local".
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

count=${BENCH_COUNT:-3}
benchtime=${BENCH_TIME:-0.5s}
duration=${LOAD_DURATION:-3s}
bin=${GUARDRAIL_BIN:-bin/istio-guardrail}

if [[ ! -x $bin ]]; then
	echo "hack/bench.sh: $bin not found; run make build first" >&2
	exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/nullwebhook" ./test/bench/cmd/nullwebhook
go build -o "$tmp/loadrun" ./test/bench/cmd/loadrun
go build -o "$tmp/benchtable" ./test/bench/cmd/benchtable

echo "## Results: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
echo
echo "Reproduce: \`make build && hack/bench.sh\` (BENCH_COUNT=$count BENCH_TIME=$benchtime LOAD_DURATION=$duration)."
echo

# The Go benchmarks: raw output to stderr and a file, tables to stdout.
go test -run '^$' -bench . -benchmem -count "$count" -benchtime "$benchtime" -timeout 20m ./test/bench/ \
	| tee "$tmp/bench.txt" >&2
"$tmp/benchtable" < "$tmp/bench.txt"

# The processes: real server vs null webhook, then check.
"$tmp/loadrun" -bin "$bin" -null "$tmp/nullwebhook" -duration "$duration"
