package manifest

import "bytes"

// chunk is one document's bytes and the 1-based line it starts on.
type chunk struct {
	data []byte
	line int
}

// splitDocuments cuts a YAML stream at "---" lines (at column 0, alone or
// followed by a space) so that a syntax error in one document does not hide
// the others. Each chunk keeps its separator line, so line numbers inside a
// chunk are offset by exactly chunk.line-1.
func splitDocuments(data []byte) []chunk {
	var out []chunk
	start, startLine, line := 0, 1, 1
	for i := 0; i < len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		next := len(data)
		if end >= 0 {
			next = i + end + 1
		}
		if i > start && isSeparator(data[i:next]) {
			out = append(out, chunk{data: data[start:i], line: startLine})
			start, startLine = i, line
		}
		i = next
		line++
	}
	return append(out, chunk{data: data[start:], line: startLine})
}

// isSeparator reports whether a line is a YAML document start marker.
func isSeparator(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	rest := l[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r'
}
