package policy

// Catalogue returns every validation rule, in ID order: the one list a new
// rule is added to. It builds a fresh slice on each call, so callers may not
// change the engine by mutating it. docs/rules.md renders it.
func Catalogue() []*Rule {
	return []*Rule{
		ruleIGR001(), ruleIGR002(), ruleIGR101(), ruleIGR102(), ruleIGR103(), ruleIGR201(),
		ruleIGR202(), ruleIGR203(), ruleIGR204(), ruleIGR301(), ruleIGR302(), ruleIGR303(),
		ruleIGR304(), ruleIGR305(), ruleIGR306(), ruleIGR307(), ruleIGR308(), ruleIGR309(),
		ruleIGR310(), ruleIGR311(), ruleIGR312(), ruleIGR401(), ruleIGR402(), ruleIGR403(),
		ruleIGR404(), ruleIGR405(), ruleIGR406(), ruleIGR501(), ruleIGR502(), ruleIGR503(),
		ruleIGR504(), ruleIGR601(), ruleIGR602(), ruleIGR603(), ruleIGR604(), ruleIGR605(),
		ruleIGR606(), ruleIGR607(), ruleIGR608(), ruleIGR609(), ruleIGR610(), ruleIGR611(),
		ruleIGR612(), ruleIGR613(), ruleIGR614(), ruleIGR615(), ruleIGR616(), ruleIGR701(),
		ruleIGR702(), ruleIGR703(), ruleIGR704(), ruleIGR705(), ruleIGR706(), ruleIGR707(),
		ruleIGR708(), ruleIGR709(), ruleIGR710(), ruleIGR711(), ruleIGR712(), ruleIGR713(),
		ruleIGR801(), ruleIGR802(), ruleIGR803(), ruleIGR804(), ruleIGR805(), ruleIGR806(),
		ruleIGR807(), ruleIGR808(), ruleIGR809(), ruleIGR810(), ruleIGR811(),
	}
}

// Mutators returns every mutator, in the fixed order they are applied.
func Mutators() []*Mutator {
	return mutatorCatalogue()
}
