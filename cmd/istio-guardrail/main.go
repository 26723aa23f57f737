// Command istio-guardrail is the admission guardrail for Istio meshes: the
// webhook server (serve), the offline validator for CI (check), the offline
// mutation preview (mutate), and the catalogue (rules, config default).
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// version is set at build time: -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand. It returns the process exit code.
type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"run the admission webhook server", runServe},
		"check":   {"validate manifests offline (CI): exit 0 clean, 1 findings, 2 errors", runCheck},
		"audit":   {"judge a live cluster, cross-object rules included: exit codes as check", runAudit},
		"mutate":  {"preview admission mutations offline", runMutate},
		"rules":   {"list the rule catalogue", runRules},
		"config":  {"print the default GuardrailConfig (config default)", runConfig},
		"version": {"print the version", runVersion},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "istio-guardrail: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: istio-guardrail <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'istio-guardrail <command> -h' for the flags of a command.")
}

func runVersion(_ []string, _ io.Reader, stdout, _ io.Writer) int {
	fmt.Fprintln(stdout, "istio-guardrail", version)
	return 0
}
