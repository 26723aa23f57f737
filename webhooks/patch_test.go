package webhooks

import (
	"encoding/json"
	"strings"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
)

func TestJSONPatch(t *testing.T) {
	tests := []struct {
		desc                     string
		raw, before, after, want string
		wantOps                  int // -1: do not check the count
	}{
		{desc: "added key lands next to unknown ones",
			raw: `{"a":1,"x":"unknown"}`, before: `{"a":1}`, after: `{"a":1,"b":2}`, want: `{"a":1,"b":2,"x":"unknown"}`, wantOps: 1},
		{desc: "changed nested key keeps unknown siblings",
			raw: `{"m":{"k":"old","u":true}}`, before: `{"m":{"k":"old"}}`, after: `{"m":{"k":"new"}}`, want: `{"m":{"k":"new","u":true}}`, wantOps: 1},
		{desc: "removed key is removed",
			raw: `{"a":1,"b":2}`, before: `{"a":1,"b":2}`, after: `{"a":1}`, want: `{"a":1}`, wantOps: 1},
		{desc: "typed defaults absent from raw stay absent",
			raw: `{"a":1}`, before: `{"a":1,"status":{}}`, after: `{"a":2,"status":{}}`, want: `{"a":2}`, wantOps: 1},
		{desc: "key under a typed default absent from raw adds the whole value",
			raw: `{"c":{}}`, before: `{"c":{"resources":{}}}`, after: `{"c":{"resources":{"limits":{"cpu":"1"}}}}`,
			want: `{"c":{"resources":{"limits":{"cpu":"1"}}}}`, wantOps: 1},
		{desc: "normalised values unchanged by the mutation keep raw's spelling",
			raw: `{"cpu":"0.1","n":1}`, before: `{"cpu":"100m","n":1}`, after: `{"cpu":"100m","n":2}`, want: `{"cpu":"0.1","n":2}`, wantOps: 1},
		{desc: "list elements merge by index keeping unknown fields",
			raw: `{"l":[{"n":"a","u":1},{"n":"b","u":2}]}`, before: `{"l":[{"n":"a"},{"n":"b"}]}`,
			after: `{"l":[{"n":"a"},{"n":"b","r":3}]}`, want: `{"l":[{"n":"a","u":1},{"n":"b","r":3,"u":2}]}`, wantOps: 1},
		{desc: "appended list elements are added in order",
			raw: `{"l":[{"n":"a","u":1}]}`, before: `{"l":[{"n":"a"}]}`, after: `{"l":[{"n":"a"},{"n":"b"},{"n":"c"}]}`,
			want: `{"l":[{"n":"a","u":1},{"n":"b"},{"n":"c"}]}`, wantOps: 2},
		{desc: "dropped list tail is removed",
			raw: `{"l":[1,2,3]}`, before: `{"l":[1,2,3]}`, after: `{"l":[1]}`, want: `{"l":[1]}`, wantOps: 2},
		{desc: "list not lining up with raw is replaced whole",
			raw: `{"l":[1,2]}`, before: `{"l":[1]}`, after: `{"l":[5]}`, want: `{"l":[5]}`, wantOps: 1},
		{desc: "large integers keep their precision",
			raw: `{"big":9007199254740993,"a":1}`, before: `{"a":1}`, after: `{"a":2}`, want: `{"a":2,"big":9007199254740993}`, wantOps: 1},
		{desc: "keys with slash and tilde are escaped in the path",
			raw: `{"m":{"a/b~c":"x","k":1}}`, before: `{"m":{"a/b~c":"x"}}`, after: `{"m":{"a/b~c":"y","n~/":"z"}}`,
			want: `{"m":{"a/b~c":"y","k":1,"n~/":"z"}}`, wantOps: 2},
		{desc: "escaped keys match their unescaped spelling",
			raw: `{"m":{"\u003ca":1}}`, before: `{"m":{"<a":1}}`, after: `{"m":{"<a":2}}`, want: `{"m":{"<a":2}}`, wantOps: 1},
		{desc: "a type change replaces the value",
			raw: `{"v":{"x":1},"u":0}`, before: `{"v":{"x":1}}`, after: `{"v":[1]}`, want: `{"v":[1],"u":0}`, wantOps: 1},
		{desc: "blank space in raw is accepted",
			raw: "{ \"m\" : { \"k\" : [ 1 , 2 ] } ,\n \"u\" : \"a]}\\\"\" }", before: `{"m":{"k":[1,2]}}`, after: `{"m":{"k":[1,3]}}`,
			want: `{"m":{"k":[1,3]},"u":"a]}\""}`, wantOps: 1},
		{desc: "no change, no operations",
			raw: `{"a":1,"x":2}`, before: `{"a":1}`, after: `{"a":1}`, want: `{"a":1,"x":2}`, wantOps: 0},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			ops, err := jsonPatch([]byte(tc.raw), []byte(tc.before), []byte(tc.after))
			if err != nil {
				t.Fatalf("jsonPatch: %v", err)
			}
			if len(ops) != tc.wantOps {
				t.Errorf("%d operations, want %d: %+v", len(ops), tc.wantOps, ops)
			}
			got := applyOps(t, tc.raw, ops)
			if !jsonEqual(t, got, []byte(tc.want)) {
				t.Errorf("patched %s, want %s", got, tc.want)
			}
			if strings.Contains(tc.raw, "9007199254740993") && !strings.Contains(string(got), "9007199254740993") {
				t.Errorf("large integer lost precision: %s", got)
			}
		})
	}
}

func TestJSONPatchRejectsBadJSON(t *testing.T) {
	tests := []struct{ desc, raw, before, after string }{
		{desc: "truncated raw", raw: `{"a":{`, before: `{"a":{"b":1}}`, after: `{"a":{"b":2}}`},
		{desc: "unterminated string", raw: `{"a":{"b":"x}}`, before: `{"a":{"b":1}}`, after: `{"a":{"b":2}}`},
		{desc: "trailing comma", raw: `{"a":{"b":1,}}`, before: `{"a":{"b":1}}`, after: `{"a":{"b":2}}`},
		{desc: "empty raw", raw: ` `, before: `{}`, after: `{"a":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if ops, err := jsonPatch([]byte(tc.raw), []byte(tc.before), []byte(tc.after)); err == nil {
				t.Fatalf("invalid raw JSON accepted: %+v", ops)
			}
		})
	}
}

// applyOps applies the operations to raw with an independent RFC 6902
// implementation, as the API server does.
func applyOps(t *testing.T, raw string, ops any) []byte {
	t.Helper()
	js, err := json.Marshal(ops)
	if err != nil {
		t.Fatalf("encode patch: %v", err)
	}
	if string(js) == "null" {
		return []byte(raw)
	}
	p, err := jsonpatch.DecodePatch(js)
	if err != nil {
		t.Fatalf("decode patch %s: %v", js, err)
	}
	out, err := p.Apply([]byte(raw))
	if err != nil {
		t.Fatalf("apply patch %s: %v", js, err)
	}
	return out
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
