package policy

import "testing"

func TestPrincipalSpansNamespaces(t *testing.T) {
	tests := map[string]struct {
		value string
		want  bool
	}{
		"bare wildcard":                        {value: "*", want: true},
		"trust domain prefix":                  {value: "cluster.local/*", want: true},
		"all namespaces of a trust domain":     {value: "cluster.local/ns/*", want: true},
		"prefix cut inside the ns keyword":     {value: "cluster.local/n*", want: true},
		"prefix cut inside the trust domain":   {value: "clus*", want: true},
		"suffix naming only a service account": {value: "*/sa/web", want: true},
		"suffix naming part of an account":     {value: "*web", want: true},
		"one namespace, any account":           {value: "cluster.local/ns/shop/*"},
		"namespace prefix":                     {value: "cluster.local/ns/sh*"},
		"any trust domain, fixed namespace":    {value: "*/ns/shop/sa/web"},
		"suffix fixing the namespace's tail":   {value: "*shop/sa/web"},
		"exact principal":                      {value: "cluster.local/ns/shop/sa/web"},
		"two wildcards are literal to Istio":   {value: "*/ns/*"},
		"inner wildcard is literal to Istio":   {value: "cluster.local/ns/*/sa/web"},
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			if got := principalSpansNamespaces(tc.value); got != tc.want {
				t.Errorf("principalSpansNamespaces(%q) = %t, want %t", tc.value, got, tc.want)
			}
		})
	}
}
