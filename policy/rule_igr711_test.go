package policy

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestIGR711(t *testing.T) {
	limits := corev1.ResourceList{"cpu": resource.MustParse("1"), "memory": resource.MustParse("1Gi")}
	tests := map[string]struct {
		proxy  *corev1.Container
		native bool
		want   string // "" = no violation
	}{
		"not injected":        {},
		"classic with limits": {proxy: &corev1.Container{Name: IstioProxyContainer, Resources: corev1.ResourceRequirements{Limits: limits}}},
		"classic no limits":   {proxy: &corev1.Container{Name: IstioProxyContainer}, want: "spec.containers[1].resources.limits: istio-proxy has no cpu or memory limit"},
		"native without memory": {
			proxy: &corev1.Container{Name: IstioProxyContainer, Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{"cpu": resource.MustParse("1")}}},
			native: true, want: "spec.initContainers[0].resources.limits: istio-proxy has no memory limit",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := testPod("mesh")
			if tc.proxy != nil && tc.native {
				c := nativeProxy()
				c.Resources = tc.proxy.Resources
				pod.Spec.InitContainers = []corev1.Container{c}
			} else if tc.proxy != nil {
				pod.Spec.Containers = append(pod.Spec.Containers, *tc.proxy)
			}
			got := ruleIGR711().Check(nil, podObject(pod), nil)
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("unexpected violations %v", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0].Text(), tc.want) {
				t.Fatalf("got %v, want one containing %q", got, tc.want)
			}
		})
	}
}
