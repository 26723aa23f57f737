#!/usr/bin/env bash
# make demo / make demo-down: a local control plane (etcd + kube-apiserver)
# with istio-guardrail serve enforcing, all under .demo/ (git-ignored).
# `make demo` has already built the tools and bin/istio-guardrail; the
# start-up logic is the end-to-end suite's framework (test/e2e/cmd/democluster).
set -euo pipefail
cd "$(dirname "$0")/.."
# Build with go.mod's toolchain (a patched Go release; see the README) also
# where `go env GOTOOLCHAIN` is "local".
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
export KUBEBUILDER_ASSETS="${KUBEBUILDER_ASSETS:-$(pwd)/bin}"

case "${1:-}" in
  up|down) exec go run ./test/e2e/cmd/democluster "$1" --dir .demo ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
