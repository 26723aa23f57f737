package policy

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR811 judges the Deployment, HPA and PDB istiod renders for a
// Gateway API gateway or waypoint, with the ConfigMaps it renders them from.
func ruleIGR811() *Rule {
	return &Rule{
		ID:    "IGR811",
		Title: "Istio-deployed gateway or waypoint not highly available",
		Description: "Cross-object rule. istiod deploys each Gateway of its classes itself (`istio`: ingress; " +
			"`istio-waypoint`: an ambient waypoint, which carries all L7 traffic of the workloads that use it; " +
			"`istio-east-west`) from a template that sets no replicas, no anti-affinity or spread, and no HPA or PDB " +
			"unless an overlay asks for one. The overlays are ConfigMap keys (`deployment`, `horizontalPodAutoscaler`, " +
			"`podDisruptionBudget`, strategic merge patches) of the ConfigMap labelled " +
			"`gateway.istio.io/defaults-for-class: <class>` in istiod's namespace (`istiodNamespace`, default istio-system), then of the ConfigMap the Gateway names in " +
			"`spec.infrastructure.parametersRef`. The rule renders the Deployment, HPA and PDB as istiod does and " +
			"requires, like IGR605 for ingress gateways: at least `minReplicas` (2) replicas (HPA `minReplicas`, default 1, else " +
			"Deployment `replicas`, default 1; an HPA overlay that raises `minReplicas` above the template's " +
			"`maxReplicas: 1` is rejected by the API server), a PDB keeping 2 (`minAvailable >= 2` or " +
			"`maxUnavailable <= 1`), pod anti-affinity or a topology spread constraint over a node or zone key, and " +
			"cpu and memory requests and limits on the proxy (Istio's defaults count). A ConfigMap key that is not an " +
			"overlay, or a parametersRef to a missing ConfigMap or another kind, makes istiod deploy nothing: reported too. " +
			"Each finding is on the Gateway and names the ConfigMap key to set. In `check`, whose input is part of a " +
			"cluster, a Gateway is judged when the input holds the class defaults ConfigMap or its parametersRef " +
			"ConfigMap (all it names), and the findings are warnings unless the input holds the class defaults " +
			"(which may set what the Gateway's own ConfigMap lacks). The template itself takes istiod's values: for " +
			"`istio-waypoint` and `istio-east-west`, `global.waypoint.affinity`, `topologySpreadConstraints` and " +
			"`resources`; for `istio`, `global.proxy.resources`. They are read from the `values` key of the ConfigMap " +
			"`istio-sidecar-injector` (`istio-sidecar-injector-<revision>` for a revisioned istiod) in istiod's namespace, of " +
			"the revision that deploys the Gateway (its `istio.io/rev` label, else its namespace's, through revision " +
			"tags, else the default tag or revision). When the input does not hold that ConfigMap, the chart's " +
			"defaults are assumed (proxy resources set, no affinity or spread) and a waypoint's missing spread is only " +
			"a warning.",
		Remediation: "set the overlays in the ConfigMap of spec.infrastructure.parametersRef (or the class defaults ConfigMap)",
		Istio: "pilot/pkg/config/kube/gatewaycommon/deploymentcontroller.go (1.31 line): render, applyOverlay " +
			"(supportedOverlays; horizontalPodAutoscaler and podDisruptionBudget rendered only when an overlay sets them), " +
			"fetchParameters (a ConfigMap of the Gateway's namespace), class defaults: the oldest ConfigMap labelled " +
			"gateway.istio.io/defaults-for-class in istiod's namespace; IsManaged (Gateways with spec.addresses other " +
			"than one IP are not deployed); templates kube-gateway.yaml and waypoint.yaml of istio-discovery, rendered with " +
			"the injector's values (pilot/pkg/bootstrap/sidecarinjector.go getInjectorConfigMapName, " +
			"pkg/kube/inject/watcher.go readConfigMap); the Gateway's istiod: pkg/revisions/tag_watcher.go IsMine.",
		Targets:       []Kind{KindGatewayAPIGateway},
		DefaultAction: ActionDeny,
		CELGap:        celCluster,
		Cluster:       clusterWith(checkIGR811),
		Params:        ParamsOf(IGR811Params{MinReplicas: 2, IstiodNamespace: "istio-system", GatewayClassesParams: defaultGatewayClasses(), TopologyKeysParams: defaultTopologyKeys()}),
		Check:         crossObjectOnly,
	}
}

