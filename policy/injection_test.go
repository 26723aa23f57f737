package policy

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodInjectionOf(t *testing.T) {
	tests := map[string]struct {
		labels, annotations map[string]string
		want                podInjection
	}{
		"nothing set":      {want: podInjection{}},
		"annotation true":  {annotations: map[string]string{"sidecar.istio.io/inject": "true"}, want: podInjection{Set: true, Inject: true, Where: "annotations", Value: "true"}},
		"annotation On":    {annotations: map[string]string{"sidecar.istio.io/inject": "On"}, want: podInjection{Set: true, Inject: true, Where: "annotations", Value: "On"}},
		"label y":          {labels: map[string]string{"sidecar.istio.io/inject": "y"}, want: podInjection{Set: true, Inject: true, Where: "labels", Value: "y"}},
		"label false":      {labels: map[string]string{"sidecar.istio.io/inject": "false"}, want: podInjection{Set: true, Where: "labels", Value: "false"}},
		"label disabled":   {labels: map[string]string{"sidecar.istio.io/inject": "disabled"}, want: podInjection{Set: true, Where: "labels", Value: "disabled"}},
		"untrimmed True":   {annotations: map[string]string{"sidecar.istio.io/inject": " True"}, want: podInjection{Set: true, Where: "annotations", Value: " True"}},
		"empty annotation": {annotations: map[string]string{"sidecar.istio.io/inject": ""}, want: podInjection{}},
		"label beats annotation": {
			labels:      map[string]string{"sidecar.istio.io/inject": "false"},
			annotations: map[string]string{"sidecar.istio.io/inject": "true"},
			want:        podInjection{Set: true, Where: "labels", Value: "false"},
		},
		"empty label still replaces the annotation": {
			labels:      map[string]string{"sidecar.istio.io/inject": ""},
			annotations: map[string]string{"sidecar.istio.io/inject": "false"},
			want:        podInjection{},
		},
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			got := podInjectionOf(&metav1.ObjectMeta{Labels: tc.labels, Annotations: tc.annotations})
			if got != tc.want {
				t.Errorf("podInjectionOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestNamespaceInjection(t *testing.T) {
	tests := map[string]struct {
		labels                    map[string]string
		wantInjected, wantDecided bool
		wantNamespaceInjected     bool
	}{
		"no labels":                      {},
		"legacy enabled":                 {labels: map[string]string{"istio-injection": "enabled"}, wantInjected: true, wantDecided: true, wantNamespaceInjected: true},
		"legacy disabled beats rev":      {labels: map[string]string{"istio-injection": "disabled", "istio.io/rev": "canary"}, wantDecided: true},
		"legacy with any other value":    {labels: map[string]string{"istio-injection": "true"}, wantDecided: true},
		"revision":                       {labels: map[string]string{"istio.io/rev": "canary"}, wantInjected: true, wantDecided: true, wantNamespaceInjected: true},
		"empty revision decides nothing": {labels: map[string]string{"istio.io/rev": ""}},
		"ambient revision namespace": {
			labels:       map[string]string{"istio.io/rev": "canary", "istio.io/dataplane-mode": "ambient"},
			wantInjected: true, wantDecided: true,
		},
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			injected, decided := namespaceInjection(tc.labels)
			if injected != tc.wantInjected || decided != tc.wantDecided {
				t.Errorf("namespaceInjection = (%t, %t), want (%t, %t)", injected, decided, tc.wantInjected, tc.wantDecided)
			}
			if got := namespaceInjected(tc.labels); got != tc.wantNamespaceInjected {
				t.Errorf("namespaceInjected = %t, want %t", got, tc.wantNamespaceInjected)
			}
		})
	}
}
