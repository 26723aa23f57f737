package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		desc  string
		input string
		name  string
		want  sample
	}{
		{
			desc:  "custom metrics and benchmem columns are read by unit",
			input: "BenchmarkHandler/pod/floor-2   \t 100\t  40578 ns/op\t  50.69 MB/s\t 55800 cpu-ns/op\t 15078 B/op\t 74 allocs/op\n",
			name:  "Handler/pod/floor",
			want:  sample{nsPerOp: 40578, cpuNsPerOp: 55800, bytesPerOp: 15078, allocsPerOp: 74},
		},
		{
			desc: "the median of three counts is kept, ordered by CPU time",
			input: "BenchmarkX-2 10 300 ns/op 30 cpu-ns/op\n" +
				"BenchmarkX-2 10 100 ns/op 90 cpu-ns/op\n" +
				"BenchmarkX-2 10 200 ns/op 60 cpu-ns/op\n",
			name: "X",
			want: sample{nsPerOp: 200, cpuNsPerOp: 60},
		},
		{
			desc:  "a name without the GOMAXPROCS suffix",
			input: "goos: linux\nBenchmarkCheckPipeline/parse 5 1000 ns/op 3190 objects/cpu-s\nPASS\n",
			name:  "CheckPipeline/parse",
			want:  sample{nsPerOp: 1000, objectsPerCPUSecond: 3190},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			res, err := parse(strings.NewReader(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := res.lookup(tt.name)
			if !ok {
				t.Fatalf("no result %q in %v", tt.name, res)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTables(t *testing.T) {
	input := "BenchmarkHandler/pod/floor-2 100 100 ns/op 100 cpu-ns/op 10 B/op 70 allocs/op\n" +
		"BenchmarkHandler/pod/validate-2 100 300 ns/op 300 cpu-ns/op 10 B/op 200 allocs/op\n" +
		"BenchmarkScaling/validate/authz-rules=1-2 100 10 ns/op\n" +
		"BenchmarkScaling/validate/authz-rules=100-2 100 1000 ns/op\n" +
		"BenchmarkScaling/validate/authz-rules=1000-2 100 30000 ns/op\n"
	res, err := parse(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	writeAll(&out, res)
	for _, want := range []string{
		"| pod | 2.0 KB | 0.1 µs | validate | 0.3 µs | **3.00x** | 200 (70) | **missed** |",
		"| validate/authz-rules | 100 | 1.0 µs | 0 | 100x | 100.00x | met |",
		"| validate/authz-rules | 1000 | 30.0 µs | 0 | 10x | 30.00x | **missed** |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
