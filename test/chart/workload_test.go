package chart

import (
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// deployment renders values and returns the Deployment.
func deployment(t *testing.T, m *rendered) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	decodeInto(t, m, "Deployment", fullname, &d)
	return &d
}

// container returns the guardrail container of d.
func container(t *testing.T, d *appsv1.Deployment) *corev1.Container {
	t.Helper()
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Name != "istio-guardrail" {
		t.Fatalf("want exactly the istio-guardrail container, got %d containers", len(cs))
	}
	return &cs[0]
}

// flag returns the value of --name=value in args and whether it is present.
func flag(args []string, name string) (string, bool) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// TestRestrictedPodSecurity checks every control of the restricted Pod
// Security Standard (and the read-only root filesystem) in every mode.
func TestRestrictedPodSecurity(t *testing.T) {
	for _, mode := range sortedModes() {
		t.Run(mode, func(t *testing.T) {
			d := deployment(t, render(t, modes[mode]))
			pod := d.Spec.Template.Spec
			c := container(t, d)
			psc, sc := pod.SecurityContext, c.SecurityContext
			if psc == nil || sc == nil {
				t.Fatal("pod and container security contexts must be set")
			}
			checks := map[string]bool{
				"pod runAsNonRoot":                    psc.RunAsNonRoot != nil && *psc.RunAsNonRoot,
				"pod runAsUser non-zero":              psc.RunAsUser != nil && *psc.RunAsUser != 0,
				"pod seccomp RuntimeDefault":          psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault,
				"container allowPrivilegeEscalation":  sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation,
				"container not privileged":            sc.Privileged == nil || !*sc.Privileged,
				"container readOnlyRootFilesystem":    sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem,
				"container runAsNonRoot":              sc.RunAsNonRoot == nil || *sc.RunAsNonRoot,
				"container drops ALL capabilities":    sc.Capabilities != nil && slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}),
				"container adds no capability":        sc.Capabilities != nil && len(sc.Capabilities.Add) == 0,
				"container seccomp unset or Runtime":  sc.SeccompProfile == nil || sc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault,
				"no host namespaces":                  !pod.HostNetwork && !pod.HostPID && !pod.HostIPC,
				"no host ports":                       !hasHostPort(c),
				"only restricted volume types":        restrictedVolumes(pod.Volumes),
				"image runs as the distroless uid":    *psc.RunAsUser == 65532 && *psc.RunAsGroup == 65532,
				"priority class system-cluster-crit.": pod.PriorityClassName == "system-cluster-critical",
				"requests and limits for cpu, memory": hasResources(c.Resources),
			}
			for what, ok := range checks {
				if !ok {
					t.Errorf("%s: not satisfied", what)
				}
			}
		})
	}
}

func hasHostPort(c *corev1.Container) bool {
	for _, p := range c.Ports {
		if p.HostPort != 0 {
			return true
		}
	}
	return false
}

// restrictedVolumes reports whether every volume is of a type the restricted
// standard allows (configMap, secret, projected, emptyDir, ...), never hostPath.
func restrictedVolumes(vols []corev1.Volume) bool {
	for _, v := range vols {
		if v.ConfigMap == nil && v.Secret == nil && v.Projected == nil && v.EmptyDir == nil {
			return false
		}
	}
	return true
}

func hasResources(r corev1.ResourceRequirements) bool {
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := r.Requests[name]; !ok {
			return false
		}
		if _, ok := r.Limits[name]; !ok {
			return false
		}
	}
	return true
}

// TestServiceAccountToken checks that no token is mounted implicitly and that
// the one the server needs (namespace informer, self-managed certificates) is
// an explicit, read-only, short-lived projected token.
func TestServiceAccountToken(t *testing.T) {
	m := render(t, nil)
	var sa corev1.ServiceAccount
	decodeInto(t, m, "ServiceAccount", fullname, &sa)
	if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Error("ServiceAccount must set automountServiceAccountToken: false")
	}
	d := deployment(t, m)
	pod := d.Spec.Template.Spec
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("pod must set automountServiceAccountToken: false")
	}
	if pod.ServiceAccountName != fullname {
		t.Errorf("serviceAccountName = %q, want %q", pod.ServiceAccountName, fullname)
	}
	vol := volume(pod.Volumes, "api-token")
	if vol == nil || vol.Projected == nil {
		t.Fatal("want a projected api-token volume")
	}
	var token *corev1.ServiceAccountTokenProjection
	for _, s := range vol.Projected.Sources {
		if s.ServiceAccountToken != nil {
			token = s.ServiceAccountToken
		}
	}
	if token == nil || token.ExpirationSeconds == nil || *token.ExpirationSeconds > 3607 || token.Audience != "" {
		t.Errorf("want a short-lived API server token, got %+v", token)
	}
	mnt := mount(container(t, d).VolumeMounts, "api-token")
	if mnt == nil || !mnt.ReadOnly || mnt.MountPath != "/var/run/secrets/kubernetes.io/serviceaccount" {
		t.Errorf("api-token must be mounted read-only at the in-cluster config path, got %+v", mnt)
	}
}

