package chart

import (
	"path"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

// networkPolicy renders values and returns the NetworkPolicy.
func networkPolicy(t *testing.T, values map[string]any) *networkingv1.NetworkPolicy {
	t.Helper()
	var np networkingv1.NetworkPolicy
	decodeInto(t, render(t, values), "NetworkPolicy", fullname, &np)
	return &np
}

// rulePorts lists "port/protocol" of a rule's ports, sorted.
func rulePorts(ports []networkingv1.NetworkPolicyPort) []string {
	var out []string
	for _, p := range ports {
		proto := "TCP"
		if p.Protocol != nil {
			proto = string(*p.Protocol)
		}
		out = append(out, p.Port.String()+"/"+proto)
	}
	slices.Sort(out)
	return out
}

// TestNetworkPolicy: off by default; when on, the guardrail pods are
// isolated both ways and admit only what the API server needs.
func TestNetworkPolicy(t *testing.T) {
	if names := render(t, nil).names("NetworkPolicy"); len(names) != 0 {
		t.Errorf("NetworkPolicy must be off by default, got %v", names)
	}
	m := render(t, modes["network policy on"])
	np := networkPolicy(t, modes["network policy on"])
	if !selects(t, &np.Spec.PodSelector, deployment(t, m).Spec.Template.Labels) {
		t.Error("NetworkPolicy does not select the guardrail pods")
	}
	if !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}) {
		t.Errorf("policyTypes = %v, want [Ingress Egress]: without Egress the pods may reach anything", np.Spec.PolicyTypes)
	}
	var ingress []string
	for _, r := range np.Spec.Ingress {
		if len(r.Ports) == 0 {
			t.Error("an ingress rule without ports admits every port")
		}
		ingress = append(ingress, rulePorts(r.Ports)...)
	}
	slices.Sort(ingress)
	if want := []string{"8080/TCP", "8081/TCP", "9443/TCP"}; !slices.Equal(ingress, want) {
		t.Errorf("ingress ports = %v, want %v (webhook, metrics, health)", ingress, want)
	}
	if len(np.Spec.Egress) != 2 {
		t.Fatalf("egress rules = %+v, want two (API server, DNS)", np.Spec.Egress)
	}
	api, dns := np.Spec.Egress[0], np.Spec.Egress[1]
	if got, want := rulePorts(api.Ports), []string{"443/TCP", "6443/TCP"}; !slices.Equal(got, want) {
		t.Errorf("API server egress ports = %v, want %v", got, want)
	}
	if len(api.To) != 0 {
		t.Errorf("API server egress with no cidrs given must allow any address (on its ports only), got %+v", api.To)
	}
	if got, want := rulePorts(dns.Ports), []string{"53/TCP", "53/UDP"}; !slices.Equal(got, want) {
		t.Errorf("DNS egress ports = %v, want %v", got, want)
	}
	if len(dns.To) != 1 || dns.To[0].NamespaceSelector == nil || dns.To[0].PodSelector == nil ||
		dns.To[0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "kube-system" ||
		dns.To[0].PodSelector.MatchLabels["k8s-app"] != "kube-dns" {
		t.Errorf("DNS egress must go to kube-system's kube-dns pods only, got %+v", dns.To)
	}
	for _, r := range np.Spec.Egress {
		if len(r.Ports) == 0 {
			t.Error("an egress rule without ports allows every port")
		}
	}
}

// TestNetworkPolicyNarrowed: the values that narrow the policy where the
// cluster's addresses are known.
func TestNetworkPolicyNarrowed(t *testing.T) {
	apiserver := []any{map[string]any{"ipBlock": map[string]any{"cidr": "192.0.2.0/28"}}}
	np := networkPolicy(t, map[string]any{"networkPolicy": map[string]any{
		"enabled": true, "webhookFrom": apiserver, "metricsIngress": false,
		"apiServer": map[string]any{"cidrs": []any{"192.0.2.10/32", "192.0.2.11/32"}, "ports": []any{6443}},
		"dns":       map[string]any{"enabled": false},
	}})
	var ingress []string
	for _, r := range np.Spec.Ingress {
		ingress = append(ingress, rulePorts(r.Ports)...)
		if slices.Contains(rulePorts(r.Ports), "9443/TCP") && (len(r.From) != 1 || r.From[0].IPBlock == nil || r.From[0].IPBlock.CIDR != "192.0.2.0/28") {
			t.Errorf("webhook ingress from = %+v, want the API server's ipBlock only", r.From)
		}
	}
	slices.Sort(ingress)
	if want := []string{"8081/TCP", "9443/TCP"}; !slices.Equal(ingress, want) {
		t.Errorf("ingress ports = %v, want %v (no metrics when metricsIngress is off)", ingress, want)
	}
	if len(np.Spec.Egress) != 1 {
		t.Fatalf("egress = %+v, want the API server only (dns off)", np.Spec.Egress)
	}
	var cidrs []string
	for _, p := range np.Spec.Egress[0].To {
		if p.IPBlock == nil {
			t.Fatalf("API server egress peer %+v is not an ipBlock", p)
		}
		cidrs = append(cidrs, p.IPBlock.CIDR)
	}
	if !slices.Equal(cidrs, []string{"192.0.2.10/32", "192.0.2.11/32"}) || !slices.Equal(rulePorts(np.Spec.Egress[0].Ports), []string{"6443/TCP"}) {
		t.Errorf("API server egress = %v on %v, want the given CIDRs on 6443", cidrs, rulePorts(np.Spec.Egress[0].Ports))
	}
}

