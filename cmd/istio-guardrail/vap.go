package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/istio-guardrail/istio-guardrail/admissionpolicy"
	"github.com/istio-guardrail/istio-guardrail/config"
)

// runVAP writes the ValidatingAdmissionPolicies, bindings and params
// ConfigMap of the rules with a CEL form under a GuardrailConfig; the rules
// without one are listed on stderr with the reason.
func runVAP(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "GuardrailConfig file (default: the built-in defaults)")
	name := fs.String("name", "istio-guardrail", "prefix of the object names")
	namespace := fs.String("namespace", "istio-guardrail", "namespace of the params ConfigMap (the guardrail's own)")
	exclude := fs.String("exclude-namespaces", "kube-system,kube-node-lease,istio-guardrail",
		"comma-separated namespaces never matched, as the webhook excludes them")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitError
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "istio-guardrail vap: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	cfg := config.Default()
	if *configPath != "" {
		var err error
		if cfg, err = config.Load(*configPath); err != nil {
			fmt.Fprintf(stderr, "istio-guardrail vap: %v\n", err)
			return exitError
		}
	}
	var excluded []string
	for _, ns := range strings.Split(*exclude, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			excluded = append(excluded, ns)
		}
	}
	out, err := admissionpolicy.Generate(cfg.Settings, admissionpolicy.Options{Name: *name, Namespace: *namespace, ExcludeNamespaces: excluded})
	if err != nil {
		fmt.Fprintf(stderr, "istio-guardrail vap: %v\n", err)
		return exitError
	}
	for _, s := range out.Skipped {
		fmt.Fprintf(stderr, "%s: not generated: %s\n", s.Rule, s.Reason)
	}
	if err := out.WriteYAML(stdout); err != nil {
		fmt.Fprintf(stderr, "istio-guardrail vap: %v\n", err)
		return exitError
	}
	return exitOK
}