func volume(vols []corev1.Volume, name string) *corev1.Volume {
	for i := range vols {
		if vols[i].Name == name {
			return &vols[i]
		}
	}
	return nil
}

func mount(mounts []corev1.VolumeMount, name string) *corev1.VolumeMount {
	for i := range mounts {
		if mounts[i].Name == name {
			return &mounts[i]
		}
	}
	return nil
}

// TestAvailability checks replicas, the PDB, spreading and rollout settings.
func TestAvailability(t *testing.T) {
	for _, mode := range sortedModes() {
		t.Run(mode, func(t *testing.T) {
			m := render(t, modes[mode])
			d := deployment(t, m)
			if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
				t.Errorf("replicas = %v, want 3", d.Spec.Replicas)
			}
			if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
				t.Error("rolling updates must not take a serving replica down (maxUnavailable 0)")
			}
			var pdb policyv1.PodDisruptionBudget
			decodeInto(t, m, "PodDisruptionBudget", fullname, &pdb)
			if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 2 {
				t.Errorf("PDB minAvailable = %v, want 2", pdb.Spec.MinAvailable)
			}
			if p := pdb.Spec.UnhealthyPodEvictionPolicy; p == nil || *p != policyv1.AlwaysAllow {
				t.Errorf("PDB unhealthyPodEvictionPolicy = %v, want AlwaysAllow", p)
			}
			podLabels := labels.Set(d.Spec.Template.Labels)
			selectors := map[string]*metav1.LabelSelector{"Deployment": d.Spec.Selector, "PodDisruptionBudget": pdb.Spec.Selector}
			checkSpread(t, d.Spec.Template.Spec, selectors)
			for what, sel := range selectors {
				if !selects(t, sel, podLabels) {
					t.Errorf("%s selector %v does not match the pod labels %v", what, sel, podLabels)
				}
			}
		})
	}
}

// checkSpread checks the anti-affinity and topology spread (across hostname
// and zone) and adds their selectors to selectors.
func checkSpread(t *testing.T, pod corev1.PodSpec, selectors map[string]*metav1.LabelSelector) {
	t.Helper()
	if pod.Affinity == nil || pod.Affinity.PodAntiAffinity == nil || len(pod.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution) != 1 {
		t.Fatal("want a preferred pod anti-affinity by default")
	}
	term := pod.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm
	if term.TopologyKey != corev1.LabelHostname {
		t.Errorf("anti-affinity topologyKey = %q, want %q", term.TopologyKey, corev1.LabelHostname)
	}
	selectors["anti-affinity"] = term.LabelSelector
	keys := map[string]bool{}
	for _, c := range pod.TopologySpreadConstraints {
		keys[c.TopologyKey] = true
		if c.MaxSkew != 1 {
			t.Errorf("topology spread on %s: maxSkew %d, want 1", c.TopologyKey, c.MaxSkew)
		}
		selectors["topology spread "+c.TopologyKey] = c.LabelSelector
	}
	for _, k := range []string{corev1.LabelHostname, corev1.LabelTopologyZone} {
		if !keys[k] {
			t.Errorf("no topology spread constraint on %s", k)
		}
	}
}

func selects(t *testing.T, sel *metav1.LabelSelector, set labels.Set) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %v: %v", sel, err)
	}
	return !s.Empty() && s.Matches(set)
}

// TestHardAntiAffinity checks the opt-in required anti-affinity.
func TestHardAntiAffinity(t *testing.T) {
	d := deployment(t, render(t, map[string]any{"podAntiAffinity": "hard"}))
	aa := d.Spec.Template.Spec.Affinity.PodAntiAffinity
	if len(aa.RequiredDuringSchedulingIgnoredDuringExecution) != 1 || len(aa.PreferredDuringSchedulingIgnoredDuringExecution) != 0 {
		t.Fatalf("want exactly one required anti-affinity term, got %+v", aa)
	}
	if !selects(t, aa.RequiredDuringSchedulingIgnoredDuringExecution[0].LabelSelector, d.Spec.Template.Labels) {
		t.Error("required anti-affinity does not select the pods")
	}
}

