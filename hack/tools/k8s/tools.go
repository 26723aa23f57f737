//go:build tools

// Package tools pins the Kubernetes release whose kube-apiserver and kubectl
// the end-to-end suite builds from the Go module proxy (see hack/build-tools.sh).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
