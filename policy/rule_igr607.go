package policy

func ruleIGR607() *Rule {
	return &Rule{
		ID:    "IGR607",
		Title: "Automatic mutual TLS disabled",
		Description: "With `enableAutoMtls: false`, sidecars send plaintext to other sidecars unless a DestinationRule " +
			"sets `ISTIO_MUTUAL` for every destination, and a STRICT PeerAuthentication then breaks the traffic that " +
			"was forgotten. Leave it unset (true) so clients use mTLS whenever the server has a sidecar. " + cpMeshSourcesDoc,
		Remediation:   "remove meshConfig.enableAutoMtls or set it to true",
		Istio:         "MeshConfig proto: `enableAutoMtls` defaults to true.",
		Targets:       cpMeshTargets(),
		DefaultAction: ActionDeny,
		CELGap:        celMeshConfig,
		Params:        ParamsOf(defaultMeshRoot()),
		Check: cpMeshCheck(func(src cpMeshSource, _ *MeshRootParams) []Violation {
			n := src.Mesh.get("enableAutoMtls")
			if b, ok := n.boolean(); ok && !b {
				return []Violation{Invalid(n.path, n.val, "must be true (or unset)")}
			}
			return nil
		}),
	}
}
