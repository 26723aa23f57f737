package policy

import (
	"slices"
	"strings"
	"testing"
)

// exemptAnn is an exemption from IGR703 with a reason, as YAML annotations.
const exemptAnn = `{istio-guardrail.io/exempt: "IGR703", istio-guardrail.io/exempt-reason: "vendor image"}`

// bypassAnn makes IGR703 fire on a pod or pod template.
const bypassAnn = `sidecar.istio.io/proxyImage: evil`

func TestExemptions(t *testing.T) {
	tests := map[string]struct {
		kind     Kind
		doc      string
		settings Settings
		want     []string // "RULE field action", sorted
	}{
		"deployment without exemption is denied": {
			kind: KindDeployment,
			doc:  `{metadata: {name: d, namespace: n}, spec: {template: {metadata: {annotations: {` + bypassAnn + `}}}}}`,
			want: []string{"IGR703 spec.template.metadata.annotations[sidecar.istio.io/proxyImage] deny"},
		},
		"exemption on the deployment's own metadata": {
			kind: KindDeployment,
			doc:  `{metadata: {name: d, namespace: n, annotations: ` + exemptAnn + `}, spec: {template: {metadata: {annotations: {` + bypassAnn + `}}}}}`,
		},
		"exemption on the pod template": {
			kind: KindDeployment,
			doc: `{metadata: {name: d, namespace: n}, spec: {template: {metadata: {annotations: {` + bypassAnn + `,
  istio-guardrail.io/exempt: IGR703, istio-guardrail.io/exempt-reason: "vendor image"}}}}}`,
		},
		"exemption on a cronjob's pod template": {
			kind: KindCronJob,
			doc: `{metadata: {name: c, namespace: n}, spec: {schedule: "* * * * *", jobTemplate: {spec: {template: {metadata: {annotations: {` + bypassAnn + `,
  istio-guardrail.io/exempt: IGR703, istio-guardrail.io/exempt-reason: "vendor image"}}}}}}}`,
		},
		"pod exempt by its own metadata": {
			kind: KindPod,
			doc:  `{metadata: {name: p, namespace: n, annotations: {` + bypassAnn + `, istio-guardrail.io/exempt: IGR703, istio-guardrail.io/exempt-reason: x}}}`,
		},
		"template exemption without a reason is ignored and reported": {
			kind: KindDeployment,
			doc:  `{metadata: {name: d, namespace: n}, spec: {template: {metadata: {annotations: {` + bypassAnn + `, istio-guardrail.io/exempt: IGR703}}}}}`,
			want: []string{
				"IGR001 spec.template.metadata.annotations[istio-guardrail.io/exempt-reason] warn",
				"IGR703 spec.template.metadata.annotations[sidecar.istio.io/proxyImage] deny",
			},
		},
		"allowed rules list permits the exemption": {
			kind:     KindPod,
			settings: Settings{ExemptableRules: []string{"IGR703"}},
			doc:      `{metadata: {name: p, namespace: n, annotations: {` + bypassAnn + `, istio-guardrail.io/exempt: IGR703, istio-guardrail.io/exempt-reason: x}}}`,
		},
		"rule outside the allowed list is not exempted and IGR001 warns": {
			kind:     KindPod,
			settings: Settings{ExemptableRules: []string{"IGR201"}},
			doc:      `{metadata: {name: p, namespace: n, annotations: {` + bypassAnn + `, istio-guardrail.io/exempt: IGR703, istio-guardrail.io/exempt-reason: x}}}`,
			want: []string{
				"IGR001 metadata.annotations[istio-guardrail.io/exempt] warn",
				"IGR703 metadata.annotations[sidecar.istio.io/proxyImage] deny",
			},
		},
		"empty allowed list refuses every exemption": {
			kind:     KindDeployment,
			settings: Settings{ExemptableRules: []string{}},
			doc:      `{metadata: {name: d, namespace: n, annotations: ` + exemptAnn + `}, spec: {template: {metadata: {annotations: {` + bypassAnn + `}}}}}`,
			want: []string{
				"IGR001 metadata.annotations[istio-guardrail.io/exempt] warn",
				"IGR703 spec.template.metadata.annotations[sidecar.istio.io/proxyImage] deny",
			},
		},
		"IGR001 off silences the refused exemption but still applies the rule": {
			kind:     KindPod,
			settings: Settings{ExemptableRules: []string{}, Rules: map[string]RuleSettings{"IGR001": {Action: ActionOff}}},
			doc:      `{metadata: {name: p, namespace: n, annotations: {` + bypassAnn + `, istio-guardrail.io/exempt: IGR703, istio-guardrail.io/exempt-reason: x}}}`,
			want:     []string{"IGR703 metadata.annotations[sidecar.istio.io/proxyImage] deny"},
		},
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			e, err := NewEngine(tc.settings)
			if err != nil {
				t.Fatalf("NewEngine: %v", err)
			}
			var got []string
			for _, f := range e.Validate(&Context{}, testObject(t, tc.kind, tc.doc)).Findings {
				got = append(got, f.Rule+" "+f.Field+" "+string(f.Action))
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestRefusedExemptionMessage(t *testing.T) {
	e, err := NewEngine(Settings{ExemptableRules: []string{"IGR201"}})
	if err != nil {
		t.Fatal(err)
	}
	obj := testObject(t, KindPod, `{metadata: {name: p, namespace: n, annotations: {istio-guardrail.io/exempt: "IGR201, IGR703", istio-guardrail.io/exempt-reason: x}}}`)
	for _, f := range e.Validate(&Context{}, obj).Findings {
		if f.Rule != "IGR001" {
			continue
		}
		if !strings.Contains(f.Message, "IGR703") || strings.Contains(f.Message, "exempts IGR201") || !strings.Contains(f.Message, "ignored") {
			t.Errorf("message %q must name IGR703 only and say it is ignored", f.Message)
		}
		return
	}
	t.Error("no IGR001 finding for a refused exemption")
}

func TestNewEngineRejectsUnknownExemptableRule(t *testing.T) {
	if _, err := NewEngine(Settings{ExemptableRules: []string{"IGR999"}}); err == nil || !strings.Contains(err.Error(), "IGR999") {
		t.Errorf("err = %v, want one naming IGR999", err)
	}
}
