package policy

import "strings"

// The CEL forms of the rules (see CELForm). Each mirrors its rule's Check
// over the object as the API server stores it: the Istio CRDs type enums as
// strings restricted to their names, so `mode` is one of the enum names or
// absent (absent is the enum's zero value, as the Go types read it), and
// pruning has already removed fields the schema lacks. Messages follow the
// engine's wording: rule ID, kind, namespace/name, field path, value, what is
// wrong, (fix: ...).

// celRef renders "Kind namespace/name" (or "Kind name" for cluster-scoped kinds).
func celRef(kind string, namespaced bool) string {
	if namespaced {
		return `'` + kind + ` ' + object.metadata.namespace + '/' + object.metadata.name`
	}
	return `'` + kind + ` ' + object.metadata.name`
}

// celMsg joins a rule ID, the object reference and CEL string parts into
// one message expression.
func celMsg(id, ref string, parts ...string) string {
	return `'` + id + ` ' + ` + ref + ` + ' ' + ` + strings.Join(parts, " + ")
}

// celGet returns the CEL expression path if present, else def (path is a field path
// whose last element may be absent; guards are the has() tests before it).
func celGet(guards []string, path, def string) string {
	return `(` + strings.Join(append(guards, `has(`+path+`)`), ` && `) + ` ? ` + path + ` : ` + def + `)`
}

func celIGR101() CELForm {
	ref := celRef("PeerAuthentication", true)
	fix := `' (fix: set spec.mtls.mode: STRICT)'`
	return CELForm{
		Variables: []CELVariable{
			{Name: "mode", Expression: celGet([]string{"has(object.spec)", "has(object.spec.mtls)"}, "object.spec.mtls.mode", "'UNSET'")},
			// isMeshWidePeerAuthentication: the root namespace, no or empty matchLabels.
			{Name: "meshWide", Expression: `object.metadata.namespace == params.data['` + CELParamKey("IGR101", paramRootNamespace) + `'] && ` +
				`!(has(object.spec) && has(object.spec.selector) && has(object.spec.selector.matchLabels) && size(object.spec.selector.matchLabels) > 0)`},
		},
		Checks: []CELCheck{
			{
				Expression: `!(variables.mode in ['PERMISSIVE', 'DISABLE'])`,
				Message:    celMsg("IGR101", ref, `'spec.mtls.mode: "' + variables.mode + '" must be STRICT'`, fix),
			},
			{
				Expression: `variables.mode != 'UNSET' || !variables.meshWide`,
				Message: celMsg("IGR101", ref, `((has(object.spec) && has(object.spec.mtls)) ? 'spec.mtls.mode: is UNSET on the mesh-wide policy, which means PERMISSIVE' : `+
					`'spec.mtls: is missing on the mesh-wide policy, which means PERMISSIVE')`, fix),
			},
		},
	}
}

func celIGR102() CELForm {
	ref := celRef("PeerAuthentication", true)
	weak := `has(variables.ports[k].mode) && variables.ports[k].mode in ['PERMISSIVE', 'DISABLE']`
	return CELForm{
		Variables: []CELVariable{
			// The map, resolved once rather than once per key.
			{Name: "ports", Expression: `has(object.spec) && has(object.spec.portLevelMtls) ? object.spec.portLevelMtls : {}`},
			{Name: "weakPorts", Expression: `variables.ports.filter(k, ` + weak + `)`},
		},
		Checks: []CELCheck{{
			Expression: `size(variables.weakPorts) == 0`,
			Message: celMsg("IGR102", ref,
				`'spec.portLevelMtls[' + variables.weakPorts[0] + '].mode: "' + variables.ports[variables.weakPorts[0]].mode + '" must be STRICT'`,
				`(size(variables.weakPorts) > 1 ? ' (and ' + string(size(variables.weakPorts) - 1) + ' more ports)' : '')`,
				`' (fix: set spec.portLevelMtls[' + variables.weakPorts[0] + '].mode: STRICT)'`),
		}},
	}
}

