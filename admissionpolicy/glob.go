package admissionpolicy

import (
	"fmt"
	"path"
	"strings"
)

// isGlob reports whether pattern uses path.Match syntax beyond a literal name.
func isGlob(pattern string) bool { return strings.ContainsAny(pattern, `*?[\`) }

// globsRegex returns an RE2 expression that matches exactly the strings that
// path.Match matches with any of patterns (namespace exemptions are
// path.Match globs in the engine). It fails on a malformed pattern.
func globsRegex(patterns []string) (string, error) {
	alts := make([]string, 0, len(patterns))
	for _, p := range patterns {
		re, err := globRegex(p)
		if err != nil {
			return "", err
		}
		alts = append(alts, re)
	}
	return `^(?:` + strings.Join(alts, `|`) + `)$`, nil
}

// globRegex translates one path.Match pattern: '*' is any run of non-'/'
// characters, '?' one non-'/' character, '[...]' a class ('^' negates,
// ranges lo-hi), '\' quotes the next character.
func globRegex(p string) (string, error) {
	if _, err := path.Match(p, ""); err != nil {
		return "", fmt.Errorf("pattern %q: %w", p, err)
	}
	var b strings.Builder
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '*':
			b.WriteString(`[^/]*`)
		case '?':
			b.WriteString(`[^/]`)
		case '\\':
			i++
			b.WriteString(lit(rs[i]))
		case '[':
			i++
			b.WriteString(`[`)
			if rs[i] == '^' {
				b.WriteString(`^`)
				i++
			}
			for ; rs[i] != ']'; i++ {
				lo := rs[i]
				if lo == '\\' {
					i++
					lo = rs[i]
				}
				b.WriteString(lit(lo))
				if rs[i+1] == '-' {
					i += 2
					hi := rs[i]
					if hi == '\\' {
						i++
						hi = rs[i]
					}
					b.WriteString(`-` + lit(hi))
				}
			}
			b.WriteString(`]`)
		default:
			b.WriteString(lit(r))
		}
	}
	return b.String(), nil
}

// lit renders r as an RE2 literal that is safe inside and outside classes:
// itself for [a-z0-9] (the chart's template writes these the same way),
// \x{hex} for everything else.
func lit(r rune) string {
	if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
		return string(r)
	}
	return fmt.Sprintf(`\x{%x}`, r)
}
