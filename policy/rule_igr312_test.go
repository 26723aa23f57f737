package policy

import "testing"

func TestIGR312(t *testing.T) {
	const head = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: grant, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: edge}]
`
	runRuleTable(t, ruleIGR312(), map[string]ruleCase{
		"hit: every Secret": {doc: head + `  to: [{group: "", kind: Secret}]`, want: []string{"spec.to[0].name"}},
		"hit: every Service, after a named Secret": {
			doc:  head + `  to: [{group: "", kind: Secret, name: web-cert}, {group: "", kind: Service, name: ""}]`,
			want: []string{"spec.to[1].name"},
		},
		"miss: named objects":          {doc: head + `  to: [{group: "", kind: Secret, name: web-cert}, {group: "", kind: Service, name: api}]`},
		"miss: kinds Istio grants not": {doc: head + `  to: [{group: example.com, kind: Secret}, {group: "", kind: ConfigMap}]`},
	})
}
