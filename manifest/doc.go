// Package manifest decodes Kubernetes and Istio manifests (multi-document
// YAML, JSON, `kind: List`, Helm values) into policy.Objects, once, with the
// positions the CLI needs to point at a field. Decoding is pure: only
// files.go touches the file system, to expand the paths given on the command
// line; Stream and Map decode from a reader one "---" part at a time, so
// that memory does not grow with the input. Malformed input is an error
// naming the file and line, never a panic.
package manifest
