package framework

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// meshAPIRules are the validating rules for the kinds beyond the core Istio
// security and networking APIs, in the order of the chart's template; their
// CRDs may be absent.
func meshAPIRules(ops []admissionregistrationv1.OperationType) []admissionregistrationv1.RuleWithOperations {
	return []admissionregistrationv1.RuleWithOperations{
		rule(ops, "gateway.networking.k8s.io", "gateways", "listenersets", "referencegrants"),
		rule(ops, "telemetry.istio.io", "telemetries"),
		rule(ops, "extensions.istio.io", "wasmplugins"),
	}
}

// ambientSelector selects ambient namespaces (istio.io/dataplane-mode=ambient)
// with the exclusions by name, as the chart's ambient entry.
func ambientSelector(own string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "istio.io/dataplane-mode", Operator: metav1.LabelSelectorOpIn, Values: []string{"ambient"}},
		namespaceSelector(own).MatchExpressions[0]}}
}
