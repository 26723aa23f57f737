package policy

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestValidateUntargetedKinds: a kind no rule targets is skipped, unless the
// decoder found unknown fields, which IGR002 reports for every Istio kind.
func TestValidateUntargetedKinds(t *testing.T) {
	eng, err := NewEngine(Settings{})
	if err != nil {
		t.Fatal(err)
	}
	// No rule targets WorkloadEntries (IGR503 and IGR504 now judge ServiceEntries).
	we := Kind("WorkloadEntry.networking.istio.io").GroupKind()
	tests := []struct {
		desc        string
		unknown     []UnknownField
		wantSkipped bool
		wantRules   []string
	}{
		{desc: "clean WorkloadEntry is skipped", wantSkipped: true},
		{desc: "WorkloadEntry with a typo is reported", unknown: []UnknownField{{Path: "spec.adress"}}, wantRules: []string{"IGR002"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			obj := &Object{GroupKind: we, Version: "v1", Meta: &metav1.ObjectMeta{Name: "ext", Namespace: "default"}, UnknownFields: tc.unknown}
			res := eng.Validate(nil, obj)
			if res.Skipped != tc.wantSkipped {
				t.Errorf("Skipped = %t, want %t", res.Skipped, tc.wantSkipped)
			}
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Rule)
			}
			if len(got) != len(tc.wantRules) || (len(got) > 0 && got[0] != tc.wantRules[0]) {
				t.Errorf("rules = %v, want %v", got, tc.wantRules)
			}
		})
	}
}
