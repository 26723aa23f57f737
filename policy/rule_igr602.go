package policy

import (
	"strings"
)

func ruleIGR602() *Rule {
	return &Rule{
		ID:    "IGR602",
		Title: "istiod without cpu and memory requests and limits",
		Description: "Without requests, istiod is scheduled onto nodes that cannot hold its working set (it keeps the " +
			"whole mesh's configuration in memory) and is the first to be evicted under pressure; without limits, a " +
			"configuration storm can starve its node. Settings are merged over the chart defaults as Helm does " +
			"(the istiod chart requests 500m and 2048Mi and sets no limits; `null` removes a default). " +
			"A limit without a request counts as both, since Kubernetes defaults the request to the limit. " +
			"Sources: IstioOperator `spec.components.pilot.k8s.resources` (or `spec.values.pilot.resources`), " +
			"istiod chart values `pilot.resources` (or `resources`), and the `discovery` container of a rendered istiod Deployment.",
		Remediation:   "set istiod cpu and memory requests and limits (for example requests 500m/2Gi, limits 2/4Gi)",
		Istio:         "istiod chart defaults: requests 500m/2048Mi, no limits; `null` removes a default (Helm merge).",
		Targets:       []Kind{KindIstioOperator, KindIstiodValues, KindDeployment},
		DefaultAction: ActionDeny,
		CELGap:        celCharts,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			cp, ok := controlPlaneOf(obj)
			if !ok || cp.Istiod == nil {
				return nil
			}
			return cpCheckResources(cp.Istiod.Resources, cp.Istiod.Defaults.Resources)
		},
	}
}

// cpResourceSections are the parts of corev1.ResourceRequirements the rules require.
func cpResourceSections() []string { return []string{"requests", "limits"} }

// cpResourcesSet returns the "requests.cpu"-style keys that end up set once n
// is merged over defaults: absent keys keep the default, null removes it.
func cpResourcesSet(n cpNode, defaults []string) map[string]bool {
	have := map[string]bool{}
	if !n.isNull() {
		for _, k := range defaults {
			have[k] = true
		}
	}
	for _, section := range cpResourceSections() {
		s := n.get(section)
		for _, name := range []string{"cpu", "memory"} {
			r := s.get(name)
			key := section + "." + name
			switch {
			case s.isNull() || r.isNull():
				delete(have, key)
			case r.set:
				v, isStr := r.str()
				have[key] = !isStr || strings.TrimSpace(v) != ""
			}
		}
	}
	for _, name := range []string{"cpu", "memory"} {
		if have["limits."+name] {
			have["requests."+name] = true // Kubernetes defaults a missing request to the limit
		}
	}
	return have
}

// cpCheckResources reports each of requests and limits that lacks cpu or memory.
func cpCheckResources(n cpNode, defaults []string) []Violation {
	have := cpResourcesSet(n, defaults)
	var out []Violation
	for _, section := range cpResourceSections() {
		var missing []string
		for _, name := range []string{"cpu", "memory"} {
			if !have[section+"."+name] {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			at := n.path.Child(section)
			out = append(out, Required(at, "must set "+strings.Join(missing, " and ")).
				WithFix("set "+at.String()+" cpu and memory"))
		}
	}
	return out
}
