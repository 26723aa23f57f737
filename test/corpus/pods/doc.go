// Package pods is a corpus of real-world Pod and workload manifests written
// down from upstream Kubernetes and Istio samples (including pods already
// processed by Istio's injector). Its tests run `istio-guardrail mutate` over
// every file: it must succeed, its output must decode strictly and be accepted
// by a real kube-apiserver, and a second run must change nothing.
package pods
