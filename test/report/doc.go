// Package report validates what `istio-guardrail check` writes against the
// formats' own schemas and validators: SARIF 2.1.0 (its JSON schema and
// Microsoft's SARIF Multitool with the GitHub rules), the JSON report's
// schema in docs/, and Maven Surefire's JUnit XML.
package report