// TestProbesAndShutdown checks the health probes and that the termination
// grace period covers the preStop delay plus the server's shutdown grace.
func TestProbesAndShutdown(t *testing.T) {
	d := deployment(t, render(t, nil))
	c := container(t, d)
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	probes := map[string]*corev1.Probe{"/readyz": c.ReadinessProbe, "/healthz": c.LivenessProbe}
	for path, p := range probes {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("probe %s: want an HTTP probe", path)
			continue
		}
		if p.HTTPGet.Path != path || ports[p.HTTPGet.Port.String()] != 8081 {
			t.Errorf("probe %s: got path %q port %s, want %s on 8081", path, p.HTTPGet.Path, p.HTTPGet.Port.String(), path)
		}
	}
	if v, _ := flag(c.Args, "health-addr"); v != ":8081" {
		t.Errorf("--health-addr = %q, want :8081", v)
	}
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		t.Fatal("want a preStop sleep action (distroless has no shell)")
	}
	grace, _ := flag(c.Args, "shutdown-grace")
	g, err := time.ParseDuration(grace)
	if err != nil {
		t.Fatalf("--shutdown-grace %q: %v", grace, err)
	}
	need := c.Lifecycle.PreStop.Sleep.Seconds + int64(g.Seconds())
	if tgp := d.Spec.Template.Spec.TerminationGracePeriodSeconds; tgp == nil || *tgp <= need {
		t.Errorf("terminationGracePeriodSeconds %v must exceed preStop %ds + shutdown grace %s", tgp, c.Lifecycle.PreStop.Sleep.Seconds, grace)
	}
}

// TestServeFlags checks the flags against the serve contract and the chart's
// own objects, and the POD_NAMESPACE environment variable.
func TestServeFlags(t *testing.T) {
	m := render(t, nil)
	c := container(t, deployment(t, m))
	want := map[string]string{
		"config": "/etc/istio-guardrail/config.yaml", "port": "9443", "metrics-addr": ":8080",
		"cert-mode": "self-managed", "secret-name": fullname + "-tls", "webhook-config-name": fullname,
		"service-name": fullname, "namespace": "$(POD_NAMESPACE)", "tls-min-version": "1.2",
		"max-request-bytes": "3145728", "max-connections": "1000", "log-format": "json", "log-level": "info",
	}
	for name, v := range want {
		if got, ok := flag(c.Args, name); !ok || got != v {
			t.Errorf("--%s = %q (present %v), want %q", name, got, ok, v)
		}
	}
	if slices.Contains(c.Args, "--enable-http2") {
		t.Error("HTTP/2 must be off by default")
	}
	// POD_NAMESPACE feeds --namespace; GOMEMLIMIT is checked in memory_test.go.
	if len(c.Env) != 2 || c.Env[0].Name != "POD_NAMESPACE" || c.Env[0].ValueFrom == nil ||
		c.Env[0].ValueFrom.FieldRef == nil || c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.namespace" ||
		c.Env[1].Name != "GOMEMLIMIT" {
		t.Errorf("want POD_NAMESPACE from metadata.namespace and GOMEMLIMIT, got %+v", c.Env)
	}
	for kind, name := range map[string]string{"Secret": fullname + "-tls", "Service": fullname,
		"ValidatingWebhookConfiguration": fullname, "MutatingWebhookConfiguration": fullname} {
		if m.find(kind, name) == nil {
			t.Errorf("a serve flag names %s %q, which the chart does not create", kind, name)
		}
	}
}

// TestServiceSelectsPods checks that the Service reaches the pods and exposes
// the named container ports it targets.
func TestServiceSelectsPods(t *testing.T) {
	m := render(t, nil)
	d := deployment(t, m)
	var svc corev1.Service
	decodeInto(t, m, "Service", fullname, &svc)
	if !selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, d.Spec.Template.Labels) {
		t.Errorf("Service selector %v does not match the pod labels %v", svc.Spec.Selector, d.Spec.Template.Labels)
	}
	named := map[string]int32{}
	for _, p := range container(t, d).Ports {
		named[p.Name] = p.ContainerPort
	}
	want := map[string]int32{"webhook": 9443, "metrics": 8080}
	for _, p := range svc.Spec.Ports {
		if got, ok := named[p.TargetPort.String()]; !ok || got != want[p.TargetPort.String()] {
			t.Errorf("Service port %s targets %q, which is not container port %d", p.Name, p.TargetPort.String(), want[p.TargetPort.String()])
		}
	}
}