// TestNetworkPolicyValuesValidated: the schema refuses an API server rule
// without ports (it would allow every port) and malformed CIDR entries.
func TestNetworkPolicyValuesValidated(t *testing.T) {
	for desc, np := range map[string]map[string]any{
		"no API server ports": {"enabled": true, "apiServer": map[string]any{"ports": []any{}}},
		"port out of range":   {"enabled": true, "apiServer": map[string]any{"ports": []any{70000}}},
		"empty CIDR":          {"enabled": true, "apiServer": map[string]any{"cidrs": []any{""}}},
		"unknown key":         {"enabled": true, "egress": []any{}},
	} {
		t.Run(desc, func(t *testing.T) {
			if _, stderr, err := helm(t, templateArgs(t, map[string]any{"networkPolicy": np})...); err == nil {
				t.Errorf("rendered; want the values schema to refuse it")
			} else if !strings.Contains(stderr, "networkPolicy") {
				t.Errorf("refused without naming networkPolicy: %s", stderr)
			}
		})
	}
}

// TestClientCertificates: with server.clientCA.secretName the server
// requires client certificates signed by the CA file the Secret mounts;
// without it the flag, the volume and the mount are all absent.
func TestClientCertificates(t *testing.T) {
	for _, tc := range []struct {
		desc, key string
		values    map[string]any
	}{
		{desc: "default key", key: "ca.crt", values: map[string]any{"server": map[string]any{"clientCA": map[string]any{"secretName": "apiserver-client-ca"}}}},
		{desc: "given key", key: "bundle.pem", values: map[string]any{"server": map[string]any{"clientCA": map[string]any{"secretName": "apiserver-client-ca", "key": "bundle.pem"}}}},
		{desc: "with cert-manager", key: "ca.crt", values: merge(modes["cert-manager with the chart's CA chain"], map[string]any{"server": map[string]any{"clientCA": map[string]any{"secretName": "apiserver-client-ca"}}})},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			d := deployment(t, render(t, tc.values))
			c := container(t, d)
			file, ok := flag(c.Args, "client-ca-file")
			if !ok {
				t.Fatalf("no --client-ca-file in %v", c.Args)
			}
			var mountPath string
			for _, vm := range c.VolumeMounts {
				if vm.Name == "client-ca" {
					mountPath = vm.MountPath
					if !vm.ReadOnly {
						t.Error("the client CA is mounted writable")
					}
				}
			}
			if mountPath == "" || path.Dir(file) != mountPath {
				t.Fatalf("--client-ca-file=%s is not in the client-ca mount %q", file, mountPath)
			}
			for _, v := range d.Spec.Template.Spec.Volumes {
				if v.Name != "client-ca" {
					continue
				}
				if v.Secret == nil || v.Secret.SecretName != "apiserver-client-ca" {
					t.Fatalf("client-ca volume = %+v, want Secret apiserver-client-ca", v.VolumeSource)
				}
				if len(v.Secret.Items) != 1 || v.Secret.Items[0].Key != tc.key || v.Secret.Items[0].Path != path.Base(file) {
					t.Errorf("client-ca items = %+v, want key %s at %s", v.Secret.Items, tc.key, path.Base(file))
				}
				return
			}
			t.Fatal("no client-ca volume")
		})
	}
	t.Run("off by default", func(t *testing.T) {
		for _, mode := range sortedModes() {
			d := deployment(t, render(t, modes[mode]))
			c := container(t, d)
			if v, ok := flag(c.Args, "client-ca-file"); ok {
				t.Errorf("%s: --client-ca-file=%s without server.clientCA.secretName", mode, v)
			}
			for _, v := range d.Spec.Template.Spec.Volumes {
				if v.Name == "client-ca" {
					t.Errorf("%s: a client-ca volume without server.clientCA.secretName", mode)
				}
			}
		}
	})
}
