package audit

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodePage(t *testing.T) {
	head := []byte(`{"apiVersion":"v1","kind":"Pod",`)
	for desc, tc := range map[string]struct {
		body  string
		items []string
		cont  string
		err   bool
	}{
		"items and continue token": {
			body:  `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"abc"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"},"spec":{}}]}`,
			items: []string{`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}`, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"},"spec":{}}`},
			cont:  "abc"},
		"last page, items before metadata": {
			body:  `{"items":[{"metadata":{"name":"a"}}],"metadata":{}}`,
			items: []string{`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}`}},
		"an empty item keeps valid JSON": {body: `{"items":[{}]}`, items: []string{`{"apiVersion":"v1","kind":"Pod"}`}},
		"no items":                       {body: `{"metadata":{},"items":[]}`},
		"null items":                     {body: `{"items":null}`},
		"not a list":                     {body: `[1]`, err: true},
		"truncated":                      {body: `{"items":[{"metadata":`, err: true},
	} {
		t.Run(desc, func(t *testing.T) {
			var got []string
			cont, err := decodePage(strings.NewReader(tc.body), head, func(b []byte) error {
				got = append(got, string(b))
				return nil
			})
			if (err != nil) != tc.err {
				t.Fatalf("err %v, want error %v", err, tc.err)
			}
			if tc.err {
				return
			}
			if cont != tc.cont || strings.Join(got, "\n") != strings.Join(tc.items, "\n") {
				t.Errorf("got %q (continue %q), want %q (%q)", got, cont, tc.items, tc.cont)
			}
		})
	}
	stop := errors.New("stop")
	if _, err := decodePage(strings.NewReader(`{"items":[{},{}]}`), head, func([]byte) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("the callback's error is not returned: %v", err)
	}
}
