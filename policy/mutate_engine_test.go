package policy

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestMutateSkips(t *testing.T) {
	tests := map[string]struct {
		obj      func() *Object
		settings Settings
		op       string
		want     string // substring of the skip reason; "" means not skipped
	}{
		"pod in injected namespace is mutated": {obj: func() *Object { return podObject(testPod("mesh")) }},
		"kube-system":                          {obj: func() *Object { return podObject(testPod("kube-system")) }, want: "namespace kube-system is never mutated"},
		"kube-node-lease":                      {obj: func() *Object { return podObject(testPod("kube-node-lease")) }, want: "never mutated"},
		"own namespace": {
			obj:      func() *Object { return podObject(testPod("mesh")) },
			settings: Settings{Mutation: MutationSettings{OwnNamespace: "mesh"}},
			want:     "guardrail's own namespace",
		},
		"skip pattern": {
			obj:      func() *Object { return podObject(testPod("mesh")) },
			settings: Settings{Mutation: MutationSettings{SkipNamespaces: []string{"me*"}}},
			want:     `matches skip pattern "me*"`,
		},
		"mirror pod": {obj: func() *Object {
			p := testPod("mesh")
			p.Annotations = map[string]string{"kubernetes.io/config.mirror": "abc"}
			return podObject(p)
		}, want: "mirror pod"},
		"hostNetwork": {obj: func() *Object {
			p := testPod("mesh")
			p.Spec.HostNetwork = true
			return podObject(p)
		}, want: "hostNetwork pod"},
		"opt-out label": {obj: func() *Object {
			p := testPod("mesh")
			p.Labels = map[string]string{"sidecar.istio.io/inject": "false"}
			return podObject(p)
		}, want: "label sidecar.istio.io/inject=false"},
		"opt-out annotation": {obj: func() *Object {
			p := testPod("mesh")
			p.Annotations = map[string]string{"sidecar.istio.io/inject": "false"}
			return podObject(p)
		}, want: "annotation sidecar.istio.io/inject=false"},
		"label beats annotation": {obj: func() *Object {
			p := testPod("mesh")
			p.Labels = map[string]string{"sidecar.istio.io/inject": "true"}
			p.Annotations = map[string]string{"sidecar.istio.io/inject": "false"}
			return podObject(p)
		}},
		// Istio 1.31 reads only "true" and "false": any other value is logged
		// as invalid and the namespace's default applies, so the pod IS
		// injected in an injected namespace and must be mutated.
		"an unrecognised value (disabled) falls back to the namespace, which injects": {obj: func() *Object {
			p := testPod("mesh")
			p.Labels = map[string]string{"sidecar.istio.io/inject": "disabled"}
			return podObject(p)
		}},
		"False with a trailing space is not false to Istio": {obj: func() *Object {
			p := testPod("mesh")
			p.Annotations = map[string]string{"sidecar.istio.io/inject": "False "}
			return podObject(p)
		}},
		"true with a space is not true to Istio, the namespace decides": {obj: func() *Object {
			p := testPod("mesh")
			p.Annotations = map[string]string{"sidecar.istio.io/inject": "true "}
			return podObject(p)
		}},
		"YES is not true to Istio, the namespace decides": {obj: func() *Object {
			p := testPod("mesh")
			p.Annotations = map[string]string{"sidecar.istio.io/inject": "YES"}
			return podObject(p)
		}},
		"empty label replaces the annotation and falls back to the namespace": {obj: func() *Object {
			p := testPod("mesh")
			p.Labels = map[string]string{"sidecar.istio.io/inject": ""}
			p.Annotations = map[string]string{"sidecar.istio.io/inject": "false"}
			return podObject(p)
		}},
		"pod being deleted": {obj: func() *Object {
			p := testPod("mesh")
			p.DeletionTimestamp = &metav1.Time{}
			return podObject(p)
		}, want: "being deleted"},
		"client-set deletionTimestamp on CREATE does not opt out": {obj: func() *Object {
			p := testPod("mesh")
			p.DeletionTimestamp = &metav1.Time{}
			return podObject(p)
		}, op: "CREATE"},
		"workload being deleted": {
			obj: func() *Object {
				o := deploymentObject(testPod("mesh"))
				o.Meta.DeletionTimestamp = &metav1.Time{}
				return o
			}, op: "UPDATE",
			settings: Settings{Mutation: MutationSettings{Workloads: true}},
			want:     "being deleted",
		},
		"namespace not in mesh": {obj: func() *Object { return podObject(testPod("plain")) }, want: "not in the mesh"},
		"legacy label disabled": {obj: func() *Object { return podObject(testPod("off")) }, want: "not in the mesh"},
		"unknown namespace":     {obj: func() *Object { return podObject(testPod("nowhere")) }, want: "is unknown"},
		"revision namespace":    {obj: func() *Object { return podObject(testPod("rev")) }},
		"ambient namespace":     {obj: func() *Object { return podObject(testPod("ambient")) }, want: "ambient namespace"},
		"pod opts in by label": {obj: func() *Object {
			p := testPod("plain")
			p.Labels = map[string]string{"sidecar.istio.io/inject": "true"}
			return podObject(p)
		}},
		"already injected pod in unknown namespace": {obj: func() *Object {
			p := testPod("nowhere")
			p.Spec.InitContainers = append(p.Spec.InitContainers, nativeProxy())
			return podObject(p)
		}},
		"mapped namespace joins the mesh": {
			obj: func() *Object { return podObject(testPod("plain")) },
			settings: Settings{Mutators: map[string]MutatorSettings{
				"IGR904": {Params: paramsWith(func(p *IGR904Params) { p.NamespaceRevisions = []string{"pla*=1-20-0"} })},
			}},
		},
		"workloads off":   {obj: func() *Object { return deploymentObject(testPod("mesh")) }, want: "kind Deployment not targeted"},
		"workloads on":    {obj: func() *Object { return deploymentObject(testPod("mesh")) }, settings: Settings{Mutation: MutationSettings{Workloads: true}}},
		"namespaces off":  {obj: func() *Object { return namespaceObject("x", nil) }, want: "kind Namespace not targeted"},
		"update of a pod": {obj: func() *Object { return podObject(testPod("mesh")) }, op: "UPDATE", want: "operation UPDATE"},
		"update of a workload": {
			obj: func() *Object { return deploymentObject(testPod("mesh")) }, op: "UPDATE",
			settings: Settings{Mutation: MutationSettings{Workloads: true}},
		},
		"legacy namespace object": {
			obj:      func() *Object { return namespaceObject("x", map[string]string{"istio-injection": "enabled"}) },
			settings: Settings{Mutation: MutationSettings{Namespaces: true}},
			want:     "legacy istio-injection=enabled",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := injectedCtx()
			ctx.Operation = tc.op
			res, err := mustEngine(t, tc.settings).Mutate(ctx, tc.obj())
			if err != nil {
				t.Fatalf("Mutate: %v", err)
			}
			if tc.want == "" && res.Skipped != "" {
				t.Fatalf("skipped: %s", res.Skipped)
			}
			if !strings.Contains(res.Skipped, tc.want) {
				t.Fatalf("Skipped = %q, want it to contain %q", res.Skipped, tc.want)
			}
			if res.Skipped != "" && len(res.Applied) > 0 {
				t.Errorf("skipped object has applied mutators %v", res.Applied)
			}
		})
	}
}

