package policy

import "testing"

func TestIGR608(t *testing.T) {
	runRuleTable(t, ruleIGR608(), map[string]ruleCase{
		"hit: istiooperator no access log": {
			kind: KindIstioOperator, doc: `spec: {}`, want: []string{"spec.meshConfig.accessLogFile"},
		},
		"hit: istiooperator text access log by default": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {accessLogFile: /dev/stdout}}`,
			want: []string{"spec.meshConfig.accessLogEncoding"},
		},
		"hit: istiooperator explicit TEXT": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {accessLogFile: /dev/stdout, accessLogEncoding: TEXT}}`,
			want: []string{"spec.meshConfig.accessLogEncoding"},
		},
		"miss: istiooperator JSON": {
			kind: KindIstioOperator, doc: `spec: {meshConfig: {accessLogFile: /dev/stdout, accessLogEncoding: JSON}}`,
		},
		"hit: istiod values empty accessLogFile": {
			kind: KindIstiodValues, doc: `{meshConfig: {accessLogFile: "", accessLogEncoding: JSON}}`,
			want: []string{"meshConfig.accessLogFile"},
		},
		"hit: default provider with a text file log": {
			kind: KindIstiodValues,
			doc: `{meshConfig: {defaultProviders: {accessLogging: [file]},
  extensionProviders: [{name: file, envoyFileAccessLog: {path: /dev/stdout, logFormat: {text: "%START_TIME%"}}}]}}`,
			want: []string{"meshConfig.extensionProviders[0].envoyFileAccessLog.logFormat.labels"},
		},
		"miss: default provider with a JSON file log": {
			kind: KindIstiodValues,
			doc: `{meshConfig: {defaultProviders: {accessLogging: [file]},
  extensionProviders: [{name: otel, opentelemetry: {service: c, port: 4317}},
  {name: file, envoyFileAccessLog: {path: /dev/stdout, logFormat: {labels: {method: "%REQ(:METHOD)%"}}}}]}}`,
		},
		"miss: default provider is OpenTelemetry": {
			kind: KindIstiodValues,
			doc: `{meshConfig: {defaultProviders: {accessLogging: [otel]},
  extensionProviders: [{name: otel, envoyOtelAls: {service: c, port: 4317}}]}}`,
		},
		"hit: built-in envoy provider follows accessLogEncoding": {
			kind: KindIstiodValues, doc: `{meshConfig: {defaultProviders: {accessLogging: [envoy]}}}`,
			want: []string{"meshConfig.accessLogEncoding"},
		},
		"hit: mesh configmap without access log": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "enableTracing: false"),
			want: []string{"data[mesh].accessLogFile"},
		},
		// Enum names are case-sensitive to istiod's decoder: "json" rejects the
		// whole mesh config, and the defaults write no access log.
		"hit: mesh configmap lowercase json is rejected by istiod, which runs the defaults": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "accessLogFile: /dev/stdout\naccessLogEncoding: json"),
			want: []string{"data[mesh].accessLogFile"},
		},
		"miss: mesh configmap JSON": {
			kind: KindConfigMap, doc: meshConfigMapDoc("istio-system", "istio", "accessLogFile: /dev/stdout\naccessLogEncoding: JSON"),
		},
	})
}
