package main

import (
	"bytes"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/report"
)

// addCrossObjectFindings judges the inputs together with the cross-object
// rules (IGR8xx) and adds their findings to the objects of rep they are on.
// The input is a partial view of a cluster, so only the rules that conclude
// from what is present can fire: about DestinationRules (IGR803) and the
// Gateway API Gateways istiod deploys (IGR811). Inputs with neither are not
// decoded a second time.
func addCrossObjectFindings(rep *report.Report, eng *policy.Engine, srcs []source, mopts manifest.Options) {
	if !anySourceContains(srcs, []byte("DestinationRule")) && !anySourceContains(srcs, []byte("gatewayClassName")) {
		return
	}
	idx := policy.NewClusterIndex(false)
	located := map[policy.ObjectRef]*manifest.Document{}
	for _, src := range srcs {
		for d, err := range manifest.Documents(src.name, src.data, mopts) {
			if err != nil {
				continue // reported by the per-object pass
			}
			idx.Add(d.Object)
			k := policy.KindOf(d.Object.GroupKind)
			if _, seen := located[d.Object.Ref()]; !seen && (k == policy.KindDestinationRule || k == policy.KindGatewayAPIGateway) {
				located[d.Object.Ref()] = d
			}
		}
	}
	for _, res := range eng.ValidateCluster(idx) {
		d := located[res.Object]
		if d == nil {
			continue
		}
		for i := range rep.Objects {
			o := &rep.Objects[i]
			if o.Ref != res.Object || o.File != d.File || o.Line != d.Line {
				continue
			}
			for _, f := range res.Findings {
				o.Findings = append(o.Findings, report.Entry{Finding: f, File: d.File, Line: d.FieldLine(f.Field)})
			}
			break
		}
	}
}

func anySourceContains(srcs []source, needle []byte) bool {
	for _, s := range srcs {
		if bytes.Contains(s.data, needle) {
			return true
		}
	}
	return false
}