func TestMutateRecordsAndIsIdempotent(t *testing.T) {
	tests := map[string]struct {
		pod         func() *Object
		existing    string
		wantApplied []string
		wantMarker  string
	}{
		"fresh pod gets all sidecar mutators": {
			pod:         func() *Object { return podObject(testPod("mesh")) },
			wantApplied: []string{"IGR901", "IGR902", "IGR903"},
			wantMarker:  "IGR901,IGR902,IGR903",
		},
		"union with an earlier marker": {
			pod:         func() *Object { return podObject(testPod("mesh")) },
			existing:    "IGR904, IGR901",
			wantApplied: []string{"IGR901", "IGR902", "IGR903"},
			wantMarker:  "IGR901,IGR902,IGR903,IGR904",
		},
		"deployment template": {
			pod:         func() *Object { return deploymentObject(testPod("mesh")) },
			wantApplied: []string{"IGR901", "IGR902", "IGR903"},
			wantMarker:  "IGR901,IGR902,IGR903",
		},
	}
	e := mustEngine(t, Settings{Mutation: MutationSettings{Workloads: true}})
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			obj := tc.pod()
			if tc.existing != "" {
				obj.Meta.Annotations = map[string]string{AnnotationMutated: tc.existing}
			}
			res, err := e.Mutate(injectedCtx(), obj)
			if err != nil {
				t.Fatalf("Mutate: %v", err)
			}
			if !reflect.DeepEqual(res.Applied, tc.wantApplied) {
				t.Errorf("Applied = %v, want %v", res.Applied, tc.wantApplied)
			}
			if got := obj.Meta.Annotations[AnnotationMutated]; got != tc.wantMarker {
				t.Errorf("marker = %q, want %q", got, tc.wantMarker)
			}
			snapshot := obj.Body.(runtime.Object).DeepCopyObject()
			res2, err := e.Mutate(injectedCtx(), obj)
			if err != nil {
				t.Fatalf("second Mutate: %v", err)
			}
			if len(res2.Applied) != 0 || !equality.Semantic.DeepEqual(snapshot, obj.Body) {
				t.Errorf("second run applied %v or changed the object", res2.Applied)
			}
		})
	}
}

