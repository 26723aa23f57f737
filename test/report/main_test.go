package report

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/istio-guardrail/istio-guardrail/test/internal/clibin"
)

// binary is the istio-guardrail binary under test.
var binary string

// TestMain builds the binary once, unless IGR_BINARY names one already built.
func TestMain(m *testing.M) { clibin.Main(m, &binary) }

// repo is the repository root, relative to this package.
const repo = "../.."

// check runs `istio-guardrail check args...` in dir and returns stdout and
// the exit code.
func check(t *testing.T, dir, stdin string, args ...string) ([]byte, int) {
	t.Helper()
	r := clibin.Run(t, binary, dir, stdin, append([]string{"check"}, args...)...)
	if r.Code == 2 && len(r.Stdout) == 0 {
		t.Fatalf("check %v wrote no report:\n%s", args, r.Stderr)
	}
	return r.Stdout, r.Code
}

// schema compiles a JSON schema file, with format assertions on.
func schema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(abs)
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return s
}

// validate checks a JSON document against s.
func validate(s *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// run is one check run whose reports the tests validate.
type run struct {
	desc, dir, stdin string
	args             []string
	code             int
}

// runs cover a findings-only run, parse errors, honoured exemptions and
// stdin.
var runs = []run{
	{desc: "unhardened examples", dir: repo + "/examples", args: []string{"unhardened"}, code: 1},
	{desc: "parse errors", dir: repo + "/test/golden/check/testdata/cases", args: []string{"parse-errors.yaml"}, code: 2},
	{desc: "exemptions", dir: repo + "/test/golden/check/testdata/cases", args: []string{"exemptions.yaml", "--config", "../configs/exemptions.yaml"}, code: 0},
	{desc: "stdin named", dir: repo, stdin: "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec: {mtls: {mode: PERMISSIVE}}\n",
		args: []string{"-", "--stdin-filename", "deploy/mesh.yaml"}, code: 1},
	{desc: "no objects", dir: repo, stdin: "# nothing\n", args: []string{"-"}, code: 2},
}
