package manifest

import "fmt"

// typeName returns %T of v, or "" for nil.
func typeName(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf("%T", v)
}
