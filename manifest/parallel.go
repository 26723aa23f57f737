package manifest

import (
	"io"
	"iter"
	"sync"
)

// Map decodes the documents of r as Stream does and calls fn on each
// document or error, on up to workers goroutines at once (fn must be safe
// for concurrent use); it yields fn's results in input order, the same
// sequence as Stream's whatever the number of workers. At most a few parts
// per worker are in memory at a time. With workers <= 1 everything runs on
// the caller's goroutine.
func Map[R any](file string, r io.Reader, opts Options, workers int, fn func(*Document, error) R) iter.Seq[R] {
	if workers <= 1 {
		return func(yield func(R) bool) {
			for d, err := range Stream(file, r, opts) {
				if !yield(fn(d, err)) {
					return
				}
			}
		}
	}
	return func(yield func(R) bool) {
		if err := opts.check(DisplayName(file), 0); err != nil {
			yield(fn(nil, err))
			return
		}
		mapParallel(file, r, opts, workers, fn, yield)
	}
}

// mapped is the outcome of one part: fn's results for its documents and
// errors, in order, and how many there were.
type mapped[R any] struct {
	out  []R
	done chan struct{}
}

// mapParallel reads parts on one goroutine, decodes them on workers and
// hands the results to yield in the order the parts were read.
func mapParallel[R any](file string, r io.Reader, opts Options, workers int, fn func(*Document, error) R, yield func(R) bool) {
	stop := make(chan struct{})
	jobs := make(chan func(), workers)
	order := make(chan *mapped[R], 2*workers) // parts in input order, as read
	var scanErr error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for job := range jobs {
				job()
			}
		})
	}
	go func() {
		defer close(order)
		defer close(jobs)
		scanErr = scanDocuments(r, MaxFileSize, func(c chunk) bool {
			m := &mapped[R]{done: make(chan struct{})}
			select {
			case order <- m:
			case <-stop:
				return false
			}
			jobs <- func() {
				defer close(m.done)
				p := newParser(file, opts, func(d *Document, err error) bool {
					m.out = append(m.out, fn(d, err))
					return true
				})
				p.chunk(c)
			}
			return true
		})
	}()
	defer wg.Wait()
	defer close(stop)
	emitted := 0
	for m := range order {
		<-m.done
		for _, res := range m.out {
			emitted++
			if !yield(res) {
				go drain(order)
				return
			}
		}
	}
	// order is closed: the scan is over and scanErr is set.
	p := newParser(file, opts, func(d *Document, err error) bool { return yield(fn(d, err)) })
	p.emitted = emitted
	p.finish(scanErr, MaxFileSize)
}

// drain lets the reader and workers of a stopped mapParallel finish.
func drain[R any](order <-chan *mapped[R]) {
	for m := range order {
		<-m.done
	}
}
