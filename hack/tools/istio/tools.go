//go:build tools

// Package tools pins the istio.io/istio revision whose pilot-discovery (istiod)
// the end-to-end suite and the demo build from the Go module proxy (see
// hack/build-tools.sh) and whose charts the tests render (hack/istio-src.sh).
package tools

import _ "istio.io/istio/pilot/cmd/pilot-discovery"
