// Package e2e is the end-to-end suite: one real etcd + kube-apiserver per
// `go test` run (TestMain), the real istio-guardrail serve binary registered
// as validating and mutating webhook, and every assertion made through the
// real kubectl binary. Binaries come from KUBEBUILDER_ASSETS or bin/ (make
// tools && make build); when one is missing the suite fails, it never skips.
package e2e