// IGR811Params are the replica floor, the gateway classes judged and the
// topology keys that count as spreading replicas.
type IGR811Params struct {
	MinReplicas int `yaml:"minReplicas" desc:"fewest replicas of a gateway or waypoint istiod deploys (HPA minimum or fixed count)"`
	// IstiodNamespace is istiod's own namespace (the chart's
	// global.istioNamespace): where it reads the class defaults and its
	// injector ConfigMap.
	IstiodNamespace      string `yaml:"istiodNamespace" desc:"istiod's namespace (global.istioNamespace): where it reads the gateway class defaults and its istio-sidecar-injector values"`
	GatewayClassesParams `yaml:",inline"`
	TopologyKeysParams   `yaml:",inline"`
}

func checkIGR811(c *ClusterIndex, p *IGR811Params) []clusterViolation {
	var out []clusterViolation
	for _, gw := range c.gateways {
		if !slices.Contains(p.GatewayClasses, gw.class) {
			continue
		}
		for _, v := range igr811Gateway(c, gw, p) {
			out = append(out, clusterViolation{on: gw.subject, Violation: v})
		}
	}
	return out
}

// igr811Gateway judges one Gateway.
func igr811Gateway(c *ClusterIndex, gw *gwFacts, p *IGR811Params) []Violation {
	ref := field.NewPath("spec", "infrastructure", "parametersRef")
	if gw.paramsKind != "" {
		return []Violation{Invalid(ref, gw.paramsKind, "is not a ConfigMap: istiod deploys nothing for this Gateway").
			WithFix("point spec.infrastructure.parametersRef at a ConfigMap (group \"\", kind ConfigMap)")}
	}
	var overlays []*overlayFacts
	defaults := c.classDefaults(gw.class, p.IstiodNamespace)
	switch {
	case defaults != nil:
		overlays = append(overlays, defaults)
	case !c.complete && gw.params == "":
		return nil // a partial input that shows none of the overlays: cannot be judged
	}
	var params *overlayFacts
	if gw.params != "" {
		if params = c.overlays[gw.ref.Namespace+"/"+gw.params]; params == nil {
			if !c.complete {
				return nil // not in the input: cannot be judged
			}
			return []Violation{Invalid(ref.Child("name"), gw.params, "names no ConfigMap: istiod deploys nothing for this Gateway").
				WithFix("create ConfigMap " + gw.ref.Namespace + "/" + gw.params + " or fix spec.infrastructure.parametersRef.name")}
		}
		overlays = append(overlays, params)
	}
	values := c.gatewayValues(gw, p.IstiodNamespace)
	r, err := renderGateway(gw, values, overlays)
	if err != nil {
		at := ref
		if gw.params == "" {
			at = field.NewPath("spec", "gatewayClassName")
		}
		return []Violation{Invalid(at, err.Error(), "fails istiod's render: it deploys nothing").
			WithFix("keep only deployment, service, serviceAccount, horizontalPodAutoscaler and podDisruptionBudget keys (" + at.String() + ")")}
	}
	fix := igr811Fixer{gw: gw, params: params, at: ref, istiodNamespace: p.IstiodNamespace}
	var out []Violation
	floor := igr811Replicas(r, int64(p.MinReplicas), fix, &out)
	igr811PDB(r, floor, fix, &out)
	spec := r.deployment.Spec.Template.Spec
	if !podSpreads(spec, p.TopologyKeys) {
		v := fix.violation(gwOverlayDeployment, "has no anti-affinity or spread",
			"spec.template.spec.topologySpreadConstraints over kubernetes.io/hostname")
		if gwTemplate(gw.class) == "waypoint" {
			v.Fix += "; or global.waypoint.topologySpreadConstraints in istiod's values"
			if values == nil {
				v = v.AsAdvisory() // istiod's values (not in the input) may spread it
			}
		}
		out = append(out, v)
	}
	if missing := proxyResourcesMissing(spec); missing != "" {
		out = append(out, fix.violation(gwOverlayDeployment, "proxy lacks "+missing,
			"cpu and memory requests and limits on the istio-proxy container"))
	}
	if defaults == nil && !c.complete {
		for i := range out {
			out[i] = out[i].AsAdvisory() // the class defaults may set what the input lacks
		}
	}
	return out
}

