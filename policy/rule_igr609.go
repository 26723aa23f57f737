package policy

import (
	"fmt"
	"strconv"
)

func ruleIGR609() *Rule {
	return &Rule{
		ID:    "IGR609",
		Title: "Applications may start before their sidecar",
		Description: "Unless `defaultConfig.holdApplicationUntilProxyStarts` is true, application containers start in " +
			"parallel with istio-proxy; their first connections fail (or, with some interception settings, leave " +
			"the pod unencrypted) until Envoy is ready. Set it mesh-wide; for IstioOperator and istiod values the " +
			"legacy `global.proxy.holdApplicationUntilProxyStarts: true` counts too. With native sidecars the setting " +
			"is moot (the injection template drops it: istio-proxy is an init container with restartPolicy Always " +
			"that starts first), so the rule is silent when istiod's `ENABLE_NATIVE_SIDECARS` is `\"true\"` " +
			"(`pilot.env` or `env` in istiod values, `spec.values.pilot.env` or istiod's `k8s.env` in an " +
			"IstioOperator), or when the parameter `" + paramAssumeNativeSidecars + "` says that Istio's default " +
			"`auto` yields native sidecars on this cluster (every node's kubelet at 1.33 or later; `auto` exists from " +
			"Istio 1.27, the configuration's `istioVersion`: up to 1.26 the variable is a boolean that defaults to false). A mesh ConfigMap " +
			"alone cannot tell. " + cpMeshSourcesDoc,
		Remediation:   "set meshConfig.defaultConfig.holdApplicationUntilProxyStarts: true",
		Istio:         "ProxyConfig proto: `holdApplicationUntilProxyStarts` defaults to false; the 1.31 injection template ignores it with native sidecars; ENABLE_NATIVE_SIDECARS defaults to auto (native when every kubelet is >= 1.33) from 1.27, and is a boolean defaulting to false up to 1.26 (istioVersion).",
		Targets:       cpMeshTargets(),
		DefaultAction: ActionDeny,
		CELGap:        celMeshConfig,
		Params:        ParamsOf(IGR609Params{MeshRootParams: defaultMeshRoot()}),
		Check: checkWith(func(ctx *Context, obj *Object, p *IGR609Params) []Violation {
			src, ok := meshConfigOf(obj, p.RootNamespace)
			if !ok || src.Err != nil {
				return nil
			}
			if nativeSidecars(src, p.AssumeNativeSidecars, ctx.istioVersion()) {
				return nil
			}
			n := src.Mesh.get("defaultConfig", "holdApplicationUntilProxyStarts")
			if b, _ := n.boolean(); b {
				return nil
			}
			if src.Values != nil {
				// The injection template ORs it in with text/template truth
				// (`or .ProxyConfig.HoldApplicationUntilProxyStarts.GetValue
				// .Values.global.proxy.holdApplicationUntilProxyStarts`): any
				// non-empty string, "false" included, holds.
				if helmTruthy(src.Values.get("global", "proxy", "holdApplicationUntilProxyStarts").val) {
					return nil
				}
			}
			if n.set {
				return []Violation{Invalid(n.path, n.val, "must be true")}
			}
			return []Violation{Required(n.path, "defaults to false; must be true")}
		}),
	}
}

// paramAssumeNativeSidecars is IGR609's parameter for ENABLE_NATIVE_SIDECARS=auto.
const paramAssumeNativeSidecars = "assumeNativeSidecars"

// IGR609Params are the parameters of IGR609.
type IGR609Params struct {
	MeshRootParams       `yaml:",inline"`
	AssumeNativeSidecars bool `yaml:"assumeNativeSidecars" desc:"ENABLE_NATIVE_SIDECARS=auto (Istio's default) yields native sidecars here (all kubelets >= 1.33)"`
}

// nativeSidecars reports whether istiod injects native sidecars, as
// pilot/pkg/features reads ENABLE_NATIVE_SIDECARS: from Istio 1.27 "true"
// enables, "false" disables, "auto" (the default, also when unset) depends
// on the nodes' kubelet versions, which assumeAuto stands for, and any other
// value disables; up to 1.26 it is a boolean (strconv.ParseBool, as
// pkg/env reads it) that defaults to false, an unparsable value included.
func nativeSidecars(src cpMeshSource, assumeAuto bool, v IstioVersion) bool {
	var env cpNode
	if src.Values != nil {
		env = cpFirstSet(src.Values.get("pilot", "env", "ENABLE_NATIVE_SIDECARS"), src.Values.get("env", "ENABLE_NATIVE_SIDECARS"))
	}
	if e := src.PilotEnv.envVar("ENABLE_NATIVE_SIDECARS"); e.set {
		env = e
	}
	if !v.nativeSidecarsAuto() {
		if !env.set {
			return false
		}
		b, err := strconv.ParseBool(fmt.Sprint(env.val))
		return err == nil && b
	}
	s := "auto"
	if env.set {
		s = fmt.Sprint(env.val)
	}
	switch s {
	case "true":
		return true
	case "auto":
		return assumeAuto
	}
	return false
}
