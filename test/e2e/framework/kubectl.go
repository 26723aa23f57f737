package framework

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// kubectlTimeout bounds one kubectl invocation.
const kubectlTimeout = 60 * time.Second

// Result is the outcome of one kubectl invocation.
type Result struct {
	Args   []string
	Stdout string
	Stderr string
	Err    error // non-nil when kubectl exited non-zero or could not run
}

// Output returns stdout and stderr together, for assertions on messages.
func (r Result) Output() string { return r.Stdout + r.Stderr }

// String describes the invocation for test failure messages.
func (r Result) String() string {
	return fmt.Sprintf("kubectl %s: err=%v\nstdout:\n%s\nstderr:\n%s", strings.Join(r.Args, " "), r.Err, r.Stdout, r.Stderr)
}

// Kubectl runs the real kubectl binary against the cluster as the admin user.
// stdin, if not empty, is passed on standard input (use "-f -").
func (c *Cluster) Kubectl(ctx context.Context, stdin string, args ...string) Result {
	ctx, cancel := context.WithTimeout(ctx, kubectlTimeout)
	defer cancel()
	full := append([]string{"--kubeconfig=" + c.Kubeconfig}, args...)
	cmd := exec.CommandContext(ctx, c.Binaries.Kubectl, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("kubectl %s: %w", args[0], err)
	}
	return Result{Args: args, Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}
