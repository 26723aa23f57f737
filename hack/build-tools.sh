#!/usr/bin/env bash
# Builds the real components the test suites and the demo run against (etcd,
# kube-apiserver, kube-controller-manager, kubectl, istiod's pilot-discovery,
# helm), from the Go module proxy, into bin/ (git-ignored). Each binary is
# built once; later runs reuse it. Versions are pinned in hack/tools/*/go.mod
# and below.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(pwd)/bin"
mkdir -p "$BIN"
K8S_VERSION=v1.37.2
HELM_VERSION=v3.22.0

step() { printf '[build-tools] %s\n' "$*" >&2; }

build() { # name, dir, package, ldflags
  local name=$1 dir=$2 pkg=$3 ldflags=${4:-}
  if [[ -x "$BIN/$name" ]]; then return; fi
  step "building $name from the Go module proxy (first run only; kube-apiserver and pilot-discovery take 15-20 min each on 2 busy cores)..."
  local start=$SECONDS
  # A background ticker so a long cold build still shows progress.
  ( while sleep 30; do step "  ...still building $name ($((SECONDS - start))s)"; done ) &
  local ticker=$!
  trap 'kill $ticker 2>/dev/null || true' RETURN
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$BIN/$name.tmp" "$pkg")
  mv "$BIN/$name.tmp" "$BIN/$name"
  step "built $name in $((SECONDS - start))s"
}

VERSION_LDFLAGS="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37"
build etcd hack/tools/etcd .
build kube-apiserver hack/tools/k8s k8s.io/kubernetes/cmd/kube-apiserver "$VERSION_LDFLAGS"
# Shares most packages (and so the build cache) with kube-apiserver.
build kube-controller-manager hack/tools/k8s k8s.io/kubernetes/cmd/kube-controller-manager "$VERSION_LDFLAGS"
build kubectl hack/tools/k8s k8s.io/kubernetes/cmd/kubectl "$VERSION_LDFLAGS"
# istiod, from the istio.io/istio revision pinned in hack/tools/istio/go.mod
# (the module whose charts the tests render), stamped with the module's own
# VERSION file (the release line it was cut from) plus "-dev".
if [[ ! -x "$BIN/pilot-discovery" ]]; then
  ISTIO_SRC="$(./hack/istio-src.sh)"
  ISTIO_LDFLAGS="-X istio.io/istio/pkg/version.buildVersion=$(tr -d '[:space:]' <"$ISTIO_SRC/VERSION")-dev"
  build pilot-discovery hack/tools/istio istio.io/istio/pilot/cmd/pilot-discovery "$ISTIO_LDFLAGS"
fi
# istioctl, for the IstioOperator render-parity suite (istioctl manifest generate).
build istioctl hack/tools/istio istio.io/istio/istioctl/cmd/istioctl
if [[ ! -x "$BIN/helm" ]]; then
  step "installing helm $HELM_VERSION..."
  GOBIN="$BIN" CGO_ENABLED=0 go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi
step "tools ready in $BIN"
