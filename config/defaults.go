package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// DefaultYAML renders the built-in defaults as a commented GuardrailConfig
// (`istio-guardrail config default`). Parsing it yields Default().
func DefaultYAML() []byte {
	var b strings.Builder
	b.WriteString("# istio-guardrail GuardrailConfig: the built-in defaults.\n")
	b.WriteString("# Every key is optional; omitted rules keep the action and parameters shown here.\n")
	b.WriteString("apiVersion: " + APIVersion + "\nkind: " + Kind + "\n")
	b.WriteString("\n# The Istio release whose behaviour is judged where it changed between releases\n")
	b.WriteString("# (sidecar.istio.io/inject values, ENABLE_NATIVE_SIDECARS); 1." + strconv.Itoa(policy.DefaultIstioVersion.Minor) + " unless set.\n")
	fmt.Fprintf(&b, "istioVersion: %q\n", policy.DefaultIstioVersion.String())
	b.WriteString("\n# Paths `check` does not read when it walks a directory (globs as --exclude, to which they add;\n")
	b.WriteString("# the server ignores them).\n# exclude: [legacy, \"charts/**\"]\n")
	b.WriteString("\n# Per rule: action deny|warn|audit|off, and parameters.\nrules:\n")
	for _, r := range policy.Catalogue() {
		fmt.Fprintf(&b, "  # %s %s.\n  %s:\n    action: %s\n", r.ID, r.Title, r.ID, r.DefaultAction)
		writeParams(&b, r.Params)
	}
	b.WriteString("\n# Namespaces (names or globs such as legacy-*) in which no validation rule runs.\n")
	b.WriteString("# Single objects are exempted with the annotations " + policy.AnnotationExempt + ": \"IGR201,IGR203\"\n")
	b.WriteString("# and " + policy.AnnotationExemptReason + ": \"...\" (the reason is required).\n")
	b.WriteString("exemptions:\n  namespaces: []\n")
	b.WriteString("  # Rules objects may exempt themselves from with those annotations. Anyone who may edit an\n")
	b.WriteString("  # object may annotate it, so by default ([]) annotations exempt from nothing: list the rules\n")
	b.WriteString("  # an administrator allows, e.g. [IGR203, IGR204] (null allows every rule). Exemptions naming\n")
	b.WriteString("  # other rules are ignored and IGR001 warns. Honoured exemptions are logged (decision=exempted)\n")
	b.WriteString("  # and counted (istio_guardrail_exemptions_total{rule}).\n")
	b.WriteString("  allowedRules: []\n")
	b.WriteString("  # Namespaces (names or globs) where exemption annotations are honoured at all; unset: every\n")
	b.WriteString("  # namespace. Elsewhere they are ignored and IGR001 warns.\n")
	b.WriteString("  # annotationNamespaces: [legacy-*]\n")
	def := Default().Settings.Mutation
	b.WriteString("\n# Scope of the mutating webhook. Pods on CREATE are always targets.\nmutation:\n")
	b.WriteString("  # Also mutate the pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs.\n")
	fmt.Fprintf(&b, "  workloads: %t\n", def.Workloads)
	b.WriteString("  # Add the istio.io/rev revision label (IGR904) to Namespaces on creation.\n")
	fmt.Fprintf(&b, "  namespaces: %t\n", def.Namespaces)
	b.WriteString("  # Never mutated, in addition to kube-system, kube-public, kube-node-lease and the guardrail's\n")
	b.WriteString("  # own namespace, which always are (names or globs).\n")
	fmt.Fprintf(&b, "  skipNamespaces: %s\n", flowList(def.SkipNamespaces))
	b.WriteString("\n# Per mutator: enabled and parameters.\nmutators:\n")
	for _, m := range policy.Mutators() {
		fmt.Fprintf(&b, "  # %s %s.\n  %s:\n    enabled: %t\n", m.ID, m.Title, m.ID, m.DefaultEnabled)
		writeParams(&b, m.Params)
	}
	return []byte(b.String())
}

func writeParams(b *strings.Builder, specs []policy.ParamSpec) {
	if len(specs) == 0 {
		return
	}
	sorted := append([]policy.ParamSpec(nil), specs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	b.WriteString("    params:\n")
	for _, p := range sorted {
		if p.Description != "" {
			fmt.Fprintf(b, "      # %s\n", oneLine(p.Description))
		}
		fmt.Fprintf(b, "      %s: %s\n", p.Name, FormatParam(p.Default))
	}
}

// FormatParam renders a parameter value as YAML that Parse reads back.
func FormatParam(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case []string:
		return flowList(x)
	case time.Duration:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

func flowList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
