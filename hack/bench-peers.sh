#!/usr/bin/env bash
# Runs `istio-guardrail check` side by side with its peers on generated
# corpora (test/bench/cmd/peers) and prints the Markdown tables of the
# "Peers, side by side" section of BENCHMARKS.md on stdout (progress on
# stderr). The peers: bin/istioctl (hack/build-tools.sh builds it from the
# pinned istio.io/istio) and the Kyverno CLI, built here once from the Go
# module proxy into bin/kyverno (see build_kyverno); where it cannot be
# built, the tables say why Kyverno is missing.
#
# Usage: hack/bench-peers.sh [> peers.md]    (make bench-peers builds bin/ first)
# Environment:
#   PEERS_SIZES (default 1000,10000,100000), PEERS_ROUNDS (default 3,3,1),
#   PEERS_CORPORA (default four-kind,mixed), PEERS_TIMEOUT per run (default
#   10m), PEERS_BUDGET: no run starts after this (default 60m);
#   KYVERNO_VERSION (default v1.19.1), KYVERNO_BUILD_TIMEOUT (default 15m),
#   KYVERNO=0 to leave Kyverno out; GUARDRAIL_BIN (default bin/istio-guardrail),
#   ISTIOCTL_BIN (default bin/istioctl), ISTIOCTL=0 to leave istioctl out;
#   GUARDRAIL_BEFORE: an earlier istio-guardrail binary measured alongside
#   (before vs after, alternating); PEERS_PROCS: GOMAXPROCS values for check,
#   e.g. 1,2; PEERS_SPLIT: objects per corpus file (a directory of files).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
BIN="$(pwd)/bin"
guardrail=${GUARDRAIL_BIN:-$BIN/istio-guardrail}
istioctl=${ISTIOCTL_BIN:-$BIN/istioctl}

[[ ${ISTIOCTL:-1} == 0 ]] && istioctl=""
for b in "$guardrail" $istioctl ${GUARDRAIL_BEFORE:-}; do
	if [[ ! -x $b ]]; then
		echo "hack/bench-peers.sh: $b not found; run make tools build first" >&2
		exit 2
	fi
done

step() { printf '[bench-peers] %s\n' "$*" >&2; }

# build_kyverno builds the Kyverno CLI into bin/kyverno, or sets
# kyverno_missing to why not. `go install …@version` refuses it (its go.mod
# has a replace directive), so the module is downloaded through the proxy
# and built as the main module. A build that fails is recorded in
# bin/kyverno.failed and not tried again for that version; one that runs out
# of time is not recorded: the Go build cache keeps what it compiled, and the
# next run goes on from there.
KYVERNO_VERSION=${KYVERNO_VERSION:-v1.19.1}
KYVERNO_BUILD_TIMEOUT=${KYVERNO_BUILD_TIMEOUT:-15m}
kyverno_missing=""
build_kyverno() {
	local mod=github.com/kyverno/kyverno pkg=./cmd/cli/kubectl-kyverno
	if [[ -x $BIN/kyverno && "$(cat "$BIN/kyverno.version" 2>/dev/null)" == "$KYVERNO_VERSION" ]]; then return; fi
	if [[ -f $BIN/kyverno.failed ]] && head -1 "$BIN/kyverno.failed" | grep -qx "$KYVERNO_VERSION"; then
		kyverno_missing=$(tail -1 "$BIN/kyverno.failed")
		return
	fi
	step "building the Kyverno CLI $KYVERNO_VERSION from the Go module proxy (bounded by $KYVERNO_BUILD_TIMEOUT)..."
	local src log start=$SECONDS dir rc=0
	src=$(mktemp -d) log=$(mktemp)
	dir=$(go mod download -json "$mod@$KYVERNO_VERSION" 2>"$log" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') || rc=$?
	if [[ $rc == 0 && -n $dir ]]; then
		cp -r "$dir/." "$src" && chmod -R u+w "$src"
		(cd "$src" && timeout "$KYVERNO_BUILD_TIMEOUT" env CGO_ENABLED=0 \
			go build -trimpath -ldflags "-s -w" -o "$BIN/kyverno.tmp" "$pkg") >>"$log" 2>&1 || rc=$?
	elif [[ $rc == 0 ]]; then
		rc=1
	fi
	if [[ $rc == 0 ]]; then
		mv "$BIN/kyverno.tmp" "$BIN/kyverno"
		echo "$KYVERNO_VERSION" >"$BIN/kyverno.version"
		rm -f "$BIN/kyverno.failed"
		step "built bin/kyverno in $((SECONDS - start))s"
	elif [[ $rc == 124 ]]; then
		kyverno_missing="the build of $mod/cmd/cli/kubectl-kyverno@$KYVERNO_VERSION did not finish within $KYVERNO_BUILD_TIMEOUT (KYVERNO_BUILD_TIMEOUT; the next run goes on from the Go build cache)"
	else
		kyverno_missing="the build of $mod/cmd/cli/kubectl-kyverno@$KYVERNO_VERSION failed: $(grep -v '^go: downloading' "$log" | tail -3 | tr '\n' ' ')"
		printf '%s\n%s\n' "$KYVERNO_VERSION" "$kyverno_missing" >"$BIN/kyverno.failed"
	fi
	[[ -z $kyverno_missing ]] || step "Kyverno not measured: $kyverno_missing"
	rm -rf "$src" "$log" "$BIN/kyverno.tmp"
}

kyverno_args=()
if [[ ${KYVERNO:-1} == 0 ]]; then
	kyverno_args=(-kyverno-missing "left out (KYVERNO=0)")
else
	build_kyverno
	if [[ -z $kyverno_missing ]]; then
		kyverno_args=(-kyverno "$BIN/kyverno")
	else
		kyverno_args=(-kyverno-missing "$kyverno_missing")
	fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/peers" ./test/bench/cmd/peers

echo "### Run: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
echo
echo "\`uptime\` at start: $(uptime)"
echo
echo "check: $("$guardrail" version); istioctl: $([[ -n $istioctl ]] && echo "built from istio.io/istio $(go version -m "$istioctl" | awk '$1 == "mod" && $2 == "istio.io/istio" {print $3}')" || echo "not measured"); Kyverno CLI: $([[ ${kyverno_args[0]} == -kyverno ]] && echo "$KYVERNO_VERSION" || echo "not measured")."
echo
"$tmp/peers" -guardrail "$guardrail" -istioctl "$istioctl" "${kyverno_args[@]}" \
	-before "${GUARDRAIL_BEFORE:-}" -procs "${PEERS_PROCS:-}" -split "${PEERS_SPLIT:-0}" \
	-sizes "${PEERS_SIZES:-1000,10000,100000}" -rounds "${PEERS_ROUNDS:-3,3,1}" \
	-corpora "${PEERS_CORPORA:-four-kind,mixed}" \
	-timeout "${PEERS_TIMEOUT:-10m}" -budget "${PEERS_BUDGET:-60m}"
