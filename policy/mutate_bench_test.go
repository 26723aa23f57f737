package policy

import (
	"fmt"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// benchPod returns a pod with containers app containers of envs env vars each.
func benchPod(containers, envs int) *corev1.Pod {
	p := testPod("mesh")
	p.Spec.Containers = nil
	for i := range containers {
		c := corev1.Container{Name: "app-" + strconv.Itoa(i), Image: "nginx"}
		for j := range envs {
			c.Env = append(c.Env, corev1.EnvVar{Name: "VAR_" + strconv.Itoa(j), Value: "value"})
		}
		p.Spec.Containers = append(p.Spec.Containers, c)
	}
	return p
}

// benchSizes are the pod shapes of the benchmarks: env vars, then containers.
func benchSizes() []struct{ containers, envs int } {
	return []struct{ containers, envs int }{{1, 1}, {1, 100}, {1, 1000}, {10, 1}, {50, 1}, {50, 100}}
}

// BenchmarkMutate measures Engine.Mutate on a fresh copy of a pod (every
// mutator applies, then a second round confirms the fixed point). The copy is
// timed too (stopping the timer per iteration costs more than the work);
// BenchmarkMutateCopyOnly gives that baseline to subtract. The cost must grow
// linearly in env vars and containers: compare ns/op across the sizes.
func BenchmarkMutate(b *testing.B) {
	e := mustEngine(b, Settings{})
	ctx := injectedCtx()
	for _, size := range benchSizes() {
		b.Run(fmt.Sprintf("containers=%d/envs=%d", size.containers, size.envs), func(b *testing.B) {
			template := benchPod(size.containers, size.envs)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Mutate(ctx, podObject(template.DeepCopy())); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMutateCopyOnly is the DeepCopy baseline of BenchmarkMutate.
func BenchmarkMutateCopyOnly(b *testing.B) {
	for _, size := range benchSizes() {
		b.Run(fmt.Sprintf("containers=%d/envs=%d", size.containers, size.envs), func(b *testing.B) {
			template := benchPod(size.containers, size.envs)
			b.ReportAllocs()
			for b.Loop() {
				if podObject(template.DeepCopy()).Body == nil {
					b.Fatal("no copy")
				}
			}
		})
	}
}

// mutateAllocs counts the allocations of one Mutate on a pod of the size.
func mutateAllocs(t *testing.T, e *Engine, containers, envs int) float64 {
	t.Helper()
	const runs = 20
	pods := make([]*corev1.Pod, runs+1) // AllocsPerRun does one warm-up run
	for i := range pods {
		pods[i] = benchPod(containers, envs)
	}
	i := 0
	return testing.AllocsPerRun(runs, func() {
		if _, err := e.Mutate(injectedCtx(), podObject(pods[i])); err != nil {
			t.Fatal(err)
		}
		i++
	})
}

// TestMutateGrowsLinearly pins the complexity the benchmark reports, with
// allocation counts (deterministic, unlike time): env vars cost nothing, and
// each container costs the same whether there are 10 or 50.
func TestMutateGrowsLinearly(t *testing.T) {
	e := mustEngine(t, Settings{})
	base := mutateAllocs(t, e, 1, 1)
	if envs := mutateAllocs(t, e, 1, 1000); envs > base+5 {
		t.Errorf("1000 env vars: %.0f allocs, 1 env var: %.0f; env vars must not cost allocations", envs, base)
	}
	a10, a50 := mutateAllocs(t, e, 10, 1), mutateAllocs(t, e, 50, 1)
	first, second := (a10-base)/9, (a50-a10)/40
	t.Logf("allocs: 1 container %.0f, 10 containers %.0f, 50 containers %.0f", base, a10, a50)
	if second > 2*first+1 {
		t.Errorf("per-container cost grows: %.1f allocs/container for 1-10, %.1f for 10-50", first, second)
	}
}
