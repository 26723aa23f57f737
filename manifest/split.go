package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// chunk is one document's bytes, the 1-based line it starts on and its byte
// offset in the input.
type chunk struct {
	data   []byte
	line   int
	offset int64
}

// splitDocuments cuts a YAML stream held in memory into its parts, as
// scanDocuments does.
func splitDocuments(data []byte) []chunk {
	var out []chunk
	// A bytes.Reader neither fails nor exceeds the limit of its own length.
	_ = scanDocuments(bytes.NewReader(data), len(data), func(c chunk) bool {
		out = append(out, c)
		return true
	})
	return out
}

// errPartTooLarge is returned by scanDocuments for a part above its limit.
var errPartTooLarge = errors.New("document is larger than the limit")

// scanDocuments cuts a YAML stream at "---" lines (at column 0, alone or
// followed by a space) so that a syntax error in one document does not hide
// the others, and hands each part to fn as soon as it is read: only one
// part is in memory at a time (each in its own slice, which fn may keep).
// Each chunk keeps its separator line, so line numbers inside a chunk are
// offset by exactly chunk.line-1. An empty stream is one empty chunk. A part
// longer than limit bytes stops the scan with errPartTooLarge; fn returning
// false stops it with nil.
func scanDocuments(r io.Reader, limit int, fn func(chunk) bool) error {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	var cur []byte
	var offset int64
	startLine, line := 1, 1
	for {
		l, err := readLine(br)
		if len(l) > 0 {
			if len(cur) > 0 && isSeparator(l) {
				if !fn(chunk{data: cur, line: startLine, offset: offset}) {
					return nil
				}
				offset += int64(len(cur))
				cur, startLine = nil, line
			}
			if len(cur)+len(l) > limit {
				return errPartTooLarge
			}
			cur = append(cur, l...)
			line++
		}
		if err == io.EOF {
			fn(chunk{data: cur, line: startLine, offset: offset})
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readLine returns the next line of br with its "\n" (none at the end of
// the stream), however long; the slice is valid until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	l, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return l, err
	}
	long := append([]byte(nil), l...)
	for err == bufio.ErrBufferFull {
		l, err = br.ReadSlice('\n')
		long = append(long, l...)
	}
	return long, err
}

// isSeparator reports whether a line is a YAML document start marker.
func isSeparator(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	rest := l[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r'
}
