// Package check holds the end-to-end golden tests of `istio-guardrail
// check`: the built binary runs over every input in testdata/cases and its
// text and JSON output must match testdata/golden (UPDATE_GOLDEN=1 rewrites
// them; a golden file without an input fails). It also runs check over the
// real-world Istio samples in test/corpus/istio-samples.
package check
