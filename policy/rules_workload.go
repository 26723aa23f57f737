package policy

// workloadRules returns the rules of this group, in ID order: injection and
// mesh-bypass settings of namespaces and pods (IGR701-IGR703), EnvoyFilters,
// VirtualService resilience and cert-manager Certificates (IGR704-IGR706).
func workloadRules() []*Rule {
	return []*Rule{ruleIGR701(), ruleIGR702(), ruleIGR703(), ruleIGR704(), ruleIGR705(), ruleIGR706()}
}
