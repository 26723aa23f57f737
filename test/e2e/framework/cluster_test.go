package framework

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childDirEnv, when set, makes TestClusterDiesWithItsCaller the caller: it
// starts a cluster in that folder and waits to be killed.
const childDirEnv = "FRAMEWORK_TEST_CLUSTER_CHILD_DIR"

// TestClusterDiesWithItsCaller starts a cluster in a child process (this test
// binary again), kills the child with SIGKILL, as go test's -timeout or an
// impatient developer would, and checks that etcd and kube-apiserver die with
// it instead of staying behind.
func TestClusterDiesWithItsCaller(t *testing.T) {
	bins, err := FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv(childDirEnv); dir != "" {
		c, err := StartCluster(context.Background(), ClusterOptions{Dir: dir, Binaries: bins})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Stop() // not reached: the parent kills this process
		if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Minute) // killed long before
		t.Fatal("not killed")
	}

	dir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^TestClusterDiesWithItsCaller$", "-test.timeout=3m")
	child.Env = append(os.Environ(), childDirEnv+"="+dir)
	log, err := os.Create(filepath.Join(dir, "child.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	child.Stdout, child.Stderr = log, log
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	var pids []int
	t.Cleanup(func() { // whatever happens, nothing stays behind
		_ = child.Process.Kill()
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	err = Poll(context.Background(), 2*time.Minute, 100*time.Millisecond, func(context.Context) error {
		select {
		case err := <-exited:
			return Permanent(fmt.Errorf("the child exited before its cluster was ready (%v)", err))
		default:
		}
		_, err := os.Stat(filepath.Join(dir, "ready"))
		return err
	})
	if err != nil {
		t.Fatalf("cluster not ready: %v\n%s", err, TailFile(log.Name(), 40))
	}
	for _, name := range []string{"etcd", "kube-apiserver"} {
		b, err := os.ReadFile(filepath.Join(dir, name+".pid"))
		if err != nil {
			t.Fatal(err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || !ProcessAlive(pid) {
			t.Fatalf("%s: pid file %q names no running process (%v)", name, b, err)
		}
		pids = append(pids, pid)
	}

	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	for i, name := range []string{"etcd", "kube-apiserver"} {
		err := Poll(context.Background(), 10*time.Second, 50*time.Millisecond, func(context.Context) error {
			if ProcessAlive(pids[i]) {
				return errors.New("alive")
			}
			return nil
		})
		if err != nil {
			t.Errorf("%s (pid %d) still runs 10 s after its caller was killed", name, pids[i])
		}
	}
}
