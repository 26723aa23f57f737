package main

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// counts is what one run produced: the total and a breakdown (by action,
// level or result) for the report.
type counts struct {
	total int
	by    map[string]int
}

// String renders "N (a: x, b: y)" with the breakdown sorted by key.
func (c counts) String() string {
	if len(c.by) == 0 {
		return strconv.Itoa(c.total)
	}
	keys := make([]string, 0, len(c.by))
	for k := range c.by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, c.by[k])
	}
	return fmt.Sprintf("%d (%s)", c.total, strings.Join(parts, ", "))
}

// parseCheckJSON counts the findings of `istio-guardrail check -o json`
// ({"findings":[{"rule":...,"action":...},...],"summary":{...}}), by action.
func parseCheckJSON(r io.Reader) (counts, error) {
	var out struct {
		Findings *[]struct {
			Rule   string `json:"rule"`
			Action string `json:"action"`
		} `json:"findings"`
	}
	if err := json.NewDecoder(r).Decode(&out); err != nil {
		return counts{}, fmt.Errorf("check output: %w", err)
	}
	if out.Findings == nil {
		return counts{}, fmt.Errorf("check output has no findings array")
	}
	c := counts{by: map[string]int{}}
	for _, f := range *out.Findings {
		c.total++
		c.by[f.Action]++
	}
	return c, nil
}

// parseIstioctlJSON counts the messages of `istioctl analyze -o json`: one
// JSON array of {"code","level","origin","reference","message",
// "documentationUrl"} (istioctl/pkg/util/formatting), by level. The array
// is followed by a newline; an analysis without messages prints [].
func parseIstioctlJSON(r io.Reader) (counts, error) {
	var msgs []struct {
		Code  string `json:"code"`
		Level string `json:"level"`
	}
	if err := json.NewDecoder(r).Decode(&msgs); err != nil {
		return counts{}, fmt.Errorf("istioctl output: %w", err)
	}
	c := counts{by: map[string]int{}}
	for _, m := range msgs {
		if m.Code == "" || m.Level == "" {
			return counts{}, fmt.Errorf("istioctl output: a message without code or level")
		}
		c.total++
		c.by[m.Level]++
	}
	return c, nil
}

// kyvernoSummary is the last line `kyverno apply` prints:
// "pass: 7, fail: 3, warn: 0, error: 0, skip: 40".
var kyvernoSummary = regexp.MustCompile(`(?m)^pass: (\d+), fail: (\d+), warn: (\d+), error: (\d+), skip: (\d+)\s*$`)

// parseKyvernoSummary counts the rule results of `kyverno apply`: the total
// is fail+warn+error (the results that report a problem), the breakdown has
// all five counters.
func parseKyvernoSummary(r io.Reader) (counts, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return counts{}, err
	}
	all := kyvernoSummary.FindAllSubmatch(b, -1)
	if len(all) == 0 {
		return counts{}, fmt.Errorf("kyverno output has no summary line")
	}
	m := all[len(all)-1]
	c := counts{by: map[string]int{}}
	for i, k := range []string{"pass", "fail", "warn", "error", "skip"} {
		n, _ := strconv.Atoi(string(m[i+1])) // \d+: cannot fail
		c.by[k] = n
	}
	c.total = c.by["fail"] + c.by["warn"] + c.by["error"]
	return c, nil
}
