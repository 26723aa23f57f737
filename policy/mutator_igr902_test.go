package policy

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestIGR902(t *testing.T) {
	int64p := func(v int64) *int64 { return &v }
	tests := map[string]struct {
		params      Params
		edit        func(p *corev1.Pod)
		wantGrace   *int64
		wantPreStop string // "sleep", "exec", "user" or "none" for the app container
		wantConfig  string
	}{
		"defaults": {
			wantGrace: int64p(35), wantPreStop: "sleep", wantConfig: "terminationDrainDuration: 20s\n",
		},
		"exec action": {
			params:    paramsWith(func(p *IGR902Params) { p.PreStopAction = "exec" }),
			wantGrace: int64p(35), wantPreStop: "exec", wantConfig: "terminationDrainDuration: 20s\n",
		},
		"existing preStop is kept": {
			edit: func(p *corev1.Pod) {
				p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{
					Exec: &corev1.ExecAction{Command: []string{"/bin/drain"}}}}
			},
			wantGrace: int64p(35), wantPreStop: "user", wantConfig: "terminationDrainDuration: 20s\n",
		},
		"short grace period is raised": {
			edit:      func(p *corev1.Pod) { p.Spec.TerminationGracePeriodSeconds = int64p(10) },
			wantGrace: int64p(35), wantPreStop: "sleep", wantConfig: "terminationDrainDuration: 20s\n",
		},
		"long grace period is never lowered": {
			edit:      func(p *corev1.Pod) { p.Spec.TerminationGracePeriodSeconds = int64p(120) },
			wantGrace: int64p(120), wantPreStop: "sleep", wantConfig: "terminationDrainDuration: 20s\n",
		},
		"user drain is kept and counted": {
			edit: func(p *corev1.Pod) {
				p.Annotations = map[string]string{"proxy.istio.io/config": `{"terminationDrainDuration":"45s"}`}
			},
			wantGrace: int64p(60), wantPreStop: "sleep", wantConfig: `{"terminationDrainDuration":"45s"}`,
		},
		"short settings fit the default grace period": {
			params:    paramsWith(func(p *IGR902Params) { p.PreStopSeconds = 15; p.TerminationDrainDuration = 10 * time.Second }),
			wantGrace: nil, wantPreStop: "sleep", wantConfig: "terminationDrainDuration: 10s\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := mutatorIGR902().Params.New().(*IGR902Params)
			if tc.params != nil {
				p = tc.params.(*IGR902Params)
			}
			pod := testPod("mesh")
			pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: IstioProxyContainer})
			if tc.edit != nil {
				tc.edit(pod)
			}
			obj := podObject(pod)
			if _, err := applyIGR902(nil, obj, p); err != nil {
				t.Fatal(err)
			}
			if got := pod.Spec.TerminationGracePeriodSeconds; (got == nil) != (tc.wantGrace == nil) ||
				(got != nil && *got != *tc.wantGrace) {
				t.Errorf("grace = %v, want %v", deref(got), deref(tc.wantGrace))
			}
			if got := preStopKind(pod.Spec.Containers[0]); got != tc.wantPreStop {
				t.Errorf("app preStop = %s, want %s", got, tc.wantPreStop)
			}
			if pod.Spec.Containers[1].Lifecycle != nil {
				t.Error("istio-proxy got a preStop hook")
			}
			if got := pod.Annotations["proxy.istio.io/config"]; got != tc.wantConfig {
				t.Errorf("proxy config = %q, want %q", got, tc.wantConfig)
			}
			if changed, _ := applyIGR902(nil, obj, p); changed {
				t.Error("second apply changed the pod")
			}
		})
	}
}

func TestIGR902NativeSidecarUntouched(t *testing.T) {
	pod := testPod("mesh")
	pod.Spec.InitContainers = []corev1.Container{nativeProxy()}
	if _, err := applyIGR902(nil, podObject(pod), mutatorIGR902().Params.New().(*IGR902Params)); err != nil {
		t.Fatal(err)
	}
	if pod.Spec.InitContainers[0].Lifecycle != nil {
		t.Error("native sidecar got a lifecycle hook")
	}
	if preStopKind(pod.Spec.Containers[0]) != "sleep" {
		t.Error("application container got no preStop")
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// preStopKind classifies a container's preStop hook.
func preStopKind(c corev1.Container) string {
	switch {
	case c.Lifecycle == nil || c.Lifecycle.PreStop == nil:
		return "none"
	case c.Lifecycle.PreStop.Sleep != nil && c.Lifecycle.PreStop.Sleep.Seconds == 15:
		return "sleep"
	case c.Lifecycle.PreStop.Exec != nil && len(c.Lifecycle.PreStop.Exec.Command) == 2 &&
		c.Lifecycle.PreStop.Exec.Command[0] == "sleep":
		return "exec"
	}
	return "user"
}
