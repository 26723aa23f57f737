package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/istio-guardrail/istio-guardrail/test/bench"
)

// Targets of issue 6.
const (
	maxFloorRatio = 2.0 // handler cost at most 2x the floor
	maxAllocs     = 300 // "tens to low hundreds" of allocations per request
	linearSlack   = 1.5 // time may grow at most 1.5x faster than size
)

// handlerTable prints, per fixture, validate and mutate against the floor.
func handlerTable(w io.Writer, res results) {
	fixtures, err := bench.Fixtures()
	if err != nil {
		fmt.Fprintf(w, "(fixtures: %v)\n", err)
		return
	}
	fmt.Fprintln(w, "### Handler cost vs the floor (`BenchmarkHandler`, CPU time per request)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| object | review | floor | path | handler | **ratio** | allocs (floor) | target ≤2x, ≤300 allocs |")
	fmt.Fprintln(w, "|---|---:|---:|---|---:|---:|---:|---|")
	for _, f := range fixtures {
		floor, ok := res.lookup("Handler/" + f.Name + "/floor")
		if !ok {
			continue
		}
		for _, path := range []string{"validate", "mutate"} {
			h, ok := res.lookup("Handler/" + f.Name + "/" + path)
			if !ok {
				continue
			}
			ratio := h.cost() / floor.cost()
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | **%.2fx** | %.0f (%.0f) | %s |\n",
				f.Name, kb(len(f.Review("x"))), dur(floor.cost()), path, dur(h.cost()), ratio,
				h.allocsPerOp, floor.allocsPerOp, verdict(ratio <= maxFloorRatio && h.allocsPerOp <= maxAllocs))
		}
	}
	fmt.Fprintln(w)
}

// loggingTable prints the cost of the per-decision log line.
func loggingTable(w io.Writer, res results) {
	nop, ok1 := res.lookup("HandlerLogging/nop")
	js, ok2 := res.lookup("HandlerLogging/json-info")
	if !ok1 || !ok2 {
		return
	}
	fmt.Fprintln(w, "### Decision log cost (`BenchmarkHandlerLogging`, injected pod, /validate)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| logger | CPU/op | allocs/op | ratio |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	fmt.Fprintf(w, "| none | %s | %.0f | 1.00x |\n", dur(nop.cost()), nop.allocsPerOp)
	fmt.Fprintf(w, "| zap JSON, info, unsampled | %s | %.0f | %.2fx |\n", dur(js.cost()), js.allocsPerOp, js.cost()/nop.cost())
	fmt.Fprintln(w)
}

// scalingTable prints each series with the growth of time against size.
func scalingTable(w io.Writer, res results) {
	series := map[string][]point{}
	for name, s := range res {
		rest, ok := strings.CutPrefix(name, "Scaling/")
		if !ok {
			continue
		}
		key, size, ok := strings.Cut(rest, "=")
		n, err := strconv.Atoi(size)
		if !ok || err != nil {
			continue
		}
		series[key] = append(series[key], point{n: n, s: s})
	}
	if len(series) == 0 {
		return
	}
	fmt.Fprintln(w, "### Scaling (`BenchmarkScaling`, engine only)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| series | size | CPU/op | allocs/op | size growth | time growth | linear (time ≤ 1.5x size growth) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|")
	for _, key := range sortedKeys(series) {
		pts := series[key]
		sort.Slice(pts, func(i, j int) bool { return pts[i].n < pts[j].n })
		for i, p := range pts {
			sizeG, timeG, lin := "—", "—", ""
			if i > 0 {
				sg, tg := float64(p.n)/float64(pts[i-1].n), p.s.cost()/pts[i-1].s.cost()
				sizeG, timeG, lin = fmt.Sprintf("%.0fx", sg), fmt.Sprintf("%.2fx", tg), verdict(tg <= sg*linearSlack)
			}
			fmt.Fprintf(w, "| %s | %d | %s | %.0f | %s | %s | %s |\n", key, p.n, dur(p.s.cost()), p.s.allocsPerOp, sizeG, timeG, lin)
		}
	}
	fmt.Fprintln(w)
}

// decodeTable prints the Istio spec decoders compared by BenchmarkIstioSpecDecode.
func decodeTable(w io.Writer, res results) {
	var names []string
	for name := range res {
		if strings.HasPrefix(name, "IstioSpecDecode/") {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return
	}
	sort.Strings(names)
	fmt.Fprintln(w, "### Istio spec decoding (`BenchmarkIstioSpecDecode`)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| decoder | CPU/op | allocs/op |")
	fmt.Fprintln(w, "|---|---:|---:|")
	for _, n := range names {
		s := res[n]
		fmt.Fprintf(w, "| %s | %s | %.0f |\n", strings.TrimPrefix(n, "IstioSpecDecode/"), dur(s.cost()), s.allocsPerOp)
	}
	fmt.Fprintln(w)
}

// checkTable prints the check pipeline against the YAML floor.
func checkTable(w io.Writer, res results) {
	floor, ok := res.lookup("CheckPipeline/yaml-nodes-floor")
	if !ok {
		return
	}
	fmt.Fprintln(w, "### check pipeline per core (`BenchmarkCheckPipeline`, 250-object corpus, one goroutine)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| stage | objects per CPU-second | cost vs YAML floor | allocs per object |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, stage := range []string{"yaml-nodes-floor", "parse", "parse+validate"} {
		s, ok := res.lookup("CheckPipeline/" + stage)
		if !ok {
			continue
		}
		fmt.Fprintf(w, "| %s | %.0f | %.2fx | %.0f |\n", stage, s.objectsPerCPUSecond, s.cost()/floor.cost(), s.allocsPerOp/250)
	}
	fmt.Fprintln(w)
}

type point struct {
	n int
	s sample
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dur renders nanoseconds as µs or ms.
func dur(ns float64) string {
	if ns >= 1e6 {
		return fmt.Sprintf("%.2f ms", ns/1e6)
	}
	return fmt.Sprintf("%.1f µs", ns/1e3)
}

func kb(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}
