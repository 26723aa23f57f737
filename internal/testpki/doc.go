// Package testpki is the one test PKI of the repository: an in-memory ECDSA
// P-256 CA that issues serving and client leaves (with chosen SANs, groups
// and validity) and writes them as files. It imports only the standard
// library, so the tests of any package (certs included) and the e2e
// framework can use it without an import cycle. It is for tests and
// benchmarks only; production certificates come from package certs.
package testpki
