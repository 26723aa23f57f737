// Package testpki is the one test PKI of the repository: an in-memory ECDSA
// P-256 CA that issues serving and client leaves (with chosen SANs, groups
// and validity) and writes them as files. It generates, signs, encodes and
// decodes with cert-manager's pki package, as package certs does for the
// production certificates; it cannot import certs itself, whose own tests
// use it. It is for tests, the e2e framework and benchmarks only; the API
// server of the e2e cluster gets its certificates from envtest.
package testpki