// celTLSDisabled is IGR201's test of one traffic policy or port-level policy
// tp: a tls block whose mode is DISABLE or absent (the enum's zero value).
func celTLSDisabled(tp string) string {
	return `(has(` + tp + `.tls) && (!has(` + tp + `.tls.mode) || ` + tp + `.tls.mode == 'DISABLE'))`
}

func celIGR201() CELForm {
	ref := celRef("DestinationRule", true)
	what := `' sends plaintext and overrides auto mTLS'`
	site := func(path string) string {
		return `'` + path + `.tls.mode: "DISABLE"' + ` + what + ` + ' (fix: set ` + path + `.tls.mode: ISTIO_MUTUAL, or remove the tls block)'`
	}
	dyn := func(path string) string { // path is a CEL string expression
		return `'' + ` + path + ` + '.tls.mode: "DISABLE"' + ` + what + ` + ' (fix: set ' + ` + path + ` + '.tls.mode: ISTIO_MUTUAL, or remove the tls block)'`
	}
	top := "object.spec.trafficPolicy"
	pls := top + ".portLevelSettings"
	subs := "object.spec.subsets"
	return CELForm{
		Variables: []CELVariable{
			{Name: "top", Expression: `has(object.spec) && has(` + top + `) && ` + celTLSDisabled(top)},
			{Name: "topPorts", Expression: `has(object.spec) && has(` + top + `) && has(` + pls + `) ? ` + pls + `.filter(p, ` + celTLSDisabled("p") + `) : []`},
			{Name: "subsets", Expression: `has(object.spec) && has(` + subs + `) ? ` + subs + `.filter(s, has(s.trafficPolicy) && ` + celTLSDisabled("s.trafficPolicy") + `) : []`},
			{Name: "subsetPorts", Expression: `has(object.spec) && has(` + subs + `) ? ` + subs + `.filter(s, has(s.trafficPolicy) && has(s.trafficPolicy.portLevelSettings) && ` +
				`s.trafficPolicy.portLevelSettings.exists(p, ` + celTLSDisabled("p") + `)) : []`},
		},
		Checks: []CELCheck{
			{Expression: `!variables.top`, Message: celMsg("IGR201", ref, site("spec.trafficPolicy"))},
			{Expression: `size(variables.topPorts) == 0`, Message: celMsg("IGR201", ref,
				dyn(`'spec.trafficPolicy.portLevelSettings[' + string(`+pls+`.indexOf(variables.topPorts[0])) + ']'`))},
			{Expression: `size(variables.subsets) == 0`, Message: celMsg("IGR201", ref,
				dyn(`'spec.subsets[' + string(`+subs+`.indexOf(variables.subsets[0])) + '].trafficPolicy'`))},
			{Expression: `size(variables.subsetPorts) == 0`, Message: celMsg("IGR201", ref,
				dyn(`'spec.subsets[' + string(`+subs+`.indexOf(variables.subsetPorts[0])) + '].trafficPolicy.portLevelSettings[' + `+
					`string(variables.subsetPorts[0].trafficPolicy.portLevelSettings.indexOf(variables.subsetPorts[0].trafficPolicy.portLevelSettings.filter(p, `+celTLSDisabled("p")+`)[0])) + ']'`))},
		},
	}
}

// celGatewayProtocol is gatewayServerProtocol in CEL: trimmed (CEL's trim is
// Go's strings.TrimSpace) and upper-cased as Go's strings.ToUpper does for
// every string that can equal an ASCII protocol name: upperAscii plus the two
// non-ASCII letters whose upper case is ASCII, U+0131 (ı -> I) and U+017F
// (ſ -> S) (TestCELToUpperASCIIPreimages holds this to package unicode).
func celGatewayProtocol(s string) string {
	return `(has(` + s + `.port) && has(` + s + `.port.protocol) ? ` + s + `.port.protocol.trim().replace('\u0131', 'i').replace('\u017f', 's').upperAscii() : '')`
}

