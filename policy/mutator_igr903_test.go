package policy

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestIGR903(t *testing.T) {
	tests := map[string]struct {
		config    *string
		native    string // "", "annotation" or "injected"
		classic   bool
		want      *string
		wantNote  string
		wantApply bool
	}{
		"no config":            {want: ptr("holdApplicationUntilProxyStarts: true\n"), wantApply: true},
		"YAML config":          {config: ptr("concurrency: 2\n"), want: ptr("concurrency: 2\nholdApplicationUntilProxyStarts: true\n"), wantApply: true},
		"JSON config":          {config: ptr(`{"concurrency": 2}`), want: ptr(`{"concurrency": 2, "holdApplicationUntilProxyStarts": true}`), wantApply: true},
		"user said false":      {config: ptr("holdApplicationUntilProxyStarts: false"), want: ptr("holdApplicationUntilProxyStarts: false")},
		"unparsable":           {config: ptr("concurrency: [1"), want: ptr("concurrency: [1"), wantNote: "is not valid YAML or JSON"},
		"native by annotation": {native: "annotation", wantNote: "native sidecar"},
		"native injected":      {native: "injected", wantNote: "native sidecar"},
		"classic injected":     {classic: true, wantNote: "already injected"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := testPod("mesh")
			pod.Annotations = map[string]string{}
			if tc.config != nil {
				pod.Annotations["proxy.istio.io/config"] = *tc.config
			}
			switch tc.native {
			case "annotation":
				pod.Annotations["sidecar.istio.io/nativeSidecar"] = "true"
			case "injected":
				pod.Spec.InitContainers = []corev1.Container{nativeProxy()}
			}
			if tc.classic {
				pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: IstioProxyContainer})
			}
			obj := podObject(pod)
			changed, err := applyIGR903(nil, obj, nil)
			if err != nil || changed != tc.wantApply {
				t.Fatalf("changed = %v, err = %v", changed, err)
			}
			got, ok := pod.Annotations["proxy.istio.io/config"]
			if (tc.want == nil) == ok || (ok && got != *tc.want) {
				t.Errorf("config = %q (set %v), want %v", got, ok, tc.want)
			}
			notes := strings.Join(notesIGR903(nil, obj, nil), "\n")
			if (tc.wantNote == "") != (notes == "") || !strings.Contains(notes, tc.wantNote) {
				t.Errorf("notes = %q, want %q", notes, tc.wantNote)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
