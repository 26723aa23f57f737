package policy

import "testing"

func TestIGR707(t *testing.T) {
	runRuleTable(t, ruleIGR707(), map[string]ruleCase{
		"hit: any WasmPlugin, pinned or not": {
			doc:  `{url: "oci://ghcr.io/acme/filter@sha256:` + testDigest + `", selector: {matchLabels: {app: api}}}`,
			want: []string{"spec.url"},
		},
		"hit: local module": {doc: `{url: "file:///opt/filters/f.wasm"}`, want: []string{"spec.url"}},
	})
	checkRuleNil(t, ruleIGR707())
}

// testDigest is a well-formed sha256 hex digest.
const testDigest = "b6a1fa0c0a4c6e4d3b6bb0c1c9b0e1a7a2c77b7f0b3f2b9d9c2b8f7c6e5d4c3b"
