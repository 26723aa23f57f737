package policy

import (
	"strings"
	"testing"
)

func TestIGR904Pods(t *testing.T) {
	mapping := []string{"staging=1-20-0", "prod-*=1-19-3", "selector:env=canary=1-21-0", "labelled=1-20-0", "matching=1-20-0"}
	ctx := &Context{Namespaces: NamespaceLabels{
		"staging":  {},
		"prod-eu":  {},
		"team-a":   {"env": "canary"},
		"other":    {},
		"legacy":   {"istio-injection": "enabled"},
		"labelled": {"istio.io/rev": "1-18-0"},
		"matching": {"istio.io/rev": "1-20-0"},
	}}
	tests := map[string]struct {
		ns, podRev, want, note string
		params                 func(p *IGR904Params)
	}{
		"by name":                   {ns: "staging", want: "1-20-0"},
		"by glob":                   {ns: "prod-eu", want: "1-19-3"},
		"by selector":               {ns: "team-a", want: "1-21-0"},
		"no match, no default":      {ns: "other"},
		"default revision":          {ns: "other", want: "stable", params: func(p *IGR904Params) { p.DefaultRevision = "stable" }},
		"unknown namespace by glob": {ns: "prod-us", want: "1-19-3"},
		"legacy label wins":         {ns: "legacy"},
		"user label kept":           {ns: "staging", podRev: "1-17-0", want: "1-17-0"},
		"namespace label decides":   {ns: "labelled", note: "relabel the namespace"},
		"namespace label agrees":    {ns: "matching"},
		"first matching entry wins": {ns: "staging", want: "1-20-0", params: func(p *IGR904Params) { p.NamespaceRevisions = []string{"staging=1-20-0", "stag*=1-19-3"} }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := mutatorIGR904().Params.New().(*IGR904Params)
			p.NamespaceRevisions = mapping
			if tc.params != nil {
				tc.params(p)
			}
			pod := testPod(tc.ns)
			if tc.podRev != "" {
				pod.Labels = map[string]string{"istio.io/rev": tc.podRev}
			}
			obj := podObject(pod)
			if _, err := applyIGR904(ctx, obj, p); err != nil {
				t.Fatal(err)
			}
			if got := pod.Labels["istio.io/rev"]; got != tc.want {
				t.Errorf("istio.io/rev = %q, want %q", got, tc.want)
			}
			notes := strings.Join(notesIGR904(ctx, obj, p), "\n")
			if (tc.note == "") != (notes == "") || !strings.Contains(notes, tc.note) {
				t.Errorf("notes = %q, want %q", notes, tc.note)
			}
			if changed, _ := applyIGR904(ctx, obj, p); changed {
				t.Error("second apply changed the pod")
			}
		})
	}
}

func TestIGR904Namespaces(t *testing.T) {
	e := mustEngine(t, Settings{
		Mutation: MutationSettings{Namespaces: true},
		Mutators: map[string]MutatorSettings{"IGR904": {Params: paramsWith(func(p *IGR904Params) {
			p.NamespaceRevisions = []string{"staging=1-20-0", "selector:env=canary=1-21-0"}
		})}},
	})
	tests := map[string]struct {
		name    string
		labels  map[string]string
		want    string
		skipped bool
	}{
		"mapped by name":       {name: "staging", want: "1-20-0"},
		"mapped by own labels": {name: "x", labels: map[string]string{"env": "canary"}, want: "1-21-0"},
		"existing rev kept":    {name: "staging", labels: map[string]string{"istio.io/rev": "1-19-0"}, want: "1-19-0"},
		"unmapped":             {name: "x"},
		"legacy label skipped": {name: "staging", labels: map[string]string{"istio-injection": "enabled"}, skipped: true},
		"ambient skipped":      {name: "staging", labels: map[string]string{"istio.io/dataplane-mode": "ambient"}, skipped: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			obj := namespaceObject(tc.name, tc.labels)
			res, err := e.Mutate(&Context{Operation: "CREATE"}, obj)
			if err != nil {
				t.Fatal(err)
			}
			if (res.Skipped != "") != tc.skipped {
				t.Errorf("Skipped = %q, want skipped %v", res.Skipped, tc.skipped)
			}
			if got := obj.Meta.Labels["istio.io/rev"]; got != tc.want {
				t.Errorf("istio.io/rev = %q, want %q", got, tc.want)
			}
		})
	}
}
