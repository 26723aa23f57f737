package policy

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodInjectionOf(t *testing.T) {
	tests := map[string]struct {
		labels, annotations map[string]string
		v                   IstioVersion // zero: the default release
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
		// Up to 1.26 (before istio/istio#56737) injectRequired lowercased the
		// value: "y", "yes", "true", "on" inject, any other non-empty value
		// disables injection.
		"1.26: annotation On injects": {v: IstioVersion{26}, annotations: map[string]string{"sidecar.istio.io/inject": "On"},
			want: podInjection{Set: true, Inject: true, Where: "annotations", Value: "On"}},
		"1.26: label y injects": {v: IstioVersion{26}, labels: map[string]string{"sidecar.istio.io/inject": "y"},
			want: podInjection{Set: true, Inject: true, Where: "labels", Value: "y"}},
		"1.26: label TRUE injects": {v: IstioVersion{26}, labels: map[string]string{"sidecar.istio.io/inject": "TRUE"},
			want: podInjection{Set: true, Inject: true, Where: "labels", Value: "TRUE"}},
		"1.26: label disabled disables": {v: IstioVersion{26}, labels: map[string]string{"sidecar.istio.io/inject": "disabled"},
			want: podInjection{Set: true, Where: "labels", Value: "disabled"}},
		"1.26: untrimmed true disables": {v: IstioVersion{26}, annotations: map[string]string{"sidecar.istio.io/inject": "true "},
			want: podInjection{Set: true, Where: "annotations", Value: "true "}},
		"1.26: empty label replaces the annotation and decides nothing": {v: IstioVersion{26},
			labels:      map[string]string{"sidecar.istio.io/inject": ""},
			annotations: map[string]string{"sidecar.istio.io/inject": "false"},
			want:        podInjection{Where: "labels"}},
		"1.27: label y decides nothing": {v: IstioVersion{27}, labels: map[string]string{"sidecar.istio.io/inject": "y"},
			want: podInjection{Where: "labels", Value: "y"}},
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			got := podInjectionOf(&metav1.ObjectMeta{Labels: tc.labels, Annotations: tc.annotations}, tc.v)
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

func TestParseIstioVersion(t *testing.T) {
	for in, want := range map[string]int{"": newestIstioMinor, "1.26": 26, "1.26.3": 26, "v1.27": 27, "1.27.0-rc.0": 27, "1.40": 40} {
		got, err := ParseIstioVersion(in)
		if err != nil || got.Minor != want {
			t.Errorf("ParseIstioVersion(%q) = %v, %v; want 1.%d", in, got, err, want)
		}
	}
	for _, in := range []string{"1.23", "2.0", "1", "latest", "1.26.x", " 1.26"} {
		if got, err := ParseIstioVersion(in); err == nil {
			t.Errorf("ParseIstioVersion(%q) = %v, want an error", in, got)
		}
	}
	if _, err := NewEngine(Settings{IstioVersion: "1.20"}); err == nil {
		t.Error("NewEngine accepted istioVersion 1.20")
	}
}
