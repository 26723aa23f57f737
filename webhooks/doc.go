// Package webhooks adapts admission requests to the policy engine and back:
// AdmissionReview bytes -> policy.Object -> policy.Engine -> AdmissionResponse
// (denial message, warnings, JSON patch). It holds no rule logic.
//
// Endpoints served by Server:
//
//	POST /validate  validating webhook (every kind; deny/warn/audit)
//	POST /mutate    mutating webhook (never denies)
//	GET  /healthz   liveness, on the plain-HTTP health address
//	GET  /readyz    readiness: certificate, config and namespace cache ready, not shutting down
//	GET  /metrics   Prometheus, on the plain-HTTP metrics address
//
// Validation ratchets on UPDATE when nothing beyond metadata and status
// changes: the old object is evaluated with the same engine and context,
// and only deny findings it did not have (compared by rule, field and
// message) deny the update; the ones it had become warnings prefixed
// "pre-existing: ", so objects admitted before the guardrail was installed
// or a rule was tightened can still be labelled, annotated and have their
// finalizers changed, but no update can add a violation. An update that
// changes the spec gets the full verdict (matching findings by path cannot
// tell a widened violation from the old one). An UPDATE of an object being deleted
// (metadata.deletionTimestamp set) that changes only metadata, such as a
// finalizer removal, is allowed without evaluation and with a warning, so
// nothing hangs in Terminating. Both are logged and counted with the
// decisions "allowed-preexisting" and "allowed-terminating".
//
// A denial is only ever a rule's verdict: every handler-side failure (no
// configuration yet, a request that cannot be evaluated, a panic, a failed
// mutator) is answered HTTP 4xx/5xx, so each webhook's failurePolicy
// decides. Values the client chooses are bounded before they reach a metric
// label, the log or the response (bounds.go).
//
// Memory is bounded under concurrency: besides the per-request body cap,
// the request bytes read and handled at once by both endpoints are capped
// (ServerOptions.MaxInflightBytes, by default four maximum-size bodies),
// reserved as they arrive rather than as declared; connections are capped
// (MaxConnections) and a declared body must start within BodyStartTimeout. A
// request that finds no room within a short wait is answered 429 with
// Retry-After; the API server counts that as a failed call, so the
// webhook's failurePolicy decides.
//
// The HTTP layer is our own http.Server around controller-runtime's
// admission.Webhook (for its panic recovery that echoes the request UID and
// its response completion) rather than controller-runtime's webhook.Server,
// because we need a configurable body cap, read/write timeouts, a
// readiness-first graceful shutdown and a v1-only AdmissionReview contract,
// none of which webhook.Server exposes.
package webhooks
