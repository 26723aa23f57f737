package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// junitSuite is Maven Surefire's report format (surefire-test-report-3.0.xsd),
// which Jenkins and GitLab read.
type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Time     string      `xml:"time,attr"`
	Tests    int         `xml:"tests,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Skipped   *junitSkipped `xml:"skipped"`
	Error     *junitProblem `xml:"error"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit writes one Surefire test suite. Each finding is a test case named
// by rule, object and field (no line number, so test history survives
// edits), in a class named after its file without the extension (the
// directories become the package); it fails when at or above FailOn and
// passes otherwise, with the finding on system-out. An object without
// findings is one passing test case, an object no rule covers a skipped
// one, and an input that could not be read or decoded an error.
func JUnit(w io.Writer, r *Report) error {
	out := junitSuite{Name: "istio-guardrail", Time: seconds(r.Elapsed.Seconds())}
	for _, o := range r.Objects {
		class := className(o.File)
		switch {
		case o.Skipped:
			out.Skipped++
			out.Cases = append(out.Cases, junitCase{Name: o.Ref.String(), Classname: class, Time: "0",
				Skipped: &junitSkipped{Message: "no rule covers " + o.Ref.Kind + " here (kind not covered, or namespace exempt)"}})
		case len(o.Findings) == 0:
			out.Cases = append(out.Cases, junitCase{Name: o.Ref.String(), Classname: class, Time: "0"})
		}
	}
	for _, e := range r.Findings() {
		c := junitCase{Name: e.Rule + " " + e.Object.String() + " " + e.Field, Classname: className(e.File), Time: "0"}
		text := fmt.Sprintf("%s:%d: %s %s", e.File, e.Line, e.Action, e.String())
		if e.Action.AtLeast(r.FailOn) {
			c.Failure = &junitProblem{Message: e.Short(), Type: e.Rule, Text: text}
			out.Failures++
		} else {
			c.SystemOut = text
		}
		out.Cases = append(out.Cases, c)
	}
	for _, p := range r.Errors {
		name := "input " + p.File
		if p.Line > 0 {
			name = fmt.Sprintf("input %s:%d", p.File, p.Line)
		}
		out.Cases = append(out.Cases, junitCase{Name: name, Classname: className(p.File), Time: "0",
			Error: &junitProblem{Message: p.Message, Type: "InputError", Text: p.Message}})
		out.Errors++
	}
	out.Tests = len(out.Cases)
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

// className turns a file into a Java-style class name: the path without
// its extension, directories as packages ("deploy/mesh/pa.yaml" is class
// "pa" of package "deploy.mesh"); dots inside a name become underscores
// so that report viewers do not split there.
func className(file string) string {
	if file == "" {
		return "istio-guardrail"
	}
	file = strings.TrimSuffix(filepath.ToSlash(file), filepath.Ext(file))
	var parts []string
	for _, p := range strings.Split(file, "/") {
		if p == "" || p == "." || p == ".." {
			continue
		}
		parts = append(parts, strings.ReplaceAll(p, ".", "_"))
	}
	if len(parts) == 0 {
		return "istio-guardrail"
	}
	return strings.Join(parts, ".")
}

// seconds renders a duration as Surefire's time: seconds, 3 decimals.
func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
