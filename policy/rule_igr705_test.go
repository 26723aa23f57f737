package policy

import "testing"

func TestIGR705(t *testing.T) {
	dest := `route: [{destination: {host: reviews}}]`
	runRuleTable(t, ruleIGR705(), map[string]ruleCase{
		"hit: route without timeout": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{` + dest + `}]}`,
			want: []string{"spec.http[0].timeout"},
		},
		"hit: retries without perTryTimeout": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{` + dest + `, timeout: 5s, retries: {attempts: 3}}]}`,
			want: []string{"spec.http[0].retries.perTryTimeout"},
		},
		"hit: second route lacks both": {
			kind: KindVirtualService,
			doc: `{hosts: [reviews], http: [{match: [{uri: {prefix: /v2}}], ` + dest + `, timeout: 5s},
  {` + dest + `, retries: {attempts: 2, retryOn: 5xx}}]}`,
			want: []string{"spec.http[1].retries.perTryTimeout", "spec.http[1].timeout"},
		},
		"miss: timeout and perTryTimeout": {
			kind: KindVirtualService,
			doc:  `{hosts: [reviews], http: [{` + dest + `, timeout: 5s, retries: {attempts: 3, perTryTimeout: 2s}}]}`,
		},
		"miss: retries disabled": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{` + dest + `, timeout: 5s, retries: {attempts: 0}}]}`,
		},
		"miss: redirect route": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{redirect: {uri: /v1}}]}`,
		},
		"miss: direct response": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{directResponse: {status: 503}}]}`,
		},
		"hit: zero timeout disables it": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{` + dest + `, timeout: 0s}]}`,
			want: []string{"spec.http[0].timeout"},
		},
		"hit: zero timeout in Go spelling": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{` + dest + `, timeout: 0ms}]}`,
			want: []string{"spec.http[0].timeout"},
		},
		"hit: zero perTryTimeout": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{` + dest + `, timeout: 5s, retries: {attempts: 3, perTryTimeout: 0s}}]}`,
			want: []string{"spec.http[0].retries.perTryTimeout"},
		},
		"miss: Go-style durations": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{` + dest + `, timeout: 1m, retries: {attempts: 3, perTryTimeout: 500ms}}]}`,
		},
		"miss: retries unset is Istio's default policy": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{` + dest + `, timeout: 5s}]}`,
		},
		"miss: retries attempts unset disables retries": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{` + dest + `, timeout: 5s, retries: {}}]}`,
		},
		"miss: delegating route with timeout and per-try timeout": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{delegate: {name: reviews-routes, namespace: apps}, timeout: 5s, retries: {attempts: 2, perTryTimeout: 1s}}]}`,
		},
		"hit: delegating route without timeout": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{delegate: {name: reviews-routes, namespace: apps}}]}`,
			want: []string{"spec.http[0].timeout"},
		},
		"hit: delegating route with retries but no per-try timeout": {
			kind: KindVirtualService, doc: `{hosts: [reviews], http: [{delegate: {name: reviews-routes}, timeout: 5s, retries: {attempts: 2}}]}`,
			want: []string{"spec.http[0].retries.perTryTimeout"},
		},
		"miss: delegate VirtualService inherits the root's timeout": {
			kind: KindVirtualService, doc: `{http: [{` + dest + `}]}`,
		},
		"hit: delegate VirtualService with its own retries but no per-try timeout": {
			kind: KindVirtualService, doc: `{http: [{` + dest + `, retries: {attempts: 3}}]}`,
			want: []string{"spec.http[0].retries.perTryTimeout"},
		},
		"hit: delegate VirtualService with a zero timeout of its own": {
			kind: KindVirtualService, doc: `{http: [{` + dest + `, timeout: 0s}]}`,
			want: []string{"spec.http[0].timeout"},
		},
		"miss: tcp only": {
			kind: KindVirtualService, doc: `{hosts: [db], tcp: [{route: [{destination: {host: db}}]}]}`,
		},
	})
}

func TestIGR705IsAWarning(t *testing.T) {
	obj := testObject(t, KindVirtualService, `{hosts: [r], http: [{route: [{destination: {host: r}}]}]}`)
	got := engineFindings(t, nil, obj, "IGR705")
	if want := "IGR705 spec.http[0].timeout warn"; len(got) != 1 || got[0] != want {
		t.Errorf("findings = %q, want [%q]", got, want)
	}
}
