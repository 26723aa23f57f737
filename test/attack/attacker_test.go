package attack

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// attackerEnv carries an attackPlan to a copy of the test binary.
const attackerEnv = "IGR_ATTACKER_PLAN"

// attackPlan is what the attacker process plays against Addr.
type attackPlan struct {
	Addr, CAFile string
	// SlowHeaders clients per address of Sources; Stalled stalled-body
	// clients from the first source.
	Sources     []string
	SlowHeaders int
	Stalled     int
	// RefusedBackoff is the pause after a refused attempt.
	RefusedBackoff time.Duration
	// Timeout bounds the process's life.
	Timeout time.Duration
}

// attackReport is what the attacker process saw, printed as JSON at exit.
type attackReport struct {
	SlowOpened, SlowRefused, StalledOpened int64
}

// runAttackerProcess plays the plan from the environment until its stdin
// closes (or the plan's timeout), printing "ramped" once every slow-header
// client has tried once, and the report at the end.
func runAttackerProcess() int {
	var p attackPlan
	if err := json.Unmarshal([]byte(os.Getenv(attackerEnv)), &p); err != nil {
		fmt.Fprintln(os.Stderr, "attack plan:", err)
		return 2
	}
	pem, err := os.ReadFile(p.CAFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	cfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	ctx, cancel := context.WithTimeout(context.Background(), p.Timeout)
	defer cancel()
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); cancel() }()
	var stats []*attackStats
	var waits []func()
	for _, from := range p.Sources {
		st, wait := attackAddr(ctx, p.Addr, cfg, p.SlowHeaders, from, p.RefusedBackoff, slowHeaders(ctx))
		stats, waits = append(stats, st), append(waits, wait)
	}
	stalls, waitStalls := attackAddr(ctx, p.Addr, cfg, p.Stalled, p.Sources[0], 0, stallBody)
	total := func() (opened, refused int64) {
		for _, st := range stats {
			opened += st.opened.Load()
			refused += st.refused.Load()
		}
		return opened, refused
	}
	for ctx.Err() == nil {
		if o, r := total(); o+r >= int64(p.SlowHeaders*len(p.Sources)) {
			fmt.Println("ramped")
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	<-ctx.Done()
	for _, w := range waits {
		w()
	}
	waitStalls()
	o, r := total()
	_ = json.NewEncoder(os.Stdout).Encode(attackReport{SlowOpened: o, SlowRefused: r, StalledOpened: stalls.opened.Load()})
	return 0
}

// attacker is a running attacker process.
type attacker struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

// startAttacker runs plan in a copy of this test binary and waits until it
// has ramped up (every slow-header client has tried once).
func startAttacker(t *testing.T, plan attackPlan) *attacker {
	t.Helper()
	b, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	// At the lowest CPU priority: on this one machine the attacker's CPU
	// would otherwise be taken from the server, which in a cluster a
	// tenant's pod (its own cgroup, often its own node) cannot do.
	cmd := exec.Command("nice", "-n", "19", os.Args[0])
	cmd.Env = append(os.Environ(), attackerEnv+"="+string(b))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &attacker{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	ramped := make(chan bool, 1)
	go func() { ramped <- a.out.Scan() && strings.TrimSpace(a.out.Text()) == "ramped" }()
	select {
	case ok := <-ramped:
		if !ok {
			t.Fatal("the attacker process ended before it ramped up")
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the attacker process did not ramp up within 60s")
	}
	return a
}

// stop ends the attack and returns the attacker's report.
func (a *attacker) stop(t *testing.T) attackReport {
	t.Helper()
	_ = a.stdin.Close()
	var r attackReport
	if !a.out.Scan() {
		t.Fatalf("no report from the attacker process: %v", a.out.Err())
	}
	if err := json.Unmarshal(a.out.Bytes(), &r); err != nil {
		t.Fatalf("attacker report %q: %v", a.out.Text(), err)
	}
	return r
}

// pid is the attacker process's id, for CPU accounting.
func (a *attacker) pid() int { return a.cmd.Process.Pid }
