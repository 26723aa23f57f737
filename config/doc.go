// Package config decodes the GuardrailConfig document (apiVersion
// istio-guardrail.io/v1alpha1) strictly into typed structs and from them into
// policy.Settings: every unknown key, value of the wrong type or invalid
// setting is reported at once, with its line and field path. From the same
// types it renders the built-in defaults as commented YAML and the chart's
// config values schema; it also watches a mounted file for hot reload.
package config
