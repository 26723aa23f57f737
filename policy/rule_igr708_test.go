package policy

import "testing"

func TestIGR708(t *testing.T) {
	runRuleTable(t, ruleIGR708(), map[string]ruleCase{
		"hit: the issue's arbitrary image by tag": {
			doc: `{url: "oci://docker.io/someone/plugin:latest"}`, want: []string{"spec.url"},
		},
		"hit: no scheme means oci, Always re-pulls": {
			doc:  `{url: "ghcr.io/acme/filter:1.0", imagePullPolicy: Always}`,
			want: []string{"spec.url", "spec.imagePullPolicy"},
		},
		"hit: https module without sha256": {
			doc: `{url: "https://example.com/filter.wasm", imagePullPolicy: IfNotPresent}`, want: []string{"spec.url"},
		},
		"miss: OCI digest": {doc: `{url: "oci://ghcr.io/acme/filter@sha256:` + testDigest + `", imagePullPolicy: Always}`},
		"miss: sha256 field on a tag or an https file": {
			doc: `{url: "ghcr.io/acme/filter:1.0", sha256: "` + testDigest + `"}`,
		},
		"miss: https with sha256":       {doc: `{url: "https://example.com/f.wasm", sha256: "` + testDigest + `"}`},
		"miss: module inside the proxy": {doc: `{url: "FILE:///opt/filters/f.wasm", imagePullPolicy: Always}`},
	})
	checkRuleNil(t, ruleIGR708())
}
