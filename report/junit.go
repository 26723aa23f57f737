package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Skipped   *struct{}      `xml:"skipped"`
	Failures  []junitFailure `xml:"failure"`
	SystemOut string         `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes one test suite per file and one test case per object; a
// finding at or above FailOn is a failure, weaker ones go to system-out.
func JUnit(w io.Writer, r *Report) error {
	out := junitSuites{Name: "istio-guardrail"}
	byFile := map[string]int{}
	for _, o := range r.Objects {
		i, ok := byFile[o.File]
		if !ok {
			i = len(out.Suites)
			byFile[o.File] = i
			out.Suites = append(out.Suites, junitSuite{Name: o.File})
		}
		c := r.junitCase(o)
		s := &out.Suites[i]
		s.Tests++
		out.Tests++
		if len(c.Failures) > 0 {
			s.Failures++
			out.Failures++
		}
		if c.Skipped != nil {
			s.Skipped++
			out.Skipped++
		}
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func (r *Report) junitCase(o ObjectResult) junitCase {
	c := junitCase{Name: fmt.Sprintf("%s (line %d)", o.Ref.String(), o.Line), Classname: o.File}
	if o.Skipped {
		c.Skipped = &struct{}{}
		return c
	}
	es := append([]Entry(nil), o.Findings...)
	SortEntries(es)
	var notes []string
	for _, e := range es {
		if e.Action.AtLeast(r.FailOn) {
			c.Failures = append(c.Failures, junitFailure{
				Message: e.Rule + " " + e.Field + ": " + e.Message,
				Type:    e.Rule,
				Text:    fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.String()),
			})
			continue
		}
		notes = append(notes, fmt.Sprintf("%s:%d: [%s] %s", e.File, e.Line, e.Action, e.String()))
	}
	c.SystemOut = strings.Join(notes, "\n")
	return c
}
