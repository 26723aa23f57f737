//go:build tools

// Package tools pins istioctl (built into bin/ by hack/build-tools.sh) at the
// istio.io/istio version of hack/tools/istio/go.mod: the render-parity suite
// compares the IstioOperator verdicts with `istioctl manifest generate`.
package tools

import _ "istio.io/istio/istioctl/cmd/istioctl"
