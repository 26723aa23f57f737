package policy

import "testing"

func TestIGR609(t *testing.T) {
	runRuleTable(t, ruleIGR609(), map[string]ruleCase{
		// Native sidecars make the setting moot (injection template 1.31).
		"miss: istiod values with ENABLE_NATIVE_SIDECARS true": {
			kind: KindIstiodValues, doc: `{pilot: {env: {ENABLE_NATIVE_SIDECARS: "true"}}}`,
		},
		"miss: istiod values with top-level env ENABLE_NATIVE_SIDECARS true": {
			kind: KindIstiodValues, doc: `{env: {ENABLE_NATIVE_SIDECARS: "true"}}`,
		},
		"miss: istiooperator with native sidecars in istiod's k8s.env": {
			kind: KindIstioOperator, doc: `spec: {components: {pilot: {k8s: {env: [{name: ENABLE_NATIVE_SIDECARS, value: "true"}]}}}}`,
		},
		"hit: ENABLE_NATIVE_SIDECARS false keeps classic sidecars": {
			kind: KindIstiodValues, doc: `{pilot: {env: {ENABLE_NATIVE_SIDECARS: "false"}}}`,
			want: []string{"meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"hit: an unknown ENABLE_NATIVE_SIDECARS value disables native sidecars": {
			kind: KindIstiodValues, doc: `{pilot: {env: {ENABLE_NATIVE_SIDECARS: "yes"}}}`,
			want: []string{"meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		// Up to Istio 1.26 ENABLE_NATIVE_SIDECARS is a boolean defaulting to false.
		"hit: 1.26 has no auto, unset is classic sidecars whatever the kubelets": {
			istio: "1.26", kind: KindIstiodValues, doc: `{}`, params: paramsWith(func(p *IGR609Params) { p.AssumeNativeSidecars = true }),
			want: []string{"meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"miss: 1.26 reads ENABLE_NATIVE_SIDECARS as a Go boolean (1 is true)": {
			istio: "1.26", kind: KindIstiodValues, doc: `{pilot: {env: {ENABLE_NATIVE_SIDECARS: "1"}}}`,
		},
		"hit: 1.26 reads auto as an invalid boolean, so false": {
			istio: "1.26", kind: KindIstiodValues, doc: `{pilot: {env: {ENABLE_NATIVE_SIDECARS: auto}}}`, params: paramsWith(func(p *IGR609Params) { p.AssumeNativeSidecars = true }),
			want: []string{"meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"hit: 1.27 reads 1 as an unknown mode, so classic sidecars": {
			istio: "1.27", kind: KindIstiodValues, doc: `{pilot: {env: {ENABLE_NATIVE_SIDECARS: "1"}}}`,
			want: []string{"meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"miss: auto (the default) when the cluster's kubelets yield native sidecars": {
			kind: KindIstiodValues, doc: `{}`, params: paramsWith(func(p *IGR609Params) { p.AssumeNativeSidecars = true }),
		},
		"hit: auto stays a hit by default (node versions unknown)": {
			kind: KindIstiodValues, doc: `{}`,
			want: []string{"meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"miss: the legacy global.proxy value is ORed in with template truth (a quoted false holds too)": {
			kind: KindIstiodValues, doc: `{global: {proxy: {holdApplicationUntilProxyStarts: "false"}}}`,
		},
		"hit: istiooperator unset": {
			kind: KindIstioOperator, doc: `spec: {}`,
			want: []string{"spec.meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"hit: istiooperator false": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {defaultConfig: {holdApplicationUntilProxyStarts: false}}}`,
			want: []string{"spec.meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"miss: istiooperator mesh-wide true": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {defaultConfig: {holdApplicationUntilProxyStarts: true}}}`,
		},
		"miss: istiooperator legacy global.proxy setting": {
			kind: KindIstioOperator, doc: `spec: {values: {global: {proxy: {holdApplicationUntilProxyStarts: true}}}}`,
		},
		"miss: istiod values legacy global.proxy setting": {
			kind: KindIstiodValues, doc: `{global: {proxy: {holdApplicationUntilProxyStarts: true}}}`,
		},
		"hit: istiod values unset": {
			kind: KindIstiodValues, doc: `{}`, want: []string{"meshConfig.defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"hit: mesh configmap unset": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "defaultConfig:\n  concurrency: 2"),
			want: []string{"data[mesh].defaultConfig.holdApplicationUntilProxyStarts"},
		},
		"miss: mesh configmap true": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "defaultConfig:\n  holdApplicationUntilProxyStarts: true"),
		},
	})
}
