package policy

import (
	"strings"
	"testing"
)

// TestEngineJudgesItsIstioVersion: Settings.IstioVersion reaches the rules
// and the mutation scope through the engine, so one pod gets the verdict of
// the release configured. Up to 1.26 `sidecar.istio.io/inject: "no"` opts
// out of injection; from 1.27 it is invalid and the namespace injects.
func TestEngineJudgesItsIstioVersion(t *testing.T) {
	for _, tc := range []struct {
		version     string
		wantIGR702  bool
		wantSkipped bool
	}{
		{version: "", wantIGR702: false, wantSkipped: false},
		{version: "1.27", wantIGR702: false, wantSkipped: false},
		{version: "1.26", wantIGR702: true, wantSkipped: true},
	} {
		t.Run("istioVersion "+tc.version, func(t *testing.T) {
			e := mustEngine(t, Settings{IstioVersion: tc.version, Mutation: MutationSettings{Namespaces: true}})
			pod := testPod("mesh")
			pod.Annotations = map[string]string{"sidecar.istio.io/inject": "no"}
			var got bool
			for _, f := range e.Validate(injectedCtx(), podObject(pod)).Findings {
				got = got || f.Rule == "IGR702"
			}
			if got != tc.wantIGR702 {
				t.Errorf("IGR702 reported = %v, want %v", got, tc.wantIGR702)
			}
			res, err := e.Mutate(injectedCtx(), podObject(pod))
			if err != nil {
				t.Fatal(err)
			}
			if skipped := strings.Contains(res.Skipped, "injection disabled"); skipped != tc.wantSkipped {
				t.Errorf("mutation skipped = %q, want skipped for opt-out = %v", res.Skipped, tc.wantSkipped)
			}
		})
	}
}
