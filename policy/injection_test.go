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
		"nothing set":     {want: podInjection{Where: "annotations"}},
		"annotation true": {annotations: map[string]string{"sidecar.istio.io/inject": "true"}, want: podInjection{Set: true, Inject: true, Where: "annotations", Value: "true"}},
		"label false":     {labels: map[string]string{"sidecar.istio.io/inject": "false"}, want: podInjection{Set: true, Where: "labels", Value: "false"}},
		// Istio 1.31 reads only "true" and "false"; everything else falls back
		// to the default policy (inject.go: "Only 'true' and 'false' are accepted").
		"annotation On decides nothing":  {annotations: map[string]string{"sidecar.istio.io/inject": "On"}, want: podInjection{Where: "annotations", Value: "On"}},
		"label y decides nothing":        {labels: map[string]string{"sidecar.istio.io/inject": "y"}, want: podInjection{Where: "labels", Value: "y"}},
		"label disabled decides nothing": {labels: map[string]string{"sidecar.istio.io/inject": "disabled"}, want: podInjection{Where: "labels", Value: "disabled"}},
		"label False decides nothing":    {labels: map[string]string{"sidecar.istio.io/inject": "False"}, want: podInjection{Where: "labels", Value: "False"}},
		"untrimmed true decides nothing": {annotations: map[string]string{"sidecar.istio.io/inject": "true "}, want: podInjection{Where: "annotations", Value: "true "}},
		"empty annotation":               {annotations: map[string]string{"sidecar.istio.io/inject": ""}, want: podInjection{Where: "annotations"}},
		"label beats annotation": {
			labels:      map[string]string{"sidecar.istio.io/inject": "false"},
			annotations: map[string]string{"sidecar.istio.io/inject": "true"},
			want:        podInjection{Set: true, Where: "labels", Value: "false"},
		},
		"empty label still replaces the annotation": {
			labels:      map[string]string{"sidecar.istio.io/inject": ""},
			annotations: map[string]string{"sidecar.istio.io/inject": "false"},
			want:        podInjection{Where: "labels"},
		},
		"invalid label still replaces a valid annotation": {
			labels:      map[string]string{"sidecar.istio.io/inject": "no"},
			annotations: map[string]string{"sidecar.istio.io/inject": "false"},
			want:        podInjection{Where: "labels", Value: "no"},
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
