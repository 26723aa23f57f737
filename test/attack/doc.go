// Package attack holds the guardrail's own attack suite (issue 10): each
// test starts the real handlers (and, where it concerns capacity, the real
// TLS server: in-process, or as the chart runs it in a process of its own
// with hostile clients in another) on loopback, plays a hostile client
// bounded in count and time, and asserts the fixed behaviour: stalled,
// slow-header and trickling clients do not starve real reviews (p99 under
// 1 s) nor take the server past the chart's memory limit, one source cannot
// take the capacity from another, client-chosen values add no metric series,
// warnings are capped, a tenant's exemption annotation does nothing unless
// an administrator allows it, and handler-side failures are HTTP 5xx.
// Loopback addresses 127.0.0.2-4 stand for hostile pods, 127.0.0.1 for the
// API server.
package attack
