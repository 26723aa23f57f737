package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
	"github.com/istio-guardrail/istio-guardrail/test/internal/repo"
)

// The chart tests install charts/istio-guardrail for real into the suite's
// API server. There is no controller-manager, kubelet or cert-manager
// controller: the API server's acceptance of every object is what is tested,
// and the chart's server runs as a local process with the chart's identity.

// chartInstall is one helm release of the chart.
type chartInstall struct {
	release, namespace string
}

// fullname is the name of the release's objects (release name + chart name).
func (c chartInstall) fullname() string { return c.release + "-istio-guardrail" }

// serviceAccount is the user name of the chart's ServiceAccount.
func (c chartInstall) serviceAccount() string {
	return "system:serviceaccount:" + c.namespace + ":" + c.fullname()
}

// helmCmd runs bin/helm against the suite's API server. It takes a context
// because cleanups run after t.Context() is cancelled.
func helmCmd(ctx context.Context, t *testing.T, args ...string) framework.Result {
	t.Helper()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, env.Cluster.Binaries.Helm, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+env.Cluster.Kubeconfig, "HELM_CACHE_HOME="+home+"/cache",
		"HELM_CONFIG_HOME="+home+"/config", "HELM_DATA_HOME="+home+"/data")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return framework.Result{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// install creates the namespace (labelled to enforce the restricted Pod
// Security Standard) and installs the chart with values (--set pairs). The
// release is uninstalled at cleanup, before anything else registered later,
// so no webhook configuration of the chart outlives the test.
func (c chartInstall) install(t *testing.T, set ...string) {
	t.Helper()
	if err := env.Cluster.CreateNamespace(t.Context(), c.namespace, map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted"}); err != nil {
		t.Fatal(err)
	}
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"install", c.release, filepath.Join(root, "charts", "istio-guardrail"), "--namespace", c.namespace}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	t.Cleanup(func() { c.uninstall(t) })
	r := helmCmd(t.Context(), t, args...)
	if r.Err != nil {
		t.Fatalf("helm install rejected:\n%s", r)
	}
	if strings.Contains(r.Stderr, "would violate PodSecurity") {
		t.Errorf("the API server warns that the chart violates the restricted Pod Security Standard:\n%s", r.Stderr)
	}
}

// uninstall removes the release and checks that no webhook configuration of
// it is left behind. It is idempotent.
func (c chartInstall) uninstall(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if r := helmCmd(ctx, t, "status", c.release, "--namespace", c.namespace); r.Err == nil {
		if r := helmCmd(ctx, t, "uninstall", c.release, "--namespace", c.namespace, "--wait"); r.Err != nil {
			t.Errorf("helm uninstall: %s", r)
		}
	}
	adm := env.Cluster.Client.AdmissionregistrationV1()
	if _, err := adm.ValidatingWebhookConfigurations().Get(ctx, c.fullname(), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ValidatingWebhookConfiguration %s left behind after helm uninstall (err %v)", c.fullname(), err)
		_ = framework.DeleteWebhookConfigurations(ctx, env.Cluster.Client, c.fullname())
	}
	if _, err := adm.MutatingWebhookConfigurations().Get(ctx, c.fullname(), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("MutatingWebhookConfiguration %s left behind after helm uninstall (err %v)", c.fullname(), err)
		_ = framework.DeleteWebhookConfigurations(ctx, env.Cluster.Client, c.fullname())
	}
}

