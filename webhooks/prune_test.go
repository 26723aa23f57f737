package webhooks

import (
	"math"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestPruneEqual: the parts equal in both copies are zeroed in both, the
// parts that differ are kept whole in both, and opaque values (a Quantity)
// and maps are compared and zeroed whole, never entered.
func TestPruneEqual(t *testing.T) {
	pod := func(image, cpu string) *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{
			ServiceAccountName: "sa",
			Containers: []corev1.Container{
				{Name: "app", Image: image, Args: []string{"serve"}},
				{Name: "istio-proxy", Image: "proxyv2", Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)},
				}},
			},
		}}
	}
	b, a := pod("nginx:1", "100m"), pod("nginx:2", "100m")
	if pruneEqual(reflect.ValueOf(b).Elem(), reflect.ValueOf(a).Elem()) {
		t.Fatal("pods with different images reported equal")
	}
	want := func(image string) string {
		return `{"metadata":{},"spec":{"containers":[{"name":"","image":"` + image + `","resources":{}},{"name":"","resources":{}}]},"status":{}}`
	}
	for side, p := range map[string]*corev1.Pod{"before": b, "after": a} {
		image := map[string]string{"before": "nginx:1", "after": "nginx:2"}[side]
		if got := mustJSON(t, p); string(got) != want(image) {
			t.Errorf("%s pruned to\n%s\nwant\n%s", side, got, want(image))
		}
	}

	b, a = pod("nginx", "100m"), pod("nginx", "0.1")
	if pruneEqual(reflect.ValueOf(b).Elem(), reflect.ValueOf(a).Elem()) {
		t.Fatal("quantities 100m and 0.1 (different values of the opaque type) reported equal")
	}
	if got := string(mustJSON(t, a.Spec.Containers[1].Resources)); got != `{"requests":{"cpu":"100m"}}` {
		t.Errorf("after's resources pruned to %s, want the map kept whole", got)
	}
	if a.Spec.Containers[0].Name != "" || b.Spec.ServiceAccountName != "" {
		t.Error("equal container or field not zeroed")
	}

	b, a = pod("nginx", "1"), pod("nginx", "1")
	if !pruneEqual(reflect.ValueOf(b).Elem(), reflect.ValueOf(a).Elem()) {
		t.Fatal("equal pods reported different")
	}
}

// TestPruneEqualConservative: a struct with an unexported embedded struct
// (whose fields encoding/json promotes) is never reported equal, and
// slices that differ in length or nil-ness are kept.
func TestPruneEqualConservative(t *testing.T) {
	type inner struct{ X int }
	type outer struct {
		inner
		S []inner
	}
	b, a := &outer{inner: inner{1}}, &outer{inner: inner{1}}
	if pruneEqual(reflect.ValueOf(b).Elem(), reflect.ValueOf(a).Elem()) {
		t.Error("struct with an unexported embedded field reported equal")
	}
	if got := string(mustJSON(t, a)); got != `{"X":1,"S":null}` {
		t.Errorf("pruned to %s, want the promoted field kept", got)
	}
	type list struct{ S []inner }
	for _, c := range [][2]*list{{{S: nil}, {S: []inner{}}}, {{S: []inner{{1}}}, {S: []inner{{1}, {2}}}}} {
		b, a := c[0], c[1]
		before, after := string(mustJSON(t, b)), string(mustJSON(t, a))
		if pruneEqual(reflect.ValueOf(b).Elem(), reflect.ValueOf(a).Elem()) {
			t.Errorf("%s and %s reported equal", before, after)
		}
		if got := string(mustJSON(t, b)) + string(mustJSON(t, a)); got != before+after {
			t.Errorf("%s and %s pruned to %s", before, after, got)
		}
	}
}

// TestPruneKeepsFloats: 0 and -0 are DeepEqual but encode apart, so a
// value that may hold a float is never zeroed.
func TestPruneKeepsFloats(t *testing.T) {
	type doc struct {
		F float64
		M map[string]any
		S string
	}
	negZero := math.Copysign(0, -1)
	b, a := &doc{F: 0, M: map[string]any{"x": 0.0}, S: "s"}, &doc{F: negZero, M: map[string]any{"x": negZero}, S: "s"}
	if pruneEqual(reflect.ValueOf(b).Elem(), reflect.ValueOf(a).Elem()) {
		t.Fatal("0 and -0 reported equal")
	}
	if got := string(mustJSON(t, a)); got != `{"F":-0,"M":{"x":-0},"S":""}` {
		t.Errorf("after pruned to %s, want the floats kept and the string zeroed", got)
	}
}

// TestPrunedPairLeavesAfterAlone: the mutated object is pruned through
// copies (the audit validation reads it afterwards), even where two of its
// fields share one pointer.
func TestPrunedPairLeavesAfterAlone(t *testing.T) {
	pod := func() *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "app", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}},
			{Name: "istio-proxy", Args: []string{"proxy"}, Env: []corev1.EnvVar{{Name: "B", Value: "2"}}},
		}}}
	}
	before, after := pod(), pod()
	shared := &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 15}}}
	after.Spec.Containers[0].Lifecycle, after.Spec.Containers[1].Lifecycle = shared, shared
	after.Spec.Containers[1].Env[0].Value = "3"
	want := string(mustJSON(t, after))
	pruned := prunedPair(before, after)
	if got := string(mustJSON(t, after)); got != want {
		t.Fatalf("pruning changed the mutated object:\n%s\nwas\n%s", got, want)
	}
	const wantPruned = `{"metadata":{},"spec":{"containers":[{"name":"","resources":{},"lifecycle":{"preStop":{"sleep":{"seconds":15}}}},` +
		`{"name":"","env":[{"name":"","value":"3"}],"resources":{},"lifecycle":{"preStop":{"sleep":{"seconds":15}}}}]},"status":{}}`
	if got := string(mustJSON(t, pruned)); got != wantPruned {
		t.Errorf("pruned after is\n%s\nwant\n%s", got, wantPruned)
	}
}

// TestDeepEqualFastPaths: the direct comparisons of string maps and
// slices answer as reflect.DeepEqual does, nil against empty included.
func TestDeepEqualFastPaths(t *testing.T) {
	maps := []map[string]string{nil, {}, {"a": "1"}, {"a": "2"}, {"b": "1"}, {"a": "1", "b": "1"}}
	for _, x := range maps {
		for _, y := range maps {
			if got, want := deepEqual(&x, &y), reflect.DeepEqual(x, y); got != want {
				t.Errorf("deepEqual(%#v, %#v) = %v, want %v", x, y, got, want)
			}
		}
	}
	lists := [][]string{nil, {}, {"a"}, {"b"}, {"a", "b"}, {"b", "a"}}
	for _, x := range lists {
		for _, y := range lists {
			if got, want := deepEqual(&x, &y), reflect.DeepEqual(x, y); got != want {
				t.Errorf("deepEqual(%#v, %#v) = %v, want %v", x, y, got, want)
			}
		}
	}
}
