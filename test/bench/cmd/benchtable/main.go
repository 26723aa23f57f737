// Command benchtable reads `go test -bench -benchmem` output of package
// test/bench on stdin and prints the Markdown tables of BENCHMARKS.md: each
// handler against its floor, the logging cost, and the scaling series, with
// the ratios that the targets are stated in. With -count > 1 it uses the
// median of each benchmark.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

func main() {
	res, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	if len(res) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results on stdin")
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	writeAll(w, res)
}

// writeAll prints every table for which results exist.
func writeAll(w io.Writer, res results) {
	handlerTable(w, res)
	loggingTable(w, res)
	scalingTable(w, res)
	checkTable(w, res)
	decodeTable(w, res)
}