// igr811Replicas reports a replica floor below the minimum and returns it.
func igr811Replicas(r *gwRender, minReplicas int64, fix igr811Fixer, out *[]Violation) int64 {
	replicas := int64(1)
	if n := r.deployment.Spec.Replicas; n != nil {
		replicas = int64(*n)
	}
	if r.hpa != nil {
		minimum := int64(1)
		if n := r.hpa.Spec.MinReplicas; n != nil {
			minimum = int64(*n)
		}
		if int64(r.hpa.Spec.MaxReplicas) < minimum {
			// The API server rejects the HPA: the Deployment's replicas
			// stand, and this is the one finding about them.
			*out = append(*out, fix.violation(gwOverlayHPA,
				fmt.Sprintf("has an HPA with minReplicas %d above maxReplicas %d: rejected", minimum, r.hpa.Spec.MaxReplicas),
				"spec.maxReplicas at least spec.minReplicas (the template's maxReplicas is 1)"))
			return replicas
		}
		replicas = minimum
	}
	if replicas < minReplicas {
		key, what := gwOverlayHPA, fmt.Sprintf("spec.minReplicas: %d and spec.maxReplicas", minReplicas)
		if r.hpa == nil {
			key, what = gwOverlayDeployment, fmt.Sprintf("spec.replicas: %d (or a horizontalPodAutoscaler with spec.minReplicas: %d)", minReplicas, minReplicas)
		}
		*out = append(*out, fix.violation(key, fmt.Sprintf("runs %d replica(s), fewer than %d", replicas, minReplicas), what))
	}
	return replicas
}

// igr811PDB reports a missing or too weak PDB.
func igr811PDB(r *gwRender, floor int64, fix igr811Fixer, out *[]Violation) {
	const want = "spec.minAvailable: 2"
	switch {
	case r.pdb == nil:
		*out = append(*out, fix.violation(gwOverlayPDB, "has no PodDisruptionBudget", want))
	case !pdbKeepsTwo(r.pdb, floor):
		*out = append(*out, fix.violation(gwOverlayPDB, "has a PodDisruptionBudget that keeps fewer than 2", want))
	}
}

// igr811Fixer words where to fix a finding: the overlay key of the
// Gateway's parametersRef ConfigMap, or a ConfigMap to create for it.
type igr811Fixer struct {
	gw     *gwFacts
	params *overlayFacts
	at     *field.Path
	// istiodNamespace holds the class defaults ConfigMap.
	istiodNamespace string
}

func (f igr811Fixer) violation(key, msg, set string) Violation {
	if f.params != nil {
		return Invalid(f.at, f.params.ref.Name, msg).WithFix(fmt.Sprintf("set %s in data.%s of ConfigMap %s/%s (spec.infrastructure.parametersRef)",
			set, key, f.params.ref.Namespace, f.params.ref.Name))
	}
	return Required(f.at, "is unset, and the gateway "+msg).WithFix(fmt.Sprintf(
		"set %s in data.%s of a ConfigMap named by spec.infrastructure.parametersRef, or of the %s ConfigMap labelled %s=%s",
		set, key, f.istiodNamespace, gwClassDefaultsLabel, f.gw.class))
}

// podSpreads reports whether spec has an anti-affinity term or a topology
// spread constraint over one of keys.
func podSpreads(spec corev1.PodSpec, keys []string) bool {
	var used []string
	if a := spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		for _, t := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			used = append(used, t.TopologyKey)
		}
		for _, t := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			used = append(used, t.PodAffinityTerm.TopologyKey)
		}
	}
	for _, t := range spec.TopologySpreadConstraints {
		used = append(used, t.TopologyKey)
	}
	return slices.ContainsFunc(used, func(k string) bool { return slices.Contains(keys, k) })
}

// proxyResourcesMissing names what the istio-proxy container lacks of cpu
// and memory requests and limits ("" when it has them all).
func proxyResourcesMissing(spec corev1.PodSpec) string {
	i := slices.IndexFunc(spec.Containers, func(c corev1.Container) bool { return c.Name == "istio-proxy" })
	if i < 0 {
		return "an istio-proxy container"
	}
	res := spec.Containers[i].Resources
	var missing []string
	for _, part := range []struct {
		name string
		list corev1.ResourceList
	}{{"requests", res.Requests}, {"limits", res.Limits}} {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := part.list[r]; !ok {
				missing = append(missing, string(r)+" "+part.name)
			}
		}
	}
	return strings.Join(missing, ", ")
}
