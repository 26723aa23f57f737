package policy

import "istio.io/api/annotation"

func mutatorIGR903() *Mutator {
	return &Mutator{
		ID:    igr903,
		Title: "Hold the application until the proxy starts",
		Description: "Merges `holdApplicationUntilProxyStarts: true` into `" + annotation.ProxyConfig.Name +
			"` (YAML or JSON; every key the user wrote is kept, and an unparsable value is left alone and " +
			"reported), so applications do not start before their sidecar can route traffic. Skipped for native " +
			"sidecars, where Istio ignores the setting, and after injection, where it can no longer take effect.",
		Targets:        podAndWorkloadKinds(),
		DefaultEnabled: true,
		Apply:          applyIGR903,
		Notes:          notesIGR903,
	}
}

func applyIGR903(_ *Context, obj *Object, _ Params) (bool, error) {
	pt, ok := PodTemplateOf(obj)
	if skip, _ := holdSkip(pt); !ok || skip {
		return false, nil
	}
	return mergeIntoProxyConfig(pt, proxyConfigOf(pt), FieldHoldApplication(), true), nil
}

// holdSkip tells whether the hold setting does not apply to the pod, and why
// (note is "" when there is nothing worth saying: the hold is already in place).
func holdSkip(pt PodTemplate) (skip bool, note string) {
	c, _, loc := InjectedSidecar(pt)
	switch {
	case loc == SidecarNative || pt.Meta.Annotations[annotation.SidecarNativeSidecar.Name] == "true":
		return true, "native sidecar: Istio ignores holdApplicationUntilProxyStarts, not added"
	case loc == SidecarClassic && c.Lifecycle != nil && c.Lifecycle.PostStart != nil:
		return true, "" // injected with the hold's postStart hook already
	case loc == SidecarClassic:
		return true, "istio-proxy is already injected, so holdApplicationUntilProxyStarts can no longer take " +
			"effect (run the guardrail's mutating webhook before Istio's injector)"
	}
	return false, ""
}

func notesIGR903(_ *Context, obj *Object, _ Params) []string {
	pt, ok := PodTemplateOf(obj)
	if !ok {
		return nil
	}
	pc := proxyConfigOf(pt)
	if pc.has(FieldHoldApplication()) {
		return nil
	}
	if skip, note := holdSkip(pt); skip {
		if note == "" {
			return nil
		}
		return []string{note}
	}
	if n := proxyConfigNote(pt, FieldHoldApplication(), true); n != "" {
		return []string{n}
	}
	return nil
}
