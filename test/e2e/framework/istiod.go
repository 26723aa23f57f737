package framework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/istio-guardrail/istio-guardrail/test/internal/repo"
)

// IstioNamespace is where the istiod revisions run (the chart's default).
const IstioNamespace = "istio-system"

// IstiodOptions configures one istiod revision.
type IstiodOptions struct {
	// Revision is the chart's `revision` value (e.g. "1-20-0"); required.
	Revision string
	// RevisionTags are the chart's `revisionTags`: each renders an
	// istio-revision-tag-<tag> MutatingWebhookConfiguration for this revision.
	RevisionTags []string
	// Chart is the istio-discovery chart of the pinned istio.io/istio module
	// (IstiodChart).
	Chart string
	// Values are extra `helm template --set` values.
	Values []string
}

// Istiod is a running pilot-discovery process serving one revision out of
// cluster: the ConfigMaps and webhook configurations come from Istio's own
// chart, rendered with the webhooks' URL clientConfig pointing at the local
// process (the chart's istiodRemote.injectionURL and base.validationURL).
type Istiod struct {
	Revision string
	// WebhookPort serves /inject and /validate (the chart's 15017).
	WebhookPort int
	// HTTPPort serves /ready and the debug endpoints (the chart's 8080).
	HTTPPort int
	// Rendered is the chart's output (all documents) this revision was set up from.
	Rendered []*unstructured.Unstructured
	// MutatingWebhookConfigurations and ValidatingWebhookConfiguration name
	// what the chart registered for this revision.
	MutatingWebhookConfigurations  []string
	ValidatingWebhookConfiguration string
	logPath                        string
	proc                           *Process
}

// IstiodChart returns the istio-discovery chart of the istio.io/istio module
// pinned in hack/tools/istio/go.mod (downloaded once by hack/istio-src.sh).
func IstiodChart(ctx context.Context) (string, error) {
	root, err := repo.Root()
	if err != nil {
		return "", err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "istio-src.sh"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("hack/istio-src.sh: %w: %s", err, stderr.String())
	}
	return filepath.Join(strings.TrimSpace(stdout.String()), "manifests", "charts", "istio-control", "istio-discovery"), nil
}

// StartIstiod renders Istio's istiod chart for the revision, applies its
// mesh and injector ConfigMaps and its webhook configurations, starts
// pilot-discovery with the chart's Deployment arguments and environment (the
// ports moved to free loopback ports, --kubeconfig instead of in-cluster
// credentials) and waits until istiod is ready, has patched its CA into every
// webhook configuration of the revision, and its validating webhook denies an
// invalid object. Stop the cluster (or Istiod.Stop) to stop it.
func (c *Cluster) StartIstiod(ctx context.Context, o IstiodOptions) (*Istiod, error) {
	if o.Revision == "" || o.Chart == "" {
		return nil, errors.New("istiod: Revision and Chart are required")
	}
	if err := c.Binaries.RequireIstiod(); err != nil {
		return nil, err
	}
	if err := c.CreateNamespace(ctx, IstioNamespace, nil); err != nil {
		return nil, err
	}
	ports, err := freePorts(6)
	if err != nil {
		return nil, err
	}
	d := &Istiod{Revision: o.Revision, WebhookPort: ports[0], HTTPPort: ports[1],
		logPath: filepath.Join(c.Dir, "istiod-"+o.Revision+".log")}
	// localhost: a DNS name istiod puts in its serving certificate
	// (ISTIOD_CUSTOM_HOST below); its self-signed CA is patched into the
	// configurations by istiod itself, as in a cluster.
	base := "https://localhost:" + strconv.Itoa(d.WebhookPort)
	values := append([]string{"revision=" + o.Revision,
		"istiodRemote.injectionURL=" + base + "/inject",
		"base.validationURL=" + base + "/validate",
		"global.istioNamespace=" + IstioNamespace}, o.Values...)
	if len(o.RevisionTags) > 0 {
		values = append(values, "revisionTags={"+strings.Join(o.RevisionTags, ",")+"}")
	}
	if d.Rendered, err = HelmTemplate(ctx, c.Binaries.Helm, "istiod-"+o.Revision, o.Chart, IstioNamespace, values); err != nil {
		return nil, err
	}
	var apply []*unstructured.Unstructured
	var container *corev1.Container
	for _, u := range d.Rendered {
		switch u.GetKind() {
		case "ConfigMap", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration":
			apply = append(apply, u)
		case "Deployment":
			if container, err = discoveryContainer(u); err != nil {
				return nil, err
			}
		}
		switch u.GetKind() {
		case "MutatingWebhookConfiguration":
			d.MutatingWebhookConfigurations = append(d.MutatingWebhookConfigurations, u.GetName())
		case "ValidatingWebhookConfiguration":
			d.ValidatingWebhookConfiguration = u.GetName()
		}
	}
	if container == nil || len(d.MutatingWebhookConfigurations) == 0 || d.ValidatingWebhookConfiguration == "" {
		return nil, fmt.Errorf("istiod chart %s rendered no discovery Deployment or no webhook configurations", o.Chart)
	}
	if err := c.applyObjects(ctx, apply); err != nil {
		return nil, err
	}
	work := filepath.Join(c.Dir, "istiod-"+o.Revision)
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", work, err)
	}
	args, err := d.args(container, ports[2:])
	if err != nil {
		return nil, err
	}
	args = append(args, "--kubeconfig="+c.Kubeconfig)
	d.proc, err = StartProcess(ProcessSpec{
		Name: "istiod-" + o.Revision, Path: c.Binaries.Istiod, Args: args, Env: d.env(container, c.Kubeconfig),
		// The working directory has no ./etc/istio/config/mesh and no
		// ./var/lib/istio/inject, so istiod reads the chart's ConfigMaps
		// istio-<rev> and istio-sidecar-injector-<rev>, as in a cluster
		// without the volume mounts.
		Dir: work, Detach: c.detach, LogPath: d.logPath,
		PIDFile: filepath.Join(c.Dir, "istiod-"+o.Revision+".pid"),
	})
	if err != nil {
		return nil, err
	}
	if err := d.waitReady(ctx, c); err != nil {
		_ = d.Stop()
		return nil, err
	}
	return d, nil
}

