package main

import (
	"io"
	"os"

	"github.com/istio-guardrail/istio-guardrail/manifest"
	"github.com/istio-guardrail/istio-guardrail/policy"
	"github.com/istio-guardrail/istio-guardrail/report"
)

// crossObjects judges the inputs together with the cross-object rules
// (IGR8xx): the main pass digests every object into the compact
// policy.ClusterIndex and remembers where each DestinationRule is (the
// rules' findings are all on one); the findings are then located by
// decoding that one part of its input again. The input is a partial view
// of a cluster, so only the rules that conclude from what is present can
// fire.
type crossObjects struct {
	idx     *policy.ClusterIndex
	located map[policy.ObjectRef]drPlace // the first DestinationRule of each name
}

// drPlace is where a DestinationRule was read and reported.
type drPlace struct {
	input      int    // index of its input
	file       string // as its Document named it
	line       int    // its Document's line
	part       manifest.Part
	seq        int  // its input position among the reported objects
	atDocument bool // its report entry is at file:line (not moved to a Helm template)
	res        report.ObjectResult
}

func newCrossObjects() *crossObjects {
	return &crossObjects{idx: policy.NewClusterIndex(false), located: map[policy.ObjectRef]drPlace{}}
}

// add digests one decoded document, reported as res at input position seq.
func (c *crossObjects) add(d *manifest.Document, input, seq int, res report.ObjectResult) {
	c.idx.Add(d.Object)
	ref := d.Object.Ref()
	if _, seen := c.located[ref]; seen || policy.KindOf(d.Object.GroupKind) != policy.KindDestinationRule {
		return
	}
	part := d.Part
	part.Text = nil // read again when a finding needs its lines
	res.Findings = nil
	c.located[ref] = drPlace{input: input, file: d.File, line: d.Line, part: part, seq: seq,
		atDocument: res.File == d.File && res.Line == d.Line, res: res}
}

// judge runs the cross-object rules and adds their findings to the objects
// they are on.
func (c *crossObjects) judge(rep *results, eng *policy.Engine, ins []input, mopts manifest.Options) {
	for _, res := range eng.ValidateCluster(c.idx) {
		at, ok := c.located[res.Object]
		if !ok || !at.atDocument {
			continue
		}
		fieldLine := c.fieldLiner(ins[at.input], at, mopts)
		o := &rep.Objects[rep.listed(at.seq, at.res)]
		for _, f := range res.Findings {
			o.Findings = append(o.Findings, report.Entry{Finding: f, File: at.file, Line: fieldLine(f.Field)})
		}
	}
}

// fieldLiner decodes the part of the DestinationRule at again and returns
// its Document's FieldLine (its line for every field when that fails).
func (c *crossObjects) fieldLiner(in input, at drPlace, mopts manifest.Options) func(string) int {
	fallback := func(string) int { return at.line }
	text := make([]byte, at.part.Len)
	err := in.each(func(r io.Reader) error {
		_, err := r.(*os.File).ReadAt(text, at.part.Offset)
		return err
	})
	if err != nil {
		return fallback
	}
	part := at.part
	part.Text = text
	for d, err := range manifest.Redecode(in.name, part, mopts) {
		if err == nil && d.Line == at.line {
			return d.FieldLine
		}
	}
	return fallback
}
