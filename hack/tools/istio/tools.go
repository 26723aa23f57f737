//go:build tools

// Package tools pins the istio.io/istio revision whose pilot-discovery
// (istiod, for the end-to-end suite and the demo) and istioctl (the oracle of
// the IstioOperator render-parity suite) hack/build-tools.sh builds from the
// Go module proxy, and whose charts the tests render (hack/istio-src.sh).
package tools

import (
	_ "istio.io/istio/istioctl/cmd/istioctl"
	_ "istio.io/istio/pilot/cmd/pilot-discovery"
)