// discoveryContainer returns the istiod container of the rendered Deployment.
func discoveryContainer(u *unstructured.Unstructured) (*corev1.Container, error) {
	var dep appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &dep); err != nil {
		return nil, fmt.Errorf("decode the rendered istiod Deployment: %w", err)
	}
	for i, ctr := range dep.Spec.Template.Spec.Containers {
		if ctr.Name == "discovery" {
			return &dep.Spec.Template.Spec.Containers[i], nil
		}
	}
	return nil, errors.New("the rendered istiod Deployment has no discovery container")
}

// portFlags are the chart's listening addresses, moved to loopback ports.
var portFlags = []string{"--httpAddr", "--grpcAddr", "--secureGRPCAddr", "--monitoringAddr"}

// args are the chart's container args (minus the ones naming ports) plus
// every listening address on a free loopback port and --kubeconfig.
func (d *Istiod) args(ctr *corev1.Container, ports []int) ([]string, error) {
	if len(ports) < len(portFlags) {
		return nil, errors.New("istiod: not enough ports")
	}
	var args []string
	for _, a := range ctr.Args {
		if strings.HasPrefix(a, "--monitoringAddr") {
			continue
		}
		args = append(args, a)
	}
	args = append(args,
		"--httpsAddr=127.0.0.1:"+strconv.Itoa(d.WebhookPort),
		portFlags[0]+"=127.0.0.1:"+strconv.Itoa(d.HTTPPort),
		// ControlZ binds a fixed port by default.
		"--ctrlz_port=0",
	)
	for i, f := range portFlags[1:] {
		args = append(args, f+"=127.0.0.1:"+strconv.Itoa(ports[i]))
	}
	return args, nil
}

// env is the chart's container environment: literal values as rendered, the
// downward-API ones filled in as the kubelet would, and KUBECONFIG (the
// chart's remote-secret path) replaced by the cluster's admin kubeconfig.
func (d *Istiod) env(ctr *corev1.Container, kubeconfig string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for _, e := range ctr.Env {
		v := e.Value
		if e.ValueFrom != nil {
			switch {
			case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.name":
				v = "istiod-" + d.Revision + "-local"
			case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
				v = IstioNamespace
			case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "spec.serviceAccountName":
				v = "istiod-" + d.Revision
			case e.ValueFrom.ResourceFieldRef != nil && e.Name == "GOMAXPROCS":
				// The chart sets no CPU limit; one core keeps the shared
				// test machine usable.
				v = "1"
			default:
				continue
			}
		}
		if e.Name == "KUBECONFIG" {
			v = kubeconfig
		}
		env = append(env, e.Name+"="+v)
	}
	// The webhooks' URL host, added to istiod's serving certificate.
	return append(env, "ISTIOD_CUSTOM_HOST=localhost")
}

