package webhooks

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestApplyTypedDiff(t *testing.T) {
	tests := []struct {
		desc                     string
		raw, before, after, want string
	}{
		{desc: "added key lands next to unknown ones",
			raw: `{"a":1,"x":"unknown"}`, before: `{"a":1}`, after: `{"a":1,"b":2}`, want: `{"a":1,"b":2,"x":"unknown"}`},
		{desc: "changed nested key keeps unknown siblings",
			raw: `{"m":{"k":"old","u":true}}`, before: `{"m":{"k":"old"}}`, after: `{"m":{"k":"new"}}`, want: `{"m":{"k":"new","u":true}}`},
		{desc: "removed key is removed",
			raw: `{"a":1,"b":2}`, before: `{"a":1,"b":2}`, after: `{"a":1}`, want: `{"a":1}`},
		{desc: "typed defaults absent from raw stay absent",
			raw: `{"a":1}`, before: `{"a":1,"status":{}}`, after: `{"a":2,"status":{}}`, want: `{"a":2}`},
		{desc: "list elements merge by index keeping unknown fields",
			raw: `{"l":[{"n":"a","u":1},{"n":"b","u":2}]}`, before: `{"l":[{"n":"a"},{"n":"b"}]}`,
			after: `{"l":[{"n":"a"},{"n":"b","r":3}]}`, want: `{"l":[{"n":"a","u":1},{"n":"b","r":3,"u":2}]}`},
		{desc: "appended list element is added",
			raw: `{"l":[{"n":"a","u":1}]}`, before: `{"l":[{"n":"a"}]}`, after: `{"l":[{"n":"a"},{"n":"b"}]}`,
			want: `{"l":[{"n":"a","u":1},{"n":"b"}]}`},
		{desc: "large integers keep their precision",
			raw: `{"big":9007199254740993,"a":1}`, before: `{"a":1}`, after: `{"a":2}`, want: `{"a":2,"big":9007199254740993}`},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := applyTypedDiff([]byte(tc.raw), []byte(tc.before), []byte(tc.after))
			if err != nil {
				t.Fatalf("applyTypedDiff: %v", err)
			}
			if !jsonEqual(t, got, []byte(tc.want)) || !strings.Contains(string(got), "9007199254740993") == strings.Contains(tc.raw, "9007199254740993") {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestApplyTypedDiffRejectsBadJSON(t *testing.T) {
	if _, err := applyTypedDiff([]byte(`{`), []byte(`{}`), []byte(`{}`)); err == nil {
		t.Fatal("invalid raw JSON accepted")
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("bad JSON %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("bad JSON %s: %v", b, err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
