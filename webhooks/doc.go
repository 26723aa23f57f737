// Package webhooks adapts admission requests to the policy engine and back:
// AdmissionReview bytes -> policy.Object -> policy.Engine -> AdmissionResponse
// (denial message, warnings, JSON patch). It holds no rule logic.
//
// Endpoints served by Server:
//
//	POST /validate  validating webhook (every kind; deny/warn/audit)
//	POST /mutate    mutating webhook (fails open; never denies)
//	GET  /healthz   liveness, on the plain-HTTP health address
//	GET  /readyz    readiness: certificate, config and namespace cache ready, not shutting down
//	GET  /metrics   Prometheus, on the plain-HTTP metrics address
//
// The HTTP layer is our own http.Server around controller-runtime's
// admission.Webhook (for its panic recovery that echoes the request UID and
// its response completion) rather than controller-runtime's webhook.Server,
// because we need a configurable body cap, read/write timeouts, a
// readiness-first graceful shutdown and a v1-only AdmissionReview contract,
// none of which webhook.Server exposes.
package webhooks
