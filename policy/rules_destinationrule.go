package policy

// destinationRuleRules returns the rules of this group, in ID order.
func destinationRuleRules() []*Rule {
	return []*Rule{}
}