func celIGR301() CELForm {
	ref := celRef("Gateway", true)
	isTLS := func(s string) string { return celGatewayProtocol(s) + ` in ['HTTPS', 'TLS']` }
	terminates := `has(s.tls.mode) && s.tls.mode in ['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL']`
	servers := "object.spec.servers"
	idx := func(list string) string { return `string(` + servers + `.indexOf(` + list + `[0]))` }
	return CELForm{
		Variables: []CELVariable{
			// The servers with protocol HTTPS or TLS, normalised once each.
			{Name: "tlsServers", Expression: `has(object.spec) && has(` + servers + `) ? ` + servers + `.filter(s, ` + isTLS("s") + `) : []`},
			{Name: "noTLS", Expression: `variables.tlsServers.filter(s, !has(s.tls))`},
			{Name: "terminating", Expression: `variables.tlsServers.filter(s, has(s.tls) && ` + terminates + `)`},
			{Name: "lowMin", Expression: `variables.terminating.filter(s, has(s.tls.minProtocolVersion) && s.tls.minProtocolVersion in ['TLSV1_0', 'TLSV1_1'])`},
			{Name: "autoMin", Expression: `params.data['` + CELParamKey("IGR301", paramRequireExplicitMinTLS) + `'] == 'true' ? ` +
				`variables.terminating.filter(s, !has(s.tls.minProtocolVersion) || s.tls.minProtocolVersion == 'TLS_AUTO') : []`},
			{Name: "lowMax", Expression: `variables.terminating.filter(s, has(s.tls.maxProtocolVersion) && s.tls.maxProtocolVersion in ['TLSV1_0', 'TLSV1_1'])`},
		},
		Checks: []CELCheck{
			{Expression: `size(variables.noTLS) == 0`, Message: celMsg("IGR301", ref,
				`'spec.servers[' + `+idx("variables.noTLS")+` + '].tls: is required on an ' + `+celGatewayProtocol("variables.noTLS[0]")+` + ' server'`,
				`' (fix: add tls with mode: SIMPLE, a credentialName and minProtocolVersion: TLSV1_2)'`)},
			{Expression: `size(variables.lowMin) == 0`, Message: celMsg("IGR301", ref,
				`'spec.servers[' + `+idx("variables.lowMin")+` + '].tls.minProtocolVersion: "' + variables.lowMin[0].tls.minProtocolVersion + '" must be TLSV1_2 or TLSV1_3'`,
				`' (fix: set tls.minProtocolVersion: TLSV1_2 or TLSV1_3)'`)},
			{Expression: `size(variables.autoMin) == 0`, Message: celMsg("IGR301", ref,
				`'spec.servers[' + `+idx("variables.autoMin")+` + '].tls.minProtocolVersion: is unset (Istio\'s default, TLSV1_2); the config requires it written'`,
				`' (fix: set tls.minProtocolVersion: TLSV1_2 or TLSV1_3)'`)},
			{Expression: `size(variables.lowMax) == 0`, Message: celMsg("IGR301", ref,
				`'spec.servers[' + `+idx("variables.lowMax")+` + '].tls.maxProtocolVersion: "' + variables.lowMax[0].tls.maxProtocolVersion + '" must not be below TLSV1_2'`,
				`' (fix: remove tls.maxProtocolVersion or set it to TLSV1_3)'`)},
		},
	}
}

func celIGR401() CELForm {
	ref := celRef("AuthorizationPolicy", true)
	empty := func(f string) string { return `(!has(r.` + f + `) || size(r.` + f + `) == 0)` }
	rules := "object.spec.rules"
	return CELForm{
		Variables: []CELVariable{
			{Name: "allowAll", Expression: `has(object.spec) && (!has(object.spec.action) || object.spec.action == 'ALLOW') && has(` + rules + `) ? ` +
				rules + `.filter(r, ` + empty("from") + ` && ` + empty("to") + ` && ` + empty("when") + `) : []`},
		},
		Checks: []CELCheck{{
			Expression: `size(variables.allowAll) == 0`,
			Message: celMsg("IGR401", ref, `'spec.rules[' + string(`+rules+`.indexOf(variables.allowAll[0])) + ']: has no from, to or when, so it allows every request'`,
				`' (fix: add from/to/when to the rule, or drop spec.rules to deny all)'`),
		}},
	}
}

