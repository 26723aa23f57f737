package framework

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/istio-guardrail/istio-guardrail/test/internal/repo"
)

// Binaries are the absolute paths of the executables the framework runs.
type Binaries struct {
	Etcd      string
	APIServer string
	Kubectl   string
	Guardrail string
	Helm      string
	// ControllerManager is kube-controller-manager (Deployments, ReplicaSets,
	// Jobs and CronJobs create Pods through it).
	ControllerManager string
	// Istiod is Istio's pilot-discovery. FindBinaries does not require it:
	// the suites that run istiod call RequireIstiod, and the demo starts
	// istiod only when it is built.
	Istiod string
}

// FindBinaries locates etcd, kube-apiserver, kube-controller-manager, kubectl,
// helm, istio-guardrail (and pilot-discovery, see RequireIstiod)
// in $KUBEBUILDER_ASSETS, else in the bin/ folder of the repository root found
// by walking up from the working directory. A missing binary is an error that
// says how to build it.
func FindBinaries() (Binaries, error) {
	dir, err := binDir()
	if err != nil {
		return Binaries{}, err
	}
	b := Binaries{
		Etcd:      filepath.Join(dir, "etcd"),
		APIServer: filepath.Join(dir, "kube-apiserver"),
		Kubectl:   filepath.Join(dir, "kubectl"),
		Helm:      filepath.Join(dir, "helm"),
		Guardrail: filepath.Join(dir, "istio-guardrail"),

		ControllerManager: filepath.Join(dir, "kube-controller-manager"),
		Istiod:            filepath.Join(dir, "pilot-discovery"),
	}
	var errs []error
	for _, p := range []string{b.Etcd, b.APIServer, b.ControllerManager, b.Kubectl, b.Helm} {
		errs = append(errs, executable(p, "run make tools"))
	}
	errs = append(errs, executable(b.Guardrail, "run make build"))
	return b, errors.Join(errs...)
}

// RequireIstiod reports, as an error that says how to build it, a missing
// pilot-discovery binary.
func (b Binaries) RequireIstiod() error { return executable(b.Istiod, "run make tools") }

// binDir returns $KUBEBUILDER_ASSETS or <repo root>/bin.
func binDir() (string, error) {
	if d := os.Getenv("KUBEBUILDER_ASSETS"); d != "" {
		return filepath.Abs(d)
	}
	root, err := repo.Root()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "bin"), nil
}

// executable checks that path is an executable file; hint says how to get it.
func executable(path, hint string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s is missing (%s): %w", path, hint, err)
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file (%s)", path, hint)
	}
	return nil
}
