package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// sample is one benchmark line.
type sample struct {
	nsPerOp, bytesPerOp, allocsPerOp float64
	// cpuNsPerOp is the process CPU time per op ("cpu-ns/op"), 0 if not reported.
	cpuNsPerOp float64
	// objectsPerCPUSecond is reported by BenchmarkCheckPipeline ("objects/cpu-s").
	objectsPerCPUSecond float64
}

// cost is the CPU time per op when reported, else the wall time: on a
// shared machine CPU time does not include waiting for a core.
func (s sample) cost() float64 {
	if s.cpuNsPerOp > 0 {
		return s.cpuNsPerOp
	}
	return s.nsPerOp
}

// results holds the median sample of each benchmark, by name without the
// "Benchmark" prefix and the -GOMAXPROCS suffix.
type results map[string]sample

// lineRE matches "BenchmarkX/y-2   1000   1234 ns/op ...".
var lineRE = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(.*)$`)

// parse reads benchmark output and returns the median of each benchmark.
func parse(r io.Reader) (results, error) {
	all := map[string][]sample{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := lineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return nil, fmt.Errorf("parse %q: %w", sc.Text(), err)
		}
		all[m[1]] = append(all[m[1]], sample{
			nsPerOp: ns, bytesPerOp: metric(m[3], "B/op"), allocsPerOp: metric(m[3], "allocs/op"),
			cpuNsPerOp: metric(m[3], "cpu-ns/op"), objectsPerCPUSecond: metric(m[3], "objects/cpu-s"),
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read benchmark output: %w", err)
	}
	out := results{}
	for name, ss := range all {
		out[name] = median(ss)
	}
	return out, nil
}

// metric returns the value before unit in the rest of a benchmark line.
func metric(rest, unit string) float64 {
	f := strings.Fields(rest)
	for i := 1; i < len(f); i++ {
		if f[i] == unit {
			v, _ := strconv.ParseFloat(f[i-1], 64)
			return v
		}
	}
	return 0
}

// median returns the sample with the median cost.
func median(ss []sample) sample {
	sort.Slice(ss, func(i, j int) bool { return ss[i].cost() < ss[j].cost() })
	return ss[len(ss)/2]
}

// lookup returns the result named name and whether it exists.
func (r results) lookup(name string) (sample, bool) {
	s, ok := r[name]
	return s, ok
}
