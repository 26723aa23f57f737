package chart

import (
	"slices"
	"strings"
	"testing"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TestCertManagerMode checks the standard webhook CA chain, the serving
// Certificate, the CA injection annotation and the mounted Secret.
func TestCertManagerMode(t *testing.T) {
	tests := map[string]struct {
		mode       string
		issuers    []string
		issuerName string
		issuerKind string
	}{
		"chart CA chain": {"cert-manager with the chart's CA chain", []string{fullname + "-ca", fullname + "-selfsigned"}, fullname + "-ca", "Issuer"},
		"given issuer":   {"cert-manager with a given issuer", nil, "corp-ca", "ClusterIssuer"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := render(t, modes[tc.mode])
			if got := m.names("Issuer"); !slices.Equal(got, tc.issuers) {
				t.Errorf("Issuers = %v, want %v", got, tc.issuers)
			}
			var cert cmapi.Certificate
			decodeInto(t, m, "Certificate", fullname+"-serving", &cert)
			wantDNS := []string{fullname, fullname + "." + namespace, fullname + "." + namespace + ".svc"}
			if !slices.Equal(cert.Spec.DNSNames, wantDNS) {
				t.Errorf("dnsNames = %v, want %v", cert.Spec.DNSNames, wantDNS)
			}
			if cert.Spec.IssuerRef.Name != tc.issuerName || cert.Spec.IssuerRef.Kind != tc.issuerKind {
				t.Errorf("issuerRef = %+v, want %s %s", cert.Spec.IssuerRef, tc.issuerKind, tc.issuerName)
			}
			if pk := cert.Spec.PrivateKey; pk == nil || pk.RotationPolicy != cmapi.RotationPolicyAlways {
				t.Error("the serving key must rotate with the certificate (rotationPolicy Always)")
			}
			checkCAInjection(t, m, namespace+"/"+fullname+"-serving")
			checkFileMode(t, m, cert.Spec.SecretName)
			if m.find("Secret", fullname+"-tls") != nil || m.find("Role", fullname+"-tls") != nil {
				t.Error("cert-manager mode must not create the self-managed Secret or its Role")
			}
		})
	}
}

func checkCAInjection(t *testing.T, m *rendered, want string) {
	t.Helper()
	v, mu := webhooks(t, m)
	for kind, ann := range map[string]map[string]string{"validating": v.Annotations, "mutating": mu.Annotations} {
		if got := ann["cert-manager.io/inject-ca-from"]; got != want {
			t.Errorf("%s webhook configuration inject-ca-from = %q, want %q", kind, got, want)
		}
	}
}

// checkFileMode checks that the certificate Secret is mounted at /tls and the
// server reads it there.
func checkFileMode(t *testing.T, m *rendered, secret string) {
	t.Helper()
	d := deployment(t, m)
	c := container(t, d)
	vol := volume(d.Spec.Template.Spec.Volumes, "tls")
	if vol == nil || vol.Secret == nil || vol.Secret.SecretName != secret {
		t.Errorf("tls volume %+v must mount Secret %s", vol, secret)
	}
	if mnt := mount(c.VolumeMounts, "tls"); mnt == nil || mnt.MountPath != "/tls" || !mnt.ReadOnly || mnt.SubPath != "" {
		t.Errorf("tls mount %+v must be read-only at /tls without subPath (rotation needs the symlink swap)", mnt)
	}
	for name, want := range map[string]string{"cert-mode": "file", "cert-dir": "/tls"} {
		if got, _ := flag(c.Args, name); got != want {
			t.Errorf("--%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"secret-name", "webhook-config-name"} {
		if _, ok := flag(c.Args, name); ok {
			t.Errorf("--%s is a self-managed flag", name)
		}
	}
}

// TestNoCAInjectionWhenSelfManaged checks that the server, not cert-manager,
// owns the caBundle in self-managed mode.
func TestNoCAInjectionWhenSelfManaged(t *testing.T) {
	v, mu := webhooks(t, render(t, nil))
	if _, ok := v.Annotations["cert-manager.io/inject-ca-from"]; ok {
		t.Error("self-managed validating configuration must not ask cert-manager for injection")
	}
	if _, ok := mu.Annotations["cert-manager.io/inject-ca-from"]; ok {
		t.Error("self-managed mutating configuration must not ask cert-manager for injection")
	}
}

// promRule is the part of a PrometheusRule the test reads (the Prometheus
// Operator's Go types are not a dependency of this module).
type promRule struct {
	Metadata struct {
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert string `json:"alert"`
				Expr  string `json:"expr"`
				For   string `json:"for"`
			} `json:"rules"`
		} `json:"groups"`
	} `json:"spec"`
}

