package policy

import "istio.io/api/label"

// ambientAuthorizationRules returns the ambient AuthorizationPolicy rule
// (IGR406), next to the other AuthorizationPolicy rules.
func ambientAuthorizationRules() []*Rule {
	return []*Rule{ruleIGR406()}
}

// meshPodRules returns the rules on pods of ambient and mesh namespaces
// (IGR712-IGR713), after the sidecar resource rules.
func meshPodRules() []*Rule {
	return []*Rule{ruleIGR712(), ruleIGR713()}
}

// dataplaneModeNone is the istio.io/dataplane-mode value that opts a pod out
// of ambient.
const dataplaneModeNone = "none"

// namespaceAmbient reports whether a namespace's labels enrol it in ambient
// mode, as the istio-cni chart's default enablementSelectors select it.
func namespaceAmbient(labels map[string]string) bool {
	return labels[label.IoIstioDataplaneMode.Name] == dataplaneModeAmbient
}
