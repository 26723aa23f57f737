package framework

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// controllers are the kube-controller-manager controllers the cluster runs:
// the ones that turn workloads into Pods (and clean up after them), plus the
// ServiceAccount controller whose "default" ServiceAccounts show that the
// controllers are running. Node, volume, endpoint and certificate controllers
// have nothing to do without kubelets, and the namespace controller is left
// out so that no test's namespace is ever finalized under it.
var controllers = []string{
	"deployment-controller", "replicaset-controller", "statefulset-controller",
	"job-controller", "cronjob-controller", "garbage-collector-controller",
	"serviceaccount-controller",
}

// StartControllerManager starts the real kube-controller-manager against the
// cluster, with the admin kubeconfig and no serving port, and waits until its
// controllers act: the ServiceAccount controller has created
// default/default. There is no kubelet and no scheduler: the Pods the
// controllers create stay Pending, which is all admission needs. Calling it
// again is a no-op; Stop stops it.
func (c *Cluster) StartControllerManager(ctx context.Context) error {
	if c.controllerManager != nil {
		if exited, _ := c.controllerManager.Exited(); !exited {
			return nil
		}
	}
	var err error
	c.controllerManager, err = StartProcess(ProcessSpec{
		Name: "kube-controller-manager", Path: c.Binaries.ControllerManager, Detach: c.detach,
		LogPath: filepath.Join(c.Dir, "kube-controller-manager.log"), PIDFile: filepath.Join(c.Dir, "kube-controller-manager.pid"),
		Args: []string{
			"--kubeconfig=" + c.Kubeconfig,
			"--controllers=" + strings.Join(controllers, ","),
			"--leader-elect=false",
			// No serving port: nothing scrapes it, and a fixed port would
			// collide with other clusters on the machine.
			"--secure-port=0",
			"--root-ca-file=" + c.caFile,
			"--service-account-private-key-file=" + c.saKey,
			"--kube-api-qps=100", "--kube-api-burst=200",
			"--profiling=false",
		},
	})
	if err != nil {
		return err
	}
	return Poll(ctx, 90*time.Second, 250*time.Millisecond, func(ctx context.Context) error {
		if exited, werr := c.controllerManager.Exited(); exited {
			return Permanent(fmt.Errorf("kube-controller-manager exited (%w):\n%s", werr, c.controllerManager.Logs()))
		}
		_, err := c.Client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("kube-controller-manager not acting yet (no default/default ServiceAccount): %w", err)
		}
		return nil
	})
}

// ControllerManagerLogs returns the tail of kube-controller-manager's log.
func (c *Cluster) ControllerManagerLogs() string {
	return TailFile(filepath.Join(c.Dir, "kube-controller-manager.log"), 40)
}