// serviceMonitor is the part of a ServiceMonitor the test reads.
type serviceMonitor struct {
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		Endpoints []struct {
			Port string `json:"port"`
			Path string `json:"path"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// TestMonitoring checks the ServiceMonitor targets the metrics port of the
// Service and that every alert exists with its threshold from values.
func TestMonitoring(t *testing.T) {
	if got := render(t, nil); len(got.names("ServiceMonitor"))+len(got.names("PrometheusRule")) != 0 {
		t.Error("monitoring objects must be off by default")
	}
	values := merge(modes["monitoring on"], map[string]any{"monitoring": map[string]any{"prometheusRule": map[string]any{
		"labels":    map[string]any{"release": "kube-prometheus-stack"},
		"guardrail": map[string]any{"denyRatio": 0.33, "errorRatio": 0.02, "certExpiryDays": 9, "p99LatencySeconds": 0.75, "rejectedRate": 0.05},
		"mesh":      map[string]any{"p99LatencyMilliseconds": 1234, "errorRatio": 0.07, "istiodJob": "istiod-canary"},
	}}})
	m := render(t, values)
	checkServiceMonitor(t, m)
	var pr promRule
	decodeLoose(t, m, "PrometheusRule", fullname, &pr)
	if pr.Metadata.Labels["release"] != "kube-prometheus-stack" {
		t.Error("prometheusRule.labels not applied")
	}
	exprs, fors := map[string]string{}, map[string]string{}
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			exprs[r.Alert], fors[r.Alert] = r.Expr, r.For
		}
	}
	// A burst of 429s is the cap doing its job; only a sustained rate alerts.
	if got := fors["IstioGuardrailRejectingForCapacity"]; got != "10m" {
		t.Errorf("IstioGuardrailRejectingForCapacity for: %q, want 10m", got)
	}
	want := map[string][]string{
		"IstioGuardrailNoReadyReplicas":     {`up{namespace="` + namespace + `", job="` + fullname + `"}`},
		"IstioGuardrailHighDenyRate":        {`istio_guardrail_requests_total`, `decision="denied"`, "> 0.33"},
		"IstioGuardrailConfigReloadFailing": {`istio_guardrail_config_reloads_total{namespace="` + namespace + `", job="` + fullname + `", result="failure"}`},
		"IstioGuardrailHandlerErrors":       {`decision="error"`, "> 0.02"},
		"IstioGuardrailFewerReadyThanPDB": {`kube_poddisruptionbudget_status_current_healthy{namespace="` + namespace + `", poddisruptionbudget="` + fullname + `"}`,
			"< kube_poddisruptionbudget_status_desired_healthy"},
		"IstioGuardrailReplicasUnavailable": {`kube_deployment_status_replicas_available{namespace="` + namespace + `", deployment="` + fullname + `"}`,
			"< kube_deployment_spec_replicas"},
		"IstioGuardrailCertificateExpiring": {"istio_guardrail_certificate_expiry_timestamp_seconds", "< 777600"},
		"IstioGuardrailHighLatency":         {"histogram_quantile(0.99", "istio_guardrail_request_duration_seconds_bucket", "> 0.75"},
		"IstioGuardrailRejectingForCapacity": {`istio_guardrail_requests_rejected_total{namespace="` + namespace + `", job="` + fullname + `", code="429"}[5m]`,
			"> 0.05"},
		"IstioHighRequestLatency": {"istio_request_duration_milliseconds_bucket", "> 1234"},
		"IstioHighErrorRate":      {`response_code=~"5.."`, "> 0.07"},
		"IstioControlPlaneDown":   {`up{job="istiod-canary"}`},
	}
	for alert, parts := range want {
		expr, ok := exprs[alert]
		if !ok {
			t.Errorf("alert %s missing", alert)
		}
		for _, p := range parts {
			if !strings.Contains(expr, p) {
				t.Errorf("alert %s: expr %q does not contain %q", alert, expr, p)
			}
		}
	}
	if len(exprs) != len(want) {
		t.Errorf("got alerts %v, want exactly %d", exprs, len(want))
	}
}

func checkServiceMonitor(t *testing.T, m *rendered) {
	t.Helper()
	var sm serviceMonitor
	decodeLoose(t, m, "ServiceMonitor", fullname, &sm)
	svc := m.find("Service", fullname)
	if svc == nil {
		t.Fatal("no Service")
	}
	if !strings.Contains(string(svc.JSON), `"name":"`+sm.Spec.Endpoints[0].Port+`"`) || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoint %+v does not name a Service port", sm.Spec.Endpoints)
	}
	if !selects(t, labelSelector(sm.Spec.Selector.MatchLabels), serviceLabels(t, m)) {
		t.Error("ServiceMonitor does not select the Service")
	}
}

func labelSelector(l map[string]string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: l}
}

func serviceLabels(t *testing.T, m *rendered) labels.Set {
	t.Helper()
	var svc corev1.Service
	decodeInto(t, m, "Service", fullname, &svc)
	return svc.Labels
}
