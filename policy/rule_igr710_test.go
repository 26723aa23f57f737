package policy

import (
	"strings"
	"testing"
)

func TestIGR710(t *testing.T) {
	tests := map[string]struct {
		annotations map[string]string
		workload    bool
		want        []string // substrings, one per violation
	}{
		"none set":            {},
		"valid values":        {annotations: map[string]string{"sidecar.istio.io/proxyCPU": "100m", "sidecar.istio.io/proxyCPULimit": "1"}},
		"not a quantity":      {annotations: map[string]string{"sidecar.istio.io/proxyMemory": "lots"}, want: []string{`metadata.annotations[sidecar.istio.io/proxyMemory]: "lots" is not a valid quantity`}},
		"negative":            {annotations: map[string]string{"sidecar.istio.io/proxyCPULimit": "-1"}, want: []string{"must not be negative"}},
		"request above limit": {annotations: map[string]string{"sidecar.istio.io/proxyCPU": "2", "sidecar.istio.io/proxyCPULimit": "500m"}, want: []string{"is above the limit sidecar.istio.io/proxyCPULimit=500m"}},
		"workload template path": {
			annotations: map[string]string{"sidecar.istio.io/proxyCPU": "x"}, workload: true,
			want: []string{"spec.template.metadata.annotations[sidecar.istio.io/proxyCPU]"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := testPod("mesh")
			pod.Annotations = tc.annotations
			obj := podObject(pod)
			if tc.workload {
				obj = deploymentObject(pod)
			}
			got := ruleIGR710().Check(nil, obj, nil)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d violations %v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i].Text(), w) {
					t.Errorf("violation %q does not contain %q", got[i].Text(), w)
				}
			}
		})
	}
}
