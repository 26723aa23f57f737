// Package load is a small loopback load generator for the admission webhook
// benchmarks: keep-alive HTTP/1.1 over TLS (as the API server calls webhooks),
// closed-loop at a fixed concurrency or open-loop at a fixed rate, bounded in
// time and request count, reporting throughput, latency percentiles and the
// server process's CPU time per request.
package load
