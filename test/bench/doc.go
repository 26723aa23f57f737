// Package bench holds the performance benchmarks of istio-guardrail and the
// realistic inputs they share with the load runner: one AdmissionReview per
// kind (testdata/, embedded), synthetic objects that grow along one
// dimension, and a generator of large multi-kind corpora for `check`.
//
// The Go benchmarks measure every headline as a ratio against a floor taken
// in the same run; cmd/benchtable turns their output into the tables of
// BENCHMARKS.md and cmd/loadrun measures the real server process against a
// null webhook on the same stack. hack/bench.sh runs all of it.
package bench
