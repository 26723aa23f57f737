// Package attack holds the guardrail's own attack suite (issue 10): each
// test starts the real handlers (and, where it concerns capacity, the real
// TLS server) in-process on loopback, plays a hostile client bounded in
// count and time, and asserts the fixed behaviour: stalled and slow clients
// do not starve real reviews, client-chosen values add no metric series,
// warnings are capped, a tenant's exemption annotation does nothing unless
// an administrator allows it, and handler-side failures are HTTP 5xx.
package attack
