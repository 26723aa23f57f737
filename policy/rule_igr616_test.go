package policy

import "testing"

func TestIGR616(t *testing.T) {
	runRuleTable(t, ruleIGR616(), map[string]ruleCase{
		"hit: the proto's own example values": {
			doc: `{concurrency: 0, image: {imageType: debug}}`, namespace: "istio-system",
			want: []string{"spec.concurrency", "spec.image.imageType"},
		},
		"hit: workload scope, debug in capitals": {
			doc:  `{selector: {matchLabels: {app: ratings}}, image: {imageType: " Debug"}}`,
			want: []string{"spec.image.imageType"},
		},
		"miss: unset concurrency and distroless":      {doc: `{image: {imageType: distroless}}`},
		"miss: bounded concurrency and default image": {doc: `{concurrency: 2, image: {imageType: default}, environmentVariables: {ISTIO_META_X: "y"}}`},
		"miss: empty": {doc: `{}`},
	})
	checkRuleNil(t, ruleIGR616())
}
