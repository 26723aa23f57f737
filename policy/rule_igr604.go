package policy

func ruleIGR604() *Rule {
	return &Rule{
		ID:    "IGR604",
		Title: "istiod replicas not spread across nodes",
		Description: "Replicas only protect istiod if they do not share a node: without pod anti-affinity or a topology " +
			"spread constraint, the scheduler may place all of them on one node, and one node failure takes the " +
			"control plane down. Either kind (required or preferred anti-affinity, or a topology spread constraint) " +
			"counts when its topology key is one of the `topologyKeys` parameter. " +
			"Sources: IstioOperator `spec.components.pilot.k8s.affinity` (or `topologySpreadConstraints`, or " +
			"`spec.values.pilot.*`), istiod chart values `pilot.affinity` / `pilot.topologySpreadConstraints` (or top level), " +
			"and the pod template of a rendered istiod Deployment.",
		Remediation:   "add a podAntiAffinity (preferred is enough) or a topologySpreadConstraint on kubernetes.io/hostname for istiod",
		Istio:         "istiod chart: `affinity` and `topologySpreadConstraints` are copied into the pod template as given (no defaults).",
		Targets:       []Kind{KindIstioOperator, KindIstiodValues, KindDeployment},
		DefaultAction: ActionDeny,
		CELGap:        celCharts,
		Params:        ParamsOf(defaultTopologyKeys()),
		Check: checkWith(func(_ *Context, obj *Object, p *TopologyKeysParams) []Violation {
			cp, ok := controlPlaneOf(obj)
			if !ok || cp.Istiod == nil {
				return nil
			}
			return cpCheckSpread(cp.Istiod, p.TopologyKeys)
		}),
	}
}

// TopologyKeysParams are the topology keys that count as spreading replicas.
type TopologyKeysParams struct {
	TopologyKeys []string `yaml:"topologyKeys" desc:"topology keys of anti-affinity terms or spread constraints that count as spreading replicas"`
}

func defaultTopologyKeys() TopologyKeysParams {
	return TopologyKeysParams{TopologyKeys: []string{"kubernetes.io/hostname", "topology.kubernetes.io/zone"}}
}

// cpCheckSpread reports a component with neither anti-affinity nor a spread
// constraint over one of keys.
func cpCheckSpread(c *cpComponent, keys []string) []Violation {
	if cpSpreads(c, keys) {
		return nil
	}
	at := c.Affinity.path.Child("podAntiAffinity")
	return []Violation{Required(at, "must spread replicas across nodes (or set topologySpreadConstraints)").
		WithFix("add a kubernetes.io/hostname term to " + at.String() + " (preferred is enough)")}
}

// cpSpreads reports whether any anti-affinity term or spread constraint uses one of keys.
func cpSpreads(c *cpComponent, keys []string) bool {
	aa := c.Affinity.get("podAntiAffinity")
	var terms []cpNode
	req := aa.get("requiredDuringSchedulingIgnoredDuringExecution")
	for i := range req.list() {
		terms = append(terms, req.at(i))
	}
	pref := aa.get("preferredDuringSchedulingIgnoredDuringExecution")
	for i := range pref.list() {
		terms = append(terms, pref.at(i).get("podAffinityTerm"))
	}
	for i := range c.Spread.list() {
		terms = append(terms, c.Spread.at(i))
	}
	for _, t := range terms {
		k, _ := t.get("topologyKey").str()
		for _, want := range keys {
			if k == want {
				return true
			}
		}
	}
	return false
}
