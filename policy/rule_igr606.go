package policy

import "strings"

func ruleIGR606() *Rule {
	return &Rule{
		ID:    "IGR606",
		Title: "Mesh allows outbound traffic to unknown destinations",
		Description: "With `outboundTrafficPolicy.mode: ALLOW_ANY` (Istio's default) sidecars pass traffic to any host " +
			"that is not in the service registry, so a compromised workload can reach the internet without a " +
			"ServiceEntry, an egress gateway or an audit trail. `REGISTRY_ONLY` makes every external destination " +
			"an explicit, reviewable ServiceEntry. " + cpMeshSourcesDoc + " A mesh ConfigMap whose `mesh` key is " +
			"not valid YAML is reported here too, since nothing can then be checked (istiod rejects it as well). A " +
			"mesh config istiod cannot decode (a value of the wrong type, an unknown enum name) is rejected whole " +
			"and istiod runs its built-in defaults instead: this rule says so, and every mesh rule judges those " +
			"defaults (unknown fields are ignored by istiod, as here).",
		Remediation:   "set meshConfig.outboundTrafficPolicy.mode: REGISTRY_ONLY and declare external hosts with ServiceEntries",
		Istio:         "MeshConfig proto: `outboundTrafficPolicy.mode` defaults to ALLOW_ANY; pkg/config/mesh ApplyMeshConfig (1.31 line) decodes with jsonpb, ignores unknown fields and rejects the whole config on any other error, running the defaults.",
		Targets:       cpMeshTargets(),
		DefaultAction: ActionDeny,
		CELGap:        celMeshConfig,
		Params:        ParamsOf(defaultMeshRoot()),
		Check: checkWith(func(_ *Context, obj *Object, p *MeshRootParams) []Violation {
			src, ok := meshConfigOf(obj, p.RootNamespace)
			if !ok {
				return nil
			}
			if src.Err != nil {
				return []Violation{Invalid(src.Mesh.path, nil, "is not valid YAML ("+cpShortYAMLError(src.Err)+")")}
			}
			if src.Discarded != nil {
				return []Violation{Invalid(src.Mesh.path, nil, "is rejected by istiod, which runs the defaults (ALLOW_ANY)").
					WithFix("correct " + src.Mesh.path.String() + ": " + cpShortMeshError(src.Discarded))}
			}
			mode := src.Mesh.get("outboundTrafficPolicy", "mode")
			switch s, _ := mode.str(); {
			case s == "REGISTRY_ONLY":
				return nil
			case mode.set:
				return []Violation{Invalid(mode.path, mode.val, "must be REGISTRY_ONLY")}
			default:
				return []Violation{Required(mode.path, "defaults to ALLOW_ANY; must be REGISTRY_ONLY")}
			}
		}),
	}
}

// cpMeshSourcesDoc ends the description of every mesh-config rule.
const cpMeshSourcesDoc = "Sources: IstioOperator `spec.meshConfig`, istiod chart values `meshConfig`, and the " +
	"`mesh` key of the ConfigMap `istio` (or `istio-<revision>`) in the root namespace (parameter `rootNamespace`)."

// cpMeshTargets are the kinds that can carry the mesh configuration.
func cpMeshTargets() []Kind { return []Kind{KindIstioOperator, KindIstiodValues, KindConfigMap} }

// MeshRootParams are the parameters of the rules that read istiod's mesh
// configuration: where the mesh ConfigMap lives.
type MeshRootParams struct {
	RootNamespace string `yaml:"rootNamespace" desc:"namespace of istiod and of its mesh ConfigMap istio / istio-<revision>"`
}

func (p MeshRootParams) meshRoot() string { return p.RootNamespace }

// defaultMeshRoot is Istio's default root namespace.
func defaultMeshRoot() MeshRootParams { return MeshRootParams{RootNamespace: "istio-system"} }

// cpMeshCheck adapts a check of a readable mesh configuration into Rule.Check;
// unreadable mesh ConfigMaps are left to IGR606.
func cpMeshCheck[P interface{ meshRoot() string }](check func(src cpMeshSource, p *P) []Violation) func(*Context, *Object, Params) []Violation {
	return checkWith(func(_ *Context, obj *Object, p *P) []Violation {
		src, ok := meshConfigOf(obj, (*p).meshRoot())
		if !ok || src.Err != nil {
			return nil
		}
		return check(src, p)
	})
}

// cpShortMeshError keeps a decoder error short for a fix text.
func cpShortMeshError(err error) string {
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120] + "..."
	}
	return msg
}

// cpShortYAMLError keeps the "line N: ..." part of a YAML error.
func cpShortYAMLError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "yaml: "); i >= 0 {
		return msg[i+len("yaml: "):]
	}
	return msg
}
