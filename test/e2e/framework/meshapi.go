package framework

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GatewayAPICRDFiles returns the standard-channel CRDs of the
// sigs.k8s.io/gateway-api module at the version in go.mod (the Go types the
// guardrail decodes with).
func GatewayAPICRDFiles(ctx context.Context) ([]string, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("locate the gateway-api module with go list: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "standard", "gateway.networking.k8s.io_*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no Gateway API CRDs in %s (%w)", out, err)
	}
	var crds []string
	for _, f := range files {
		// The standard channel also ships a ValidatingAdmissionPolicy for
		// safe upgrades, not a CRD.
		if !strings.HasSuffix(f, "_vap_safeupgrades.yaml") {
			crds = append(crds, f)
		}
	}
	return crds, nil
}

// InstallGatewayAPICRDs applies the Gateway API CRDs (server-side) and waits
// until they are established. It is separate from InstallCRDs so a test can
// first prove that webhook rules for the absent kinds do not break anything.
func (c *Cluster) InstallGatewayAPICRDs(ctx context.Context) error {
	files, err := GatewayAPICRDFiles(ctx)
	if err != nil {
		return err
	}
	return c.applyCRDs(ctx, "Gateway API CRDs", files)
}

// meshAPIRules are the validating rules for the kinds beyond the core Istio
// security and networking APIs, in the order of the chart's template; their
// CRDs may be absent.
func meshAPIRules(ops []admissionregistrationv1.OperationType) []admissionregistrationv1.RuleWithOperations {
	return []admissionregistrationv1.RuleWithOperations{
		rule(ops, "gateway.networking.k8s.io", "gateways", "listenersets", "referencegrants"),
		rule(ops, "telemetry.istio.io", "telemetries"),
		rule(ops, "extensions.istio.io", "wasmplugins"),
	}
}

// ambientSelector selects ambient namespaces (istio.io/dataplane-mode=ambient)
// with the exclusions by name, as the chart's ambient entry.
func ambientSelector(own string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "istio.io/dataplane-mode", Operator: metav1.LabelSelectorOpIn, Values: []string{"ambient"}},
		namespaceSelector(own).MatchExpressions[0]}}
}