// requireAllObjectsStored checks that every object of the release's manifest
// exists in the API server.
func (c chartInstall) requireAllObjectsStored(t *testing.T, wantKinds ...string) {
	t.Helper()
	r := helmCmd(t.Context(), t, "get", "manifest", c.release, "--namespace", c.namespace)
	if r.Err != nil {
		t.Fatalf("helm get manifest: %s", r)
	}
	get := kubectl(t, r.Stdout, "get", "-f", "-", "-o", "name")
	if get.Err != nil {
		t.Fatalf("objects of the release are missing:\n%s", get)
	}
	stored := map[string]bool{}
	for _, line := range strings.Fields(get.Stdout) {
		kind, _, _ := strings.Cut(line, "/")
		kind, _, _ = strings.Cut(kind, ".")
		stored[kind] = true
	}
	for _, k := range wantKinds {
		if !stored[strings.ToLower(k)] {
			t.Errorf("release has no %s; stored objects:\n%s", k, get.Stdout)
		}
	}
}

// TestChartInstallsWithCertManagerAndMonitoring installs the chart with every
// optional object (cert-manager chain, ServiceMonitor, PrometheusRule,
// NetworkPolicy): every object must be accepted, the webhook configurations
// must ask cert-manager for the CA, and uninstall must remove them.
func TestChartInstallsWithCertManagerAndMonitoring(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	crds := filepath.Join(root, "test", "e2e", "testdata", "chart", "monitoring-crds.yaml")
	requireAllowed(t, kubectl(t, "", "apply", "--server-side", "-f", crds))
	requireAllowed(t, kubectl(t, "", "wait", "--for=condition=Established", "--timeout=60s", "-f", crds))

	// The chart's own objects carry exemptions with reasons (IGR706 for its
	// one-year CA, IGR702 for the non-meshed pod). The guardrail under test
	// validates the release namespace and, by default, honours no exemption
	// annotation: the administrator installing the chart grants these two.
	grantChartExemptions(t)
	c := chartInstall{release: "cm", namespace: "guardrail-chart-cm"}
	c.install(t, "certManager.enabled=true", "monitoring.serviceMonitor.enabled=true",
		"monitoring.prometheusRule.enabled=true", "networkPolicy.enabled=true")
	c.requireAllObjectsStored(t, "Deployment", "PodDisruptionBudget", "Issuer", "Certificate", "ServiceMonitor",
		"PrometheusRule", "NetworkPolicy", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")
	vwc, err := env.Cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(t.Context(), c.fullname(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := vwc.Annotations["cert-manager.io/inject-ca-from"], c.namespace+"/"+c.fullname()+"-serving"; got != want {
		t.Errorf("inject-ca-from = %q, want %q", got, want)
	}
	c.uninstall(t)
}

// TestChartRBACIsEnoughAndNoMore installs the chart in its default
// (self-managed) mode, runs the real binary locally as the chart's
// ServiceAccount with the chart's ConfigMap, points the chart's webhook
// configurations at it, and checks that it enforces and that its identity
// cannot read any other Secret.
func TestChartRBACIsEnoughAndNoMore(t *testing.T) {
	c := chartInstall{release: "guardrail-sm", namespace: "guardrail-chart-sm"}
	// IGR704 is warn by default: deny proves the chart's ConfigMap is in force.
	c.install(t, "config.rules.IGR704.action=deny")
	c.requireAllObjectsStored(t, "Deployment", "Secret", "Role", "ClusterRole", "ValidatingWebhookConfiguration")
	requirePodTemplateAdmitted(t, c)

	kubeconfig := impersonatingKubeconfig(t, c.serviceAccount())
	g := startAsChart(t, c, kubeconfig)
	pointWebhooksAt(t, c.fullname(), g.URL())
	waitCABundle(t, c.fullname()) // patched by the server: enough RBAC for its webhook configurations

	sec, err := env.Cluster.Client.CoreV1().Secrets(c.namespace).Get(t.Context(), c.fullname()+"-tls", metav1.GetOptions{})
	if err != nil || len(sec.Data["tls.crt"]) == 0 || len(sec.Data["ca.crt"]) == 0 {
		t.Fatalf("the server did not fill the chart's Secret without create permission (err %v):\n%s", err, g.Logs())
	}
	ns := newNamespace(t, nil)
	requireDenied(t, kubectl(t, testdata(t, "rejected/peerauthentication.yaml"), "apply", "-n", ns, "-f", "-"), "IGR101")
	requireDenied(t, kubectl(t, testdata(t, "warned/envoyfilter.yaml"), "apply", "-n", ns, "-f", "-"), "IGR704")

	requireForbiddenAsChart(t, c, kubeconfig)
}

// requirePodTemplateAdmitted creates a Pod from the Deployment's template
// (server-side dry run) in the release namespace, which enforces the
// restricted Pod Security Standard: the API server's own check of the
// chart's security context.
func requirePodTemplateAdmitted(t *testing.T, c chartInstall) {
	t.Helper()
	d, err := env.Cluster.Client.AppsV1().Deployments(c.namespace).Get(t.Context(), c.fullname(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pss-probe", Namespace: c.namespace, Labels: d.Spec.Template.Labels,
		Annotations: d.Spec.Template.Annotations}, Spec: d.Spec.Template.Spec}
	_, err = env.Cluster.Client.CoreV1().Pods(c.namespace).Create(t.Context(), pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatalf("a pod of the chart's Deployment is rejected in a restricted namespace: %v", err)
	}
}

// impersonatingKubeconfig writes a copy of the admin kubeconfig that
// impersonates user (the API server adds the service-account groups).
func impersonatingKubeconfig(t *testing.T, user string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(env.Cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.AuthInfos {
		a.Impersonate = user
	}
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// startAsChart runs istio-guardrail serve with the chart's ConfigMap and the
// chart's own serve flags (except addresses and paths) and extraArgs, as the
// chart's ServiceAccount.
func startAsChart(t *testing.T, c chartInstall, kubeconfig string, extraArgs ...string) *framework.Guardrail {
	t.Helper()
	cm, err := env.Cluster.Client.CoreV1().ConfigMaps(c.namespace).Get(t.Context(), c.fullname(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := framework.WriteConfigMapFile(filepath.Join(dir, "config"), "config.yaml", cm.Data["config.yaml"]); err != nil {
		t.Fatal(err)
	}
	g, err := framework.NewGuardrail(framework.GuardrailOptions{Name: "chart", Dir: dir, Binary: env.Cluster.Binaries.Guardrail,
		Namespace: c.namespace, ConfigPath: filepath.Join(dir, "config", "config.yaml"), Kubeconfig: kubeconfig,
		CertMode: framework.CertModeSelfManaged, ExtraArgs: append(append(chartServeFlags(t, c), "--extra-san=127.0.0.1"), extraArgs...)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Stop() })
	if err := g.Start(t.Context()); err != nil {
		t.Fatalf("start the server as %s: %v\n%s", c.serviceAccount(), err, g.Logs())
	}
	return g
}

// chartServeFlags returns the installed Deployment's serve flags that name
// objects or tune the server; the framework sets addresses and paths.
func chartServeFlags(t *testing.T, c chartInstall) []string {
	t.Helper()
	d, err := env.Cluster.Client.AppsV1().Deployments(c.namespace).Get(t.Context(), c.fullname(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range d.Spec.Template.Spec.Containers[0].Args {
		for _, keep := range []string{"--secret-name=", "--webhook-config-name=", "--service-name=", "--tls-min-version=", "--max-request-bytes="} {
			if strings.HasPrefix(a, keep) {
				out = append(out, a)
			}
		}
	}
	if len(out) != 5 {
		t.Fatalf("the chart's Deployment lacks serve flags: %v", d.Spec.Template.Spec.Containers[0].Args)
	}
	return out
}

// pointWebhooksAt replaces the Service clientConfig of the chart's webhook
// configurations with url (the local server), keeping everything else.
func pointWebhooksAt(t *testing.T, name, url string) {
	t.Helper()
	adm := env.Cluster.Client.AdmissionregistrationV1()
	ctx := t.Context()
	v, err := adm.ValidatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range v.Webhooks {
		v.Webhooks[i].ClientConfig = localClientConfig(v.Webhooks[i].ClientConfig, url)
	}
	if _, err := adm.ValidatingWebhookConfigurations().Update(ctx, v, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err := adm.MutatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Webhooks {
		m.Webhooks[i].ClientConfig = localClientConfig(m.Webhooks[i].ClientConfig, url)
	}
	if _, err := adm.MutatingWebhookConfigurations().Update(ctx, m, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func localClientConfig(cc admissionregistrationv1.WebhookClientConfig, url string) admissionregistrationv1.WebhookClientConfig {
	u := url + *cc.Service.Path
	return admissionregistrationv1.WebhookClientConfig{URL: &u, CABundle: cc.CABundle}
}

// requireForbiddenAsChart checks, with the chart's identity, that it reads its
// own Secret but no other, and touches no other webhook configuration.
func requireForbiddenAsChart(t *testing.T, c chartInstall, kubeconfig string) {
	t.Helper()
	ctx := t.Context()
	other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "not-yours", Namespace: c.namespace}, StringData: map[string]string{"k": "v"}}
	if _, err := env.Cluster.Client.CoreV1().Secrets(c.namespace).Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	as, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.CoreV1().Secrets(c.namespace).Get(ctx, c.fullname()+"-tls", metav1.GetOptions{}); err != nil {
		t.Errorf("the chart's identity cannot read its own Secret: %v", err)
	}
	denied := map[string]error{}
	_, denied["get another Secret in its namespace"] = as.CoreV1().Secrets(c.namespace).Get(ctx, "not-yours", metav1.GetOptions{})
	_, denied["list Secrets in its namespace"] = as.CoreV1().Secrets(c.namespace).List(ctx, metav1.ListOptions{})
	_, denied["list Secrets in kube-system"] = as.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{})
	_, denied["create a Secret"] = as.CoreV1().Secrets(c.namespace).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "new"}}, metav1.CreateOptions{})
	_, denied["get another webhook configuration"] = as.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, env.WebhookName, metav1.GetOptions{})
	denied["delete its own webhook configuration"] = as.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(ctx, c.fullname(), metav1.DeleteOptions{})
	_, denied["get a ConfigMap"] = as.CoreV1().ConfigMaps(c.namespace).Get(ctx, c.fullname(), metav1.GetOptions{})
	for what, err := range denied {
		if !apierrors.IsForbidden(err) {
			t.Errorf("as %s, %s: want Forbidden, got %v", c.serviceAccount(), what, err)
		}
	}
	r := kubectl(t, "", "auth", "can-i", "get", "secrets", "-n", c.namespace, "--as", c.serviceAccount())
	if strings.TrimSpace(r.Stdout) != "no" {
		t.Errorf("kubectl auth can-i get secrets as %s: %q, want no", c.serviceAccount(), fmt.Sprint(r.Stdout))
	}
}

// grantChartExemptions lets objects exempt themselves from IGR702 and IGR706
// for the rest of the test, and restores the base configuration after.
func grantChartExemptions(t *testing.T) {
	t.Helper()
	ns := newNamespace(t, nil)
	probe := func(name string) string {
		return "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: " + name +
			"\n  annotations:\n    istio-guardrail.io/exempt: IGR706\n    istio-guardrail.io/exempt-reason: long-lived CA\n" +
			"spec:\n  secretName: ca\n  isCA: true\n  commonName: ca\n  duration: 8760h\n  issuerRef: {name: ss, kind: Issuer}\n" +
			"  privateKey: {algorithm: ECDSA, size: 256, rotationPolicy: Always}\n"
	}
	writeConfig(t, baseConfig+"exemptions:\n  allowedRules: [IGR702, IGR706]\n")
	t.Cleanup(func() {
		writeConfig(t, baseConfig)
		waitVerdict(context.Background(), t, ns, probe("restored"), true)
	})
	waitVerdict(t.Context(), t, ns, probe("granted"), false)
}
