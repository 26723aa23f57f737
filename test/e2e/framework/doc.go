// Package framework runs a real, throw-away Kubernetes control plane on
// loopback for the end-to-end suite and the demo: etcd and kube-apiserver
// started by controller-runtime's envtest, a kubeconfig with a
// system:masters client certificate (envtest's admin user), the Istio
// and cert-manager CRDs, the real kubectl, the istio-guardrail serve process,
// and the webhook configurations the Helm chart ships (see
// WebhookConfigurations). Binaries come from KUBEBUILDER_ASSETS or the
// repository's bin/ (make tools); a missing binary is an error, never a skip.
package framework
