// Package chart tests the Helm chart charts/istio-guardrail and the
// Dockerfile with the real bin/helm: lint, schema, and the rendered objects of
// every install mode decoded into typed Kubernetes structs.
package chart
