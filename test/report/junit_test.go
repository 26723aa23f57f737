package report

import (
	"encoding/xml"
	"regexp"
	"strconv"
	"testing"
)

// surefireTime is the SUREFIRE_TIME pattern of surefire-test-report-3.0.xsd.
var surefireTime = regexp.MustCompile(`^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?$`)

// surefireSuite is the XSD's testsuite: the root element.
type surefireSuite struct {
	XMLName  xml.Name
	Attrs    []xml.Attr     `xml:",any,attr"`
	Cases    []surefireCase `xml:"testcase"`
	Children []xml.Name     `xml:",any"`
}

type surefireCase struct {
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []struct {
		XMLName xml.Name
		Attrs   []xml.Attr `xml:",any,attr"`
	} `xml:",any"`
}

func attrs(list []xml.Attr) map[string]string {
	m := map[string]string{}
	for _, a := range list {
		m[a.Name.Local] = a.Value
	}
	return m
}

// TestJUnitSurefire checks every run's JUnit report against the rules of
// Maven Surefire's surefire-test-report-3.0.xsd, transcribed here (the XSD
// itself could not be installed from a package registry on this machine):
// root testsuite with name, tests, errors, skipped and failures (counts that
// match its test cases) and a SUREFIRE_TIME time; test cases with name and
// a SUREFIRE_TIME time, children in the XSD's sequence order (failure*,
// skipped?, error?, system-out?), failure and error with a type.
func TestJUnitSurefire(t *testing.T) {
	order := map[string]int{"failure": 0, "skipped": 1, "error": 2, "system-out": 3, "system-err": 4}
	for _, r := range runs {
		t.Run(r.desc, func(t *testing.T) {
			out, _ := check(t, r.dir, r.stdin, append(r.args, "-o", "junit")...)
			var s surefireSuite
			if err := xml.Unmarshal(out, &s); err != nil {
				t.Fatalf("malformed XML: %v", err)
			}
			if s.XMLName.Local != "testsuite" {
				t.Fatalf("root element %q, want testsuite", s.XMLName.Local)
			}
			a := attrs(s.Attrs)
			for _, req := range []string{"name", "tests", "errors", "skipped", "failures"} {
				if _, ok := a[req]; !ok {
					t.Errorf("testsuite lacks the required %s attribute", req)
				}
			}
			if !surefireTime.MatchString(a["time"]) || a["time"] == "" {
				t.Errorf("testsuite time %q is not a SUREFIRE_TIME", a["time"])
			}
			counts := map[string]int{}
			for i, c := range s.Cases {
				ca := attrs(c.Attrs)
				if ca["name"] == "" || !surefireTime.MatchString(ca["time"]) || ca["time"] == "" {
					t.Errorf("testcase %d: name %q, time %q", i, ca["name"], ca["time"])
				}
				last := -1
				for _, child := range c.Children {
					pos, ok := order[child.XMLName.Local]
					if !ok || pos < last || (pos == last && pos != 0) {
						t.Errorf("testcase %q: <%s> out of the XSD's sequence", ca["name"], child.XMLName.Local)
					}
					last = pos
					if child.XMLName.Local == "failure" || child.XMLName.Local == "error" {
						if attrs(child.Attrs)["type"] == "" {
							t.Errorf("testcase %q: <%s> without its required type", ca["name"], child.XMLName.Local)
						}
					}
					counts[child.XMLName.Local]++
				}
			}
			for attr, child := range map[string]string{"failures": "failure", "errors": "error", "skipped": "skipped"} {
				if a[attr] != strconv.Itoa(counts[child]) {
					t.Errorf("%s=%s, but %d <%s> elements", attr, a[attr], counts[child], child)
				}
			}
			if a["tests"] != strconv.Itoa(len(s.Cases)) {
				t.Errorf("tests=%s, but %d test cases", a["tests"], len(s.Cases))
			}
			if (r.code == 2) != (counts["error"] > 0) {
				t.Errorf("exit %d with %d <error> test cases", r.code, counts["error"])
			}
		})
	}
}
