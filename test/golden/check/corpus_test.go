package check

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusDir holds real-world Istio manifests that nobody here wrote.
const corpusDir = "../../corpus/istio-samples"

// expectedRules is what a careful reviewer expects check to raise on each
// sample; "" means the manifest is already hardened and must raise nothing.
var expectedRules = map[string]string{
	"bookinfo/bookinfo-gateway.yaml":                   "IGR303 IGR305 IGR705",
	"bookinfo/destination-rule-all.yaml":               "IGR203 IGR204",
	"bookinfo/destination-rule-all-mtls.yaml":          "IGR203 IGR204",
	"bookinfo/virtual-service-all-v1.yaml":             "IGR705",
	"bookinfo/virtual-service-reviews-test-v2.yaml":    "IGR705",
	"bookinfo/virtual-service-ratings-test-delay.yaml": "IGR705",
	"bookinfo/virtual-service-reviews-50-v3.yaml":      "IGR705",
	"bookinfo/virtual-service-reviews-v3.yaml":         "IGR705",
	"httpbin/httpbin.yaml":                             "",
	"httpbin/httpbin-gateway.yaml":                     "IGR303 IGR305 IGR705",
	"httpbin/httpbin-gateway-https.yaml":               "IGR705", // minProtocolVersion unset is TLSV1_2
	"security/peer-authentication-mesh-strict.yaml":    "",
	"security/peer-authentication-workload-port.yaml":  "IGR102",
	"security/peer-authentication-permissive.yaml":     "IGR101",
	"security/request-authentication-jwt.yaml":         "IGR405",
	"security/authorization-policy-http.yaml":          "IGR402",
	"security/authorization-policy-deny-get.yaml":      "",
	"security/authorization-policy-ingress-ip.yaml":    "IGR405",
	"helm-values/istiod/values.yaml":                   "IGR601 IGR602 IGR603 IGR604 IGR606 IGR608 IGR609",
	"helm-values/gateway/values.yaml":                  "IGR605",
	"operator/profile-default.yaml":                    "IGR601 IGR602 IGR603 IGR604 IGR605 IGR606 IGR608 IGR609",
	"operator/profile-demo.yaml":                       "IGR601 IGR602 IGR603 IGR604 IGR605 IGR606 IGR608 IGR609 IGR610",
	"operator/profile-minimal.yaml":                    "IGR601 IGR602 IGR603 IGR604 IGR606 IGR608 IGR609",
}

// corpusFiles lists the manifests of the corpus, relative to corpusDir.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && filepath.Ext(p) == ".yaml" {
			rel, err := filepath.Rel(corpusDir, p)
			out = append(out, filepath.ToSlash(rel))
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// valuesFlags returns --values-for for the Helm values directories.
func valuesFlags(rel string) []string {
	for _, chart := range []string{"istiod", "gateway"} {
		if strings.HasPrefix(rel, "helm-values/"+chart+"/") {
			return []string{"--values-for", chart}
		}
	}
	return nil
}

func TestIstioSamples(t *testing.T) {
	files := corpusFiles(t)
	if len(files) != len(expectedRules) {
		t.Errorf("corpus has %d files, expectations cover %d: keep expectedRules in step with %s", len(files), len(expectedRules), corpusDir)
	}
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			want, ok := expectedRules[rel]
			if !ok {
				t.Fatalf("no expectation for %s", rel)
			}
			args := append([]string{"check", "-o", "json", "-f", rel}, valuesFlags(rel)...)
			r := runBinary(t, corpusDir, args...)
			if r.code == 2 {
				t.Fatalf("check could not parse %s (exit 2):\n%s", rel, r.stderr)
			}
			if got := ruleSet(t, r.stdout); got != want {
				t.Errorf("rules raised = %q, want %q", got, want)
			}
		})
	}
}

// ruleSet returns the sorted distinct rule IDs of a JSON report.
func ruleSet(t *testing.T, out string) string {
	t.Helper()
	var rep struct {
		Findings []struct {
			Rule string `json:"rule"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("invalid JSON output: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	var ids []string
	for _, f := range rep.Findings {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			ids = append(ids, f.Rule)
		}
	}
	sort.Strings(ids)
	return strings.Join(ids, " ")
}
