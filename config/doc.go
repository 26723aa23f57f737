// Package config decodes the GuardrailConfig document (apiVersion
// istio-guardrail.io/v1alpha1) strictly into policy.Settings: an unknown key,
// a value of the wrong type or a setting the engine rejects is an error that
// names the key and its line. It also renders the built-in defaults as
// commented YAML and watches a mounted file for hot reload.
package config
