package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// lister lists a resource page by page and hands each item over as JSON,
// without building the page's objects: a page is streamed from the response
// body, one item at a time.
type lister struct {
	client   rest.Interface
	pageSize int64
}

// newLister builds a lister for cfg. Lists are requested as JSON, which
// every resource (built-in or custom) serves.
func newLister(cfg *rest.Config, pageSize int64) (*lister, error) {
	c := rest.CopyConfig(cfg)
	c.AcceptContentTypes = "application/json"
	c.ContentType = "application/json"
	if c.NegotiatedSerializer == nil {
		c.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	}
	client, err := rest.UnversionedRESTClientFor(c)
	if err != nil {
		return nil, fmt.Errorf("build the API client: %w", err)
	}
	return &lister{client: client, pageSize: pageSize}, nil
}

// path is the collection URL of a resource, namespaced or not.
func path(m *meta.RESTMapping, namespace string) string {
	gv := m.Resource.GroupVersion()
	p := "/apis/" + gv.Group + "/" + gv.Version
	if gv.Group == "" {
		p = "/api/" + gv.Version
	}
	if namespace != "" && m.Scope.Name() == meta.RESTScopeNameNamespace {
		p += "/namespaces/" + namespace
	}
	return p + "/" + m.Resource.Resource
}

// each calls fn with every item of the resource, as a JSON object that starts
// with its apiVersion and kind (list items of built-in kinds carry neither).
func (l *lister) each(ctx context.Context, m *meta.RESTMapping, namespace string, fn func(item []byte) error) error {
	head := []byte(`{"apiVersion":` + strconv.Quote(m.GroupVersionKind.GroupVersion().String()) +
		`,"kind":` + strconv.Quote(m.GroupVersionKind.Kind) + `,`)
	cont := ""
	for {
		req := l.client.Get().AbsPath(path(m, namespace)).Param("limit", strconv.FormatInt(l.pageSize, 10))
		if cont != "" {
			req = req.Param("continue", cont)
		}
		body, err := req.Stream(ctx)
		if err != nil {
			return &ListError{Mapping: m, Err: err}
		}
		cont, err = decodePage(body, head, fn)
		body.Close()
		if err != nil {
			return fmt.Errorf("list %s: %w", m.Resource.Resource, err)
		}
		if cont == "" {
			return nil
		}
	}
}

// decodePage streams the items of one list response to fn and returns the
// continue token.
func decodePage(r io.Reader, head []byte, fn func([]byte) error) (string, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return "", err
	}
	cont := ""
	var buf []byte
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		switch key, _ := tok.(string); key {
		case "metadata":
			var md struct {
				Continue string `json:"continue"`
			}
			if err := dec.Decode(&md); err != nil {
				return "", err
			}
			cont = md.Continue
		case "items":
			tok, err := dec.Token()
			switch {
			case err != nil:
				return "", err
			case tok == nil: // "items": null, an empty list
				continue
			case tok != json.Delim('['):
				return "", fmt.Errorf("unexpected %v in list response (want [)", tok)
			}
			for dec.More() {
				var item json.RawMessage
				if err := dec.Decode(&item); err != nil {
					return "", err
				}
				item = bytes.TrimSpace(item)
				if len(item) < 2 || item[0] != '{' {
					return "", errors.New("list item is not an object")
				}
				buf = append(append(buf[:0], head...), item[1:]...)
				if len(item) == 2 { // {}: drop the trailing comma of head
					buf = append(append(buf[:0], head[:len(head)-1]...), '}')
				}
				if err := fn(buf); err != nil {
					return "", err
				}
			}
			if _, err := dec.Token(); err != nil { // ]
				return "", err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", err
			}
		}
	}
	return cont, nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("unexpected %v in list response (want %v)", tok, d)
	}
	return nil
}
