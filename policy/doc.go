// Package policy is the istio-guardrail engine: the rule catalogue (validation,
// IGR0xx-IGR7xx) and the mutators (IGR9xx), evaluated over already-decoded
// objects. It is pure and deterministic: no I/O, no clock, no randomness and no
// mutable package state. The CLI and the admission webhooks both call Engine, so
// a verdict in CI and at admission can never differ.
package policy
