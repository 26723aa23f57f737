package policy

// Catalogue returns every validation rule, in ID order. It builds a fresh
// slice on each call, so callers may not change the engine by mutating it.
// Each group lives in its own files; see docs/rules.md for the rendered list.
func Catalogue() []*Rule {
	var all []*Rule
	for _, group := range [][]*Rule{
		metaRules(),
		securityRules(),
		destinationRuleRules(),
		gatewayRules(),
		gatewayAPIRules(),
		authorizationRules(),
		ambientAuthorizationRules(),
		sidecarRules(),
		serviceEntryRules(),
		controlPlaneRules(),
		telemetryRules(),
		proxyConfigRules(),
		workloadRules(),
		extensionRules(),
		mutationRules(),
		meshPodRules(),
		crossObjectRules(),
	} {
		all = append(all, group...)
	}
	return all
}

// Mutators returns every mutator, in the fixed order they are applied.
func Mutators() []*Mutator {
	return mutatorCatalogue()
}
