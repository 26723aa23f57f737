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
// policy.ClusterIndex and remembers where each DestinationRule and Gateway
// API Gateway is (the rules that can fire on a partial view, IGR803 and
// IGR811, report on one); the findings are then located by decoding that one
// part of its input again. The input is a partial view
// of a cluster, so only the rules that conclude from what is present can
// fire.
type crossObjects struct {
	idx      *policy.ClusterIndex
	located  map[policy.ObjectRef]drPlace // the first DestinationRule or Gateway of each name
	versions map[string]string            // one copy of each API version of located's keys
}

// intern returns one copy of an API version per distinct value.
func (c *crossObjects) intern(v string) string {
	if s, ok := c.versions[v]; ok {
		return s
	}
	c.versions[v] = v
	return v
}

// drPlace is where a DestinationRule or Gateway was read and reported: a few words
// per object, whatever its size.
type drPlace struct {
	offset     int64 // of its part in its input
	size       int32 // of its part
	input      int32 // index of its input
	line       int32 // its Document's line
	partLine   int32 // its part's first line
	seq        int   // its input position among the reported objects
	atDocument bool  // its report entry is at file:line (not moved to a Helm template)
	skipped    bool  // its report entry's Skipped
}

func newCrossObjects() *crossObjects {
	return &crossObjects{idx: policy.NewClusterIndex(false), located: map[policy.ObjectRef]drPlace{}, versions: map[string]string{}}
}

// add digests one decoded document, reported as res at input position seq.
func (c *crossObjects) add(d *manifest.Document, input, seq int, res report.ObjectResult) {
	c.idx.Add(d.Object)
	ref := d.Object.Ref()
	if k := policy.KindOf(d.Object.GroupKind); k != policy.KindDestinationRule && k != policy.KindGatewayAPIGateway {
		return
	}
	if _, seen := c.located[ref]; seen {
		return
	}
	ref.APIVersion = c.intern(ref.APIVersion) // rendered anew by each Ref: one copy per version
	c.located[ref] = drPlace{offset: d.Part.Offset, size: int32(d.Part.Len), input: int32(input), line: int32(d.Line),
		partLine: int32(d.Part.Line), seq: seq, atDocument: res.File == d.File && res.Line == d.Line, skipped: res.Skipped}
}

// judge runs the cross-object rules and adds their findings to the objects
// they are on.
func (c *crossObjects) judge(rep *results, eng *policy.Engine, ins []input, mopts manifest.Options) {
	for _, res := range eng.ValidateCluster(c.idx) {
		at, ok := c.located[res.Object]
		if !ok || !at.atDocument {
			continue
		}
		in := ins[at.input]
		file := manifest.DisplayName(in.name)
		fieldLine := c.fieldLiner(in, at, mopts)
		o := &rep.Objects[rep.listed(at.seq, report.ObjectResult{File: file, Line: int(at.line), Ref: res.Object, Skipped: at.skipped})]
		for _, f := range res.Findings {
			o.Findings = append(o.Findings, report.Entry{Finding: f, File: file, Line: fieldLine(f.Field)})
		}
	}
}

// fieldLiner decodes the part of the object at again and returns
// its Document's FieldLine (its line for every field when that fails).
func (c *crossObjects) fieldLiner(in input, at drPlace, mopts manifest.Options) func(string) int {
	fallback := func(string) int { return int(at.line) }
	part := manifest.Part{Text: make([]byte, at.size), Offset: at.offset, Len: int(at.size), Line: int(at.partLine)}
	err := in.each(func(r io.Reader) error {
		_, err := r.(*os.File).ReadAt(part.Text, part.Offset)
		return err
	})
	if err != nil {
		return fallback
	}
	for d, err := range manifest.Redecode(in.name, part, mopts) {
		if err == nil && d.Line == int(at.line) {
			return d.FieldLine
		}
	}
	return fallback
}