// waitReady waits for /ready, the CA in every webhook configuration of the
// revision, and a denial by Istio's validating webhook.
func (d *Istiod) waitReady(ctx context.Context, c *Cluster) error {
	ready := "http://127.0.0.1:" + strconv.Itoa(d.HTTPPort) + "/ready"
	client := &http.Client{Timeout: 2 * time.Second}
	return Poll(ctx, 3*time.Minute, 500*time.Millisecond, func(ctx context.Context) error {
		if exited, werr := d.proc.Exited(); exited {
			return Permanent(fmt.Errorf("istiod %s exited (%w):\n%s", d.Revision, werr, d.Logs()))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ready, nil)
		if err != nil {
			return Permanent(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("istiod %s /ready: %w", d.Revision, err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("istiod %s /ready: %d %s", d.Revision, resp.StatusCode, body)
		}
		adm := c.Client.AdmissionregistrationV1()
		for _, name := range d.MutatingWebhookConfigurations {
			mwc, err := adm.MutatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			for _, wh := range mwc.Webhooks {
				if len(wh.ClientConfig.CABundle) == 0 {
					return fmt.Errorf("istiod %s has not patched its CA into %s/%s yet", d.Revision, name, wh.Name)
				}
			}
		}
		vwc, err := adm.ValidatingWebhookConfigurations().Get(ctx, d.ValidatingWebhookConfiguration, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, wh := range vwc.Webhooks {
			if len(wh.ClientConfig.CABundle) == 0 || wh.FailurePolicy == nil || *wh.FailurePolicy != admissionregistrationv1.Fail {
				return fmt.Errorf("istiod %s has not switched %s to its CA and failurePolicy Fail yet", d.Revision, vwc.Name)
			}
		}
		return d.probeValidation(ctx, c)
	})
}

// probeValidation: a server-side dry run of a DestinationRule of this
// revision carrying Istio's always-reject annotation (what istiod's own
// readiness check uses) must be denied by Istio's webhook. The rule is
// otherwise hardened, so that no other validating webhook (the guardrail's)
// denies it first.
func (d *Istiod) probeValidation(ctx context.Context, c *Cluster) error {
	probe := fmt.Sprintf(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: istiod-probe
  namespace: %s
  labels: {istio.io/rev: %q}
  annotations: {internal.istio.io/webhook-always-reject: "true"}
spec:
  host: probe.%s.svc.cluster.local
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 3s}
      http: {http2MaxRequests: 1000, maxRequestsPerConnection: 100}
    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
`, IstioNamespace, d.Revision, IstioNamespace)
	r := c.Kubectl(ctx, probe, "create", "--dry-run=server", "-f", "-")
	if r.Err != nil && strings.Contains(r.Stderr, `"rev.validation.istio.io" denied the request`) {
		return nil
	}
	return fmt.Errorf("istiod %s validation not enforcing yet: %s", d.Revision, r)
}

// Stop stops the process.
func (d *Istiod) Stop() error {
	if d.proc == nil {
		return nil
	}
	return d.proc.Stop(15 * time.Second)
}

// Logs returns the tail of istiod's log.
func (d *Istiod) Logs() string { return TailFile(d.logPath, 40) }

// HelmTemplate renders chart with helm template for kubeVersion (the
// cluster's) and decodes every document; values are --set values.
func HelmTemplate(ctx context.Context, helm, release, chart, ns string, values []string) ([]*unstructured.Unstructured, error) {
	args := []string{"template", release, chart, "--namespace", ns, "--kube-version", kubeVersion}
	for _, v := range values {
		args = append(args, "--set", v)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, helm, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("helm %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return DecodeDocuments(stdout.Bytes())
}

// kubeVersion is the cluster's Kubernetes version, for helm's capabilities.
const kubeVersion = "v1.37.2"

// DecodeDocuments decodes a multi-document YAML stream; empty documents are skipped.
func DecodeDocuments(b []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("decode rendered YAML: %w", err)
		}
		if len(m) > 0 {
			out = append(out, &unstructured.Unstructured{Object: m})
		}
	}
}

// applyObjects applies objects with kubectl apply (server-side, so a
// re-apply updates them).
func (c *Cluster) applyObjects(ctx context.Context, objs []*unstructured.Unstructured) error {
	var buf bytes.Buffer
	for _, u := range objs {
		b, err := yaml.Marshal(u.Object)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	r := c.Kubectl(ctx, buf.String(), "apply", "--server-side", "--force-conflicts", "--field-manager=istiod-chart", "-f", "-")
	if r.Err != nil {
		return fmt.Errorf("apply the istiod chart's objects: %s", r)
	}
	return nil
}
