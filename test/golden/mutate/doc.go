// Package mutate holds the golden tests of the mutation engine: every input
// in testdata is mutated through the istio-guardrail CLI (compared as text)
// and through the mutating webhook handler (JSON patch applied to the raw
// request object, compared as objects), and mutating the output again must
// change nothing on both paths.
package mutate
