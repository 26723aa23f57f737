#!/usr/bin/env bash
# Downloads just the istio.io/istio module pinned in hack/tools/istio/go.mod
# (not its build list) from the Go module proxy into the module cache and prints
# the module directory on stdout. Progress goes to stderr. Used for its files
# (manifests/charts/istio-control/istio-discovery, manifests/charts/gateway, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
GOMOD="$(pwd)/hack/tools/istio/go.mod"

step() { printf '[istio-src] %s\n' "$*" >&2; }

# The version is read from go.mod (single-line or block require).
VERSION="$(awk '
  $1 == "require" && $2 == "istio.io/istio" { print $3; exit }
  $1 == "require" && $2 == "(" { inblock = 1; next }
  inblock && $1 == ")" { inblock = 0; next }
  inblock && $1 == "istio.io/istio" { print $2; exit }
' "$GOMOD")"
if [[ -z "$VERSION" ]]; then
  step "no istio.io/istio requirement in $GOMOD"
  exit 1
fi

# Run outside any module (and workspace) so `go mod download` fetches only the
# named module@version, never the whole build list, and touches no go.sum.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
step "downloading istio.io/istio@$VERSION (cached after the first run)..."
start=$SECONDS
json="$(cd "$tmp" && GO111MODULE=on GOWORK=off GOFLAGS= go mod download -json "istio.io/istio@$VERSION")" || {
  printf '%s\n' "$json" >&2
  step "download failed"
  exit 1
}
dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
if [[ -z "$dir" || ! -d "$dir" ]]; then
  printf '%s\n' "$json" >&2
  step "no module directory in the go mod download output"
  exit 1
fi
step "istio.io/istio@$VERSION ready in $((SECONDS - start))s"
printf '%s\n' "$dir"
