package policy

// controlPlaneRules returns the rules of this group, in ID order.
func controlPlaneRules() []*Rule {
	return []*Rule{}
}
