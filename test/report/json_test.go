package report

import (
	"strings"
	"testing"
)

// TestJSONSchema validates every run's JSON report against the documented
// schema, docs/report-v1.schema.json, and checks that the schema rejects
// reports that break its contract (so a schema that accepts anything
// cannot pass).
func TestJSONSchema(t *testing.T) {
	s := schema(t, repo+"/docs/report-v1.schema.json")
	for _, r := range runs {
		t.Run(r.desc, func(t *testing.T) {
			out, code := check(t, r.dir, r.stdin, append(r.args, "-o", "json")...)
			if code != r.code {
				t.Fatalf("exit %d, want %d", code, r.code)
			}
			if err := validate(s, out); err != nil {
				t.Fatalf("the JSON report does not match docs/report-v1.schema.json: %v\n%s", err, out)
			}
			if hasErrors := !strings.Contains(string(out), `"errors":[]`); hasErrors != (r.code == 2) {
				t.Errorf("errors listed: %v, exit %d", hasErrors, code)
			}
		})
	}
	bad := map[string]string{
		"no version":      `{"findings":[],"errors":[],"summary":{"files":0,"objects":0,"skipped":0,"deny":0,"warn":0,"audit":0,"errors":0}}`,
		"another version": `{"version":"v2","findings":[],"errors":[],"summary":{"files":0,"objects":0,"skipped":0,"deny":0,"warn":0,"audit":0,"errors":0}}`,
		"no errors list":  `{"version":"v1","findings":[],"summary":{"files":0,"objects":0,"skipped":0,"deny":0,"warn":0,"audit":0,"errors":0}}`,
		"unknown action": `{"version":"v1","findings":[{"rule":"IGR101","action":"block","kind":"K","apiVersion":"v1","namespace":"","name":"n","file":"f","line":1,"field":"x","message":"m","remediation":""}],` +
			`"errors":[],"summary":{"files":0,"objects":0,"skipped":0,"deny":0,"warn":0,"audit":0,"errors":0}}`,
	}
	for desc, doc := range bad {
		if validate(s, []byte(doc)) == nil {
			t.Errorf("the schema accepts a report with %s", desc)
		}
	}
}
