package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// serverProc is a webhook server process under test.
type serverProc struct {
	name    string
	cmd     *exec.Cmd
	url     string // https://127.0.0.1:port
	health  string // 127.0.0.1:port
	logPath string
	exited  chan error
}

// startServer starts bin with args plus the listener and certificate flags
// and waits until /readyz answers 200.
func startServer(ctx context.Context, name, bin string, args []string, certDir, workDir string) (*serverProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	hport, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &serverProc{
		name:    name,
		url:     "https://127.0.0.1:" + strconv.Itoa(port),
		health:  "127.0.0.1:" + strconv.Itoa(hport),
		logPath: filepath.Join(workDir, name+".log"),
		exited:  make(chan error, 1),
	}
	args = append(append([]string(nil), args...), "--cert-dir", certDir, "--bind-address", "127.0.0.1",
		"--port", strconv.Itoa(port), "--health-addr", p.health)
	logf, err := os.Create(p.logPath)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", p.logPath, err)
	}
	defer logf.Close()
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	if err := p.waitReady(ctx, 30*time.Second); err != nil {
		p.stop()
		log, _ := os.ReadFile(p.logPath)
		return nil, fmt.Errorf("%s not ready: %w; log:\n%s", name, err, tail(log, 2000))
	}
	return p, nil
}

// pid returns the process id.
func (p *serverProc) pid() int { return p.cmd.Process.Pid }

// waitReady polls /readyz until it answers 200, the process exits or the timeout passes.
func (p *serverProc) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.health+"/readyz", nil)
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-p.exited:
			p.exited <- err
			return fmt.Errorf("process exited: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and waits; it kills the process after 10 seconds.
func (p *serverProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case err = <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		err = <-p.exited
	}
	_ = err // the exit status of a server we stopped is not interesting
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("find a free port: not a TCP address")
	}
	return addr.Port, nil
}

// tail returns the last n bytes of b.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
