package framework

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/istio-guardrail/istio-guardrail/test/internal/repo"
)

// CRDPaths returns the CRD files and directories of the Istio (istio.io/api),
// cert-manager and Gateway API (standard channel) modules at the versions in
// go.mod: the Go types the guardrail decodes with.
func CRDPaths(ctx context.Context) (istio, certManager, gatewayAPI string, err error) {
	root, err := repo.Root()
	if err != nil {
		return "", "", "", err
	}
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}",
		"istio.io/api", "github.com/cert-manager/cert-manager", "sigs.k8s.io/gateway-api")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "", "", "", fmt.Errorf("locate CRD modules with go list: %w", err)
	}
	dirs := strings.Fields(string(out))
	if len(dirs) != 3 {
		return "", "", "", fmt.Errorf("locate CRD modules: go list printed %q", out)
	}
	return filepath.Join(dirs[0], "kubernetes", "customresourcedefinitions.gen.yaml"),
		filepath.Join(dirs[1], "deploy", "crds"),
		filepath.Join(dirs[2], "config", "crd", "standard"), nil
}

// InstallCRDs installs the Istio and cert-manager CRDs and waits until the
// API server serves them.
func (c *Cluster) InstallCRDs(ctx context.Context) error {
	istio, certManager, _, err := CRDPaths(ctx)
	if err != nil {
		return err
	}
	return c.installCRDs("Istio and cert-manager CRDs", istio, certManager)
}

// InstallGatewayAPICRDs installs the Gateway API CRDs and waits until the
// API server serves them. It is separate from InstallCRDs so a test can
// first prove that webhook rules for the absent kinds do not break anything.
func (c *Cluster) InstallGatewayAPICRDs(ctx context.Context) error {
	_, _, gatewayAPI, err := CRDPaths(ctx)
	if err != nil {
		return err
	}
	return c.installCRDs("Gateway API CRDs", gatewayAPI)
}

// installCRDs creates (or updates) the CRDs of the files and directories
// with envtest, which skips documents that are not CRDs (the Gateway API's
// ValidatingAdmissionPolicy), and waits until discovery lists them.
func (c *Cluster) installCRDs(what string, paths ...string) error {
	if _, err := envtest.InstallCRDs(c.Config, envtest.CRDInstallOptions{Paths: paths, ErrorIfPathMissing: true}); err != nil {
		return fmt.Errorf("install %s: %w", what, err)
	}
	return nil
}

// Serves reports whether the API server serves resource in group (any version).
func (c *Cluster) Serves(group, resource string) (bool, error) {
	lists, err := c.Client.Discovery().ServerPreferredResources()
	if err != nil && lists == nil {
		return false, fmt.Errorf("discover resources: %w", err)
	}
	for _, l := range lists {
		if !strings.HasPrefix(l.GroupVersion, group+"/") {
			continue
		}
		for _, r := range l.APIResources {
			if r.Name == resource {
				return true, nil
			}
		}
	}
	return false, nil
}
