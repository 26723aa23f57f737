package policy

// mutationRules are the validation rules that back the mutators: they report
// what a mutator refuses to guess (IGR710) and, on the final object, what a
// later webhook may have undone (IGR711).
func mutationRules() []*Rule {
	return []*Rule{ruleIGR710(), ruleIGR711()}
}
