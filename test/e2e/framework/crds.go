package framework

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// CRDFiles returns the Istio CRDs of the istio.io/api module and the
// cert-manager CRDs of the cert-manager module, both from the module cache
// at the versions in go.mod.
func CRDFiles(ctx context.Context) ([]string, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "istio.io/api", "github.com/cert-manager/cert-manager")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("locate CRD modules with go list: %w", err)
	}
	dirs := strings.Fields(string(out))
	if len(dirs) != 2 {
		return nil, fmt.Errorf("locate CRD modules: go list printed %q", out)
	}
	files := []string{filepath.Join(dirs[0], "kubernetes", "customresourcedefinitions.gen.yaml")}
	cm, err := filepath.Glob(filepath.Join(dirs[1], "deploy", "crds", "*.yaml"))
	if err != nil || len(cm) == 0 {
		return nil, fmt.Errorf("no cert-manager CRDs under %s (%w)", dirs[1], err)
	}
	return append(files, cm...), nil
}

// InstallCRDs applies the Istio and cert-manager CRDs with kubectl
// (server-side: some CRDs exceed the client-side apply annotation limit) and
// waits until they are established.
func (c *Cluster) InstallCRDs(ctx context.Context) error {
	files, err := CRDFiles(ctx)
	if err != nil {
		return err
	}
	return c.applyCRDs(ctx, "CRDs", files)
}

// applyCRDs applies the CRD files with kubectl server-side and waits until
// every CRD of the cluster is established; what names them in errors.
func (c *Cluster) applyCRDs(ctx context.Context, what string, files []string) error {
	args := []string{"apply", "--server-side", "--force-conflicts"}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	if r := c.Kubectl(ctx, "", args...); r.Err != nil {
		return fmt.Errorf("install %s: %w\n%s", what, r.Err, r.Stderr)
	}
	r := c.Kubectl(ctx, "", "wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
	if r.Err != nil {
		return fmt.Errorf("wait for %s: %w\n%s", what, r.Err, r.Stderr)
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
