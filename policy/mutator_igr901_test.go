package policy

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestIGR901Annotations(t *testing.T) {
	const cpu, cpuL, mem, memL = "sidecar.istio.io/proxyCPU", "sidecar.istio.io/proxyCPULimit",
		"sidecar.istio.io/proxyMemory", "sidecar.istio.io/proxyMemoryLimit"
	tests := map[string]struct {
		user    map[string]string
		want    map[string]string
		changed bool
	}{
		"none set: all four defaults": {
			want:    map[string]string{cpu: "100m", cpuL: "2000m", mem: "128Mi", memL: "1Gi"},
			changed: true,
		},
		"user request kept, others filled": {
			user:    map[string]string{cpu: "250m"},
			want:    map[string]string{cpu: "250m", cpuL: "2000m", mem: "128Mi", memL: "1Gi"},
			changed: true,
		},
		"request above default limit raises the limit": {
			user:    map[string]string{cpu: "3", mem: "2Gi"},
			want:    map[string]string{cpu: "3", cpuL: "3", mem: "2Gi", memL: "2Gi"},
			changed: true,
		},
		"limit below default request lowers the request": {
			user:    map[string]string{cpuL: "50m", memL: "64Mi"},
			want:    map[string]string{cpu: "50m", cpuL: "50m", mem: "64Mi", memL: "64Mi"},
			changed: true,
		},
		"all set: untouched": {
			user: map[string]string{cpu: "1", cpuL: "1", mem: "1Gi", memL: "1Gi"},
			want: map[string]string{cpu: "1", cpuL: "1", mem: "1Gi", memL: "1Gi"},
		},
		"invalid quantity: untouched": {
			user: map[string]string{cpu: "lots"},
			want: map[string]string{cpu: "lots"},
		},
		"request above user limit: untouched": {
			user: map[string]string{mem: "2Gi", memL: "1Gi"},
			want: map[string]string{mem: "2Gi", memL: "1Gi"},
		},
	}
	p := mutatorIGR901().Params.New().(*IGR901Params)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := testPod("mesh")
			pod.Annotations = tc.user
			changed, err := applyIGR901(nil, podObject(pod), p)
			if err != nil || changed != tc.changed {
				t.Fatalf("changed = %v, err = %v; want changed %v", changed, err, tc.changed)
			}
			if !reflect.DeepEqual(pod.Annotations, tc.want) {
				t.Errorf("annotations = %v, want %v", pod.Annotations, tc.want)
			}
		})
	}
}

func TestIGR901InjectedContainer(t *testing.T) {
	q := resource.MustParse
	tests := map[string]struct {
		native     bool
		have, want corev1.ResourceRequirements
	}{
		"classic sidecar without resources": {
			want: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{"cpu": q("100m"), "memory": q("128Mi")},
				Limits:   corev1.ResourceList{"cpu": q("2"), "memory": q("1Gi")},
			},
		},
		"native sidecar keeps the user's request": {
			native: true,
			have:   corev1.ResourceRequirements{Requests: corev1.ResourceList{"cpu": q("4")}},
			want: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{"cpu": q("4"), "memory": q("128Mi")},
				Limits:   corev1.ResourceList{"cpu": q("4"), "memory": q("1Gi")},
			},
		},
	}
	p := mutatorIGR901().Params.New().(*IGR901Params)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := testPod("mesh")
			proxy := corev1.Container{Name: IstioProxyContainer, Resources: tc.have}
			if tc.native {
				proxy = nativeProxy()
				proxy.Resources = tc.have
				pod.Spec.InitContainers = []corev1.Container{proxy}
			} else {
				pod.Spec.Containers = append(pod.Spec.Containers, proxy)
			}
			obj := podObject(pod)
			if _, err := applyIGR901(nil, obj, p); err != nil {
				t.Fatal(err)
			}
			pt, _ := PodTemplateOf(obj)
			c, _, _ := InjectedSidecar(pt)
			for _, list := range []struct{ got, want corev1.ResourceList }{
				{c.Resources.Requests, tc.want.Requests}, {c.Resources.Limits, tc.want.Limits},
			} {
				for k, w := range list.want {
					if g := list.got[k]; g.Cmp(w) != 0 {
						t.Errorf("%s = %s, want %s", k, g.String(), w.String())
					}
				}
			}
			if len(pod.Annotations) != 0 {
				t.Errorf("injected pod got annotations %v", pod.Annotations)
			}
			if changed, _ := applyIGR901(nil, obj, p); changed {
				t.Error("second apply changed the container")
			}
		})
	}
}
