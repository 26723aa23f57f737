// Command istio-guardrail is the admission guardrail for Istio meshes: the
// webhook server (serve), the offline validator for CI (check), the offline
// mutation preview (mutate), and the catalogue (rules, config default).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is set at build time: -ldflags "-X main.version=...".
var version = "dev"

// Exit codes shared by every command.
const (
	exitOK       = 0 // success; for check: nothing at or above --fail-on
	exitFindings = 1 // check: a finding at or above --fail-on; config validate: an invalid file
	exitError    = 2 // usage, configuration, input or parse error
)

// invokedAs is the name the binary was run as: installed as
// kubectl-istio_guardrail it is the kubectl plugin `kubectl istio-guardrail`,
// and its help says so.
var invokedAs = "istio-guardrail"

// kubectlPlugin is the file name that makes the binary a kubectl plugin.
const kubectlPlugin = "kubectl-istio_guardrail"

func main() {
	invokedAs = strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// newRootCmd builds the command tree.
//
// Adding a command: write one constructor per command, newXxxCmd() returning
// a *cobra.Command, and add it here. Its RunE reads input from
// cmd.InOrStdin() and writes to cmd.OutOrStdout()/cmd.ErrOrStderr(); it
// returns nil for exit 0, usageError(err) for any usage or input error (exit
// 2, the message is printed as "istio-guardrail <cmd>: <err>"), or
// exitWith(code, err) for any other exit code (err may be nil for a silent
// exit, such as check's exit 1 after its report). Flag-parsing errors and
// unknown commands are exit 2 with the command's usage, `-h`/`--help` and
// `help <cmd>` print the help on stdout and exit 0: cobra and run() do
// that for every command.
//
// A command still written in the old style, func(args, stdin, stdout,
// stderr) int with its own flag.FlagSet, joins the tree unchanged as
// legacyCommand("vap [flags]", "summary", runVAP) until it is ported.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "istio-guardrail",
		Short: "Admission guardrail for Istio meshes",
		Long: "istio-guardrail judges Istio and Kubernetes objects against a rule catalogue: at admission\n" +
			"(serve), in CI (check) and as a mutation preview (mutate). Exit codes: 0 success, 1 findings\n" +
			"(check) or an invalid file (config validate), 2 usage, configuration or input error.",
		Version:       version,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		// Without a command: the usage on stderr, exit 2.
		RunE: func(cmd *cobra.Command, _ []string) error {
			return &codeError{code: exitError, showUsage: true}
		},
	}
	if invokedAs == kubectlPlugin {
		root.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl istio-guardrail"}
	}
	root.SetVersionTemplate("istio-guardrail {{.Version}}\n")
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(),
		"Usage:{{if .Runnable}}\n  {{.UseLine}}{{end}}", "usage:{{if .Runnable}} {{.UseLine}}{{end}}", 1))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &codeError{code: exitError, err: err, showUsage: true}
	})
	root.AddCommand(newServeCmd(), newCheckCmd(), newAuditCmd(), newMutateCmd(), newRulesCmd(), newVAPCmd(), newConfigCmd(), newVersionCmd())
	return root
}

// run executes the command line and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(longFlagsWithOneDash(root, args))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	var ce *codeError
	if !errors.As(err, &ce) {
		// cobra's own errors: unknown command, wrong argument count.
		ce = &codeError{code: exitError, err: err, showUsage: true}
	}
	if ce.err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd.CommandPath(), ce.err)
	}
	if ce.showUsage {
		if ce.err != nil {
			fmt.Fprintln(stderr)
		}
		fmt.Fprint(stderr, cmd.UsageString())
	}
	return ce.code
}

// codeError is an error that carries the process exit code. err may be nil
// (exit silently with code).
type codeError struct {
	code      int
	err       error
	showUsage bool
}

func (e *codeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *codeError) Unwrap() error { return e.err }

// usageError marks err as a usage or input error: exit 2.
func usageError(err error) error { return &codeError{code: exitError, err: err} }

// exitWith returns an error exiting with code; err (may be nil) is printed.
func exitWith(code int, err error) error { return &codeError{code: code, err: err} }

// longFlagsWithOneDash rewrites "-name" and "-name=value" to "--name..."
// when name is a long flag of the command being run: before cobra, every
// command parsed its flags with Go's flag package, which accepts one dash
// for long flags, and scripts written then keep working.
func longFlagsWithOneDash(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		return args
	}
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			name, _, _ := strings.Cut(a[1:], "=")
			if len(name) > 1 && cmd.Flag(name) != nil {
				a = "-" + a
			}
		}
		out = append(out, a)
	}
	return out
}

// stringList is a repeatable string flag (used by check, mutate and serve).
type stringList []string

var _ pflag.Value = (*stringList)(nil)

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
func (s *stringList) Type() string       { return "stringArray" }

// versionInfo is the output of `version -o json`.
type versionInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

func newVersionCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version (-o json for the version, Go version and platform)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := versionInfo{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
			switch output {
			case "text":
				fmt.Fprintln(cmd.OutOrStdout(), "istio-guardrail", version)
			case "json":
				b, err := json.Marshal(info)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
			default:
				return usageError(fmt.Errorf("invalid --output %q (want text or json)", output))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// legacyCommand adapts an old-style command (its own flag parsing, an exit
// code) to the tree: cobra hands it every argument, -h included.
func legacyCommand(use, short string, run func(args []string, stdin io.Reader, stdout, stderr io.Writer) int) *cobra.Command {
	return &cobra.Command{
		Use:                use,
		Short:              short,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := run(args, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()); code != exitOK {
				return exitWith(code, nil)
			}
			return nil
		},
	}
}

// noArgs refuses positional arguments with exit 2.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError(fmt.Errorf("unexpected argument %q", args[0]))
	}
	return nil
}
