// Package report renders the results of `istio-guardrail check` (text, JSON,
// SARIF 2.1.0, JUnit XML) and the rule catalogue (text, Markdown, JSON).
// Output is deterministic: findings are sorted and maps are never ranged in
// output order.
package report