func celIGR501() CELForm {
	ref := celRef("Sidecar", true)
	egress := "object.spec.egress"
	// The first listener's offending host: the exact "*/*" if it is there
	// (found natively), else the first that trims to it.
	first := `variables.everyNamespace[0]`
	host := `('*/*' in ` + first + `.hosts ? '*/*' : ` + first + `.hosts.filter(h, h.trim() == '*/*')[0])`
	return CELForm{
		Variables: []CELVariable{
			{Name: "noEgress", Expression: `!has(object.spec) || !has(` + egress + `) || size(` + egress + `) == 0`},
			// join, contains, in and indexOf run natively, a comprehension
			// per host does not: a listener none of whose hosts contains */*
			// (nor two neighbours spelling it together) is passed without the
			// walk, and an exact */* is found without it; only hosts that
			// contain */* padded or inside a longer string are walked.
			{Name: "everyNamespace", Expression: `variables.noEgress ? [] : ` + egress + `.filter(l, has(l.hosts) && l.hosts.join('').contains('*/*') && ` +
				`('*/*' in l.hosts || l.hosts.exists(h, h.trim() == '*/*')))`},
		},
		Checks: []CELCheck{
			{
				Expression: `size(variables.everyNamespace) == 0`,
				Message: celMsg("IGR501", ref, `'spec.egress[' + string(`+egress+`.indexOf(`+first+`)) + '].hosts[' + `+
					`string(`+first+`.hosts.indexOf(`+host+`)) + ']: "' + `+host+` + '" imports every service of every namespace'`,
					`' (fix: replace */* with the namespaces the workload calls, e.g. ./* and istio-system/*)'`),
			},
			{
				Expression: `!variables.noEgress`,
				Message: celMsg("IGR501", ref, `'spec.egress: is unset, so Istio imports every namespace (*/*)'`,
					`' (fix: add an egress listener with hosts such as ./* and istio-system/*)'`),
				Advisory: true,
			},
		},
	}
}

func celIGR502() CELForm {
	ref := celRef("Sidecar", true)
	return CELForm{Checks: []CELCheck{{
		Expression: `!(has(object.spec) && has(object.spec.outboundTrafficPolicy) && has(object.spec.outboundTrafficPolicy.mode) && ` +
			`object.spec.outboundTrafficPolicy.mode == 'ALLOW_ANY')`,
		Message: celMsg("IGR502", ref, `'spec.outboundTrafficPolicy.mode: "ALLOW_ANY" must be REGISTRY_ONLY'`,
			`' (fix: set outboundTrafficPolicy.mode: REGISTRY_ONLY; declare external hosts as ServiceEntries)'`),
	}}}
}

func celIGR701() CELForm {
	ref := celRef("Namespace", false)
	both := func(o string) string {
		return `has(` + o + `.metadata.labels) && '` + LabelLegacyInjection + `' in ` + o + `.metadata.labels && 'istio.io/rev' in ` + o + `.metadata.labels`
	}
	same := func(key string) string {
		return `oldObject.metadata.labels['` + key + `'] == object.metadata.labels['` + key + `']`
	}
	return CELForm{Checks: []CELCheck{{
		Expression: `!(` + both("object") + `)`,
		Message: celMsg("IGR701", ref, `'metadata.labels[istio.io/rev]: "' + object.metadata.labels['istio.io/rev'] + '" is ignored because `+
			LabelLegacyInjection+`=' + object.metadata.labels['`+LabelLegacyInjection+`'] + ' is also set'`,
			`' (fix: remove the istio-injection label (keep istio.io/rev) or remove istio.io/rev)'`),
		// The finding's message carries both label values.
		SameOnOld: both("oldObject") + ` && ` + same("istio.io/rev") + ` && ` + same(LabelLegacyInjection),
	}}}
}