func TestConvergeBound(t *testing.T) {
	calls := 0
	flappy := &compiledMutator{m: &Mutator{ID: "IGR999", Apply: func(*Context, *Object, Params) (bool, error) {
		calls++
		return true, nil
	}}}
	_, err := converge(&Context{}, podObject(testPod("mesh")), []*compiledMutator{flappy})
	if err == nil || !strings.Contains(err.Error(), "did not converge") {
		t.Fatalf("err = %v, want a convergence error", err)
	}
	if calls != maxMutationRounds {
		t.Errorf("Apply called %d times, want %d", calls, maxMutationRounds)
	}
}

func TestNewEngineRejectsBadMutatorSettings(t *testing.T) {
	tests := map[string]Settings{
		"unknown mutator":     {Mutators: map[string]MutatorSettings{"IGR999": {}}},
		"request above limit": {Mutators: map[string]MutatorSettings{"IGR901": {Params: paramsWith(func(p *IGR901Params) { p.CPURequest = "3" })}}},
		"bad quantity":        {Mutators: map[string]MutatorSettings{"IGR901": {Params: paramsWith(func(p *IGR901Params) { p.MemoryLimit = "lots" })}}},
		"bad preStop action":  {Mutators: map[string]MutatorSettings{"IGR902": {Params: paramsWith(func(p *IGR902Params) { p.PreStopAction = "wait" })}}},
		"zero preStop":        {Mutators: map[string]MutatorSettings{"IGR902": {Params: paramsWith(func(p *IGR902Params) { p.PreStopSeconds = 0 })}}},
		"revision not a label": {Mutators: map[string]MutatorSettings{
			"IGR904": {Params: paramsWith(func(p *IGR904Params) { p.NamespaceRevisions = []string{"prod=1.20"} })}}},
		"entry without revision": {Mutators: map[string]MutatorSettings{
			"IGR904": {Params: paramsWith(func(p *IGR904Params) { p.NamespaceRevisions = []string{"prod"} })}}},
		"bad selector": {Mutators: map[string]MutatorSettings{
			"IGR904": {Params: paramsWith(func(p *IGR904Params) { p.NamespaceRevisions = []string{"selector:env in (a=1-20-0"} })}}},
		"bad glob": {Mutators: map[string]MutatorSettings{
			"IGR904": {Params: paramsWith(func(p *IGR904Params) { p.NamespaceRevisions = []string{"prod-[=1-20-0"} })}}},
		"bad default revision": {Mutators: map[string]MutatorSettings{
			"IGR904": {Params: paramsWith(func(p *IGR904Params) { p.DefaultRevision = "Canary_1" })}}},
		"bad skip pattern": {Mutation: MutationSettings{SkipNamespaces: []string{"["}}},
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := NewEngine(s); err == nil {
				t.Fatal("NewEngine accepted invalid settings")
			}
		})
	}
}
