package policy

// mutatorCatalogue returns the mutators in application order.
func mutatorCatalogue() []*Mutator {
	return []*Mutator{}
}
