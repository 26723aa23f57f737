package pods

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/istio-guardrail/istio-guardrail/test/e2e/framework"
	"github.com/istio-guardrail/istio-guardrail/test/internal/clibin"
)

// binary is the istio-guardrail CLI built once by TestMain.
var binary string

func TestMain(m *testing.M) { clibin.Main(m, &binary) }

// corpus lists the manifests of this folder.
func corpus(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files (err %v)", err)
	}
	return files
}

// mutate runs `istio-guardrail mutate -f -` on input and requires exit 0.
func mutate(t *testing.T, input []byte) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, "mutate", "-f", "-")
	cmd.Stdin = bytes.NewReader(input)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("mutate failed: %v\nstderr:\n%s", err, e.String())
	}
	return o.String(), e.String()
}

// TestCorpusMutate: mutate succeeds on every file, the output decodes
// strictly into the Kubernetes types, and a second run changes nothing.
func TestCorpusMutate(t *testing.T) {
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
	for _, f := range corpus(t) {
		t.Run(f, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, log := mutate(t, in)
			t.Logf("stderr:\n%s", log)
			for i, doc := range splitYAML(t, out) {
				if _, _, err := strict.Decode(doc, nil, nil); err != nil {
					t.Errorf("output document %d does not decode strictly: %v\n%s", i, err, doc)
				}
			}
			again, log2 := mutate(t, []byte(out))
			if again != out {
				t.Errorf("second run changed the output:\n%s", again)
			}
			if strings.Contains(log2, " applied") {
				t.Errorf("second run applied mutations:\n%s", log2)
			}
		})
	}
}

// TestCorpusAcceptedByAPIServer creates every mutated object on a real
// kube-apiserver (no webhooks registered): the server's validation is the
// judge of "valid output".
func TestCorpusAcceptedByAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: needs etcd and kube-apiserver (make tools)")
	}
	bins, err := framework.FindBinaries()
	if err != nil {
		t.Fatalf("binaries for the API server test: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cluster, err := framework.StartCluster(ctx, framework.ClusterOptions{Dir: t.TempDir(), Binaries: bins})
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	t.Cleanup(func() { _ = cluster.Stop() })
	for _, f := range corpus(t) {
		t.Run(f, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := mutate(t, in)
			if r := cluster.Kubectl(ctx, out, "create", "-f", "-"); r.Err != nil {
				t.Fatalf("API server rejected the mutated output: %s", r)
			}
			// Files share names (helloworld-v1): remove before the next one.
			if r := cluster.Kubectl(ctx, out, "delete", "--wait=false", "-f", "-"); r.Err != nil {
				t.Fatalf("delete: %s", r)
			}
		})
	}
}

// splitYAML splits a YAML stream into documents.
func splitYAML(t *testing.T, s string) [][]byte {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufioReader(s))
	var docs [][]byte
	for {
		d, err := r.Read()
		if err != nil {
			break
		}
		if len(bytes.TrimSpace(d)) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }
