package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	meshconfig "istio.io/api/mesh/v1alpha1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// ProxyConfigField names a top-level ProxyConfig field. Istio's parser accepts
// both the JSON (lowerCamel) and the proto (snake_case) spelling, so a key is
// "set" when either is present.
type ProxyConfigField struct {
	JSON, Proto string
}

// FieldHoldApplication is ProxyConfig.holdApplicationUntilProxyStarts (IGR903).
func FieldHoldApplication() ProxyConfigField {
	return ProxyConfigField{"holdApplicationUntilProxyStarts", "hold_application_until_proxy_starts"}
}

// FieldTerminationDrain is ProxyConfig.terminationDrainDuration (IGR902).
func FieldTerminationDrain() ProxyConfigField {
	return ProxyConfigField{"terminationDrainDuration", "termination_drain_duration"}
}

// ParseProxyConfig decodes the value of the proxy.istio.io/config annotation
// (a ProxyConfig in YAML or JSON) into its top-level keys, and checks that
// Istio's own ProxyConfig type accepts it. Blank text is an empty config.
func ParseProxyConfig(text string) (map[string]any, error) {
	pc := readProxyConfig(text)
	if pc.err != nil {
		return nil, pc.err
	}
	if err := pc.validate(); err != nil {
		return nil, err
	}
	return pc.keys, nil
}

// proxyConfig is one decoding of a proxy config text, shared by the lookups
// and the merge of a mutator so the text is parsed once per use.
type proxyConfig struct {
	text string
	keys map[string]any // top-level keys (nil when err is set)
	js   []byte         // JSON form; nil when empty or decoded by simpleBlockKeys
	err  error          // the text is not a YAML/JSON mapping
}

// readProxyConfig decodes text without the (costly) ProxyConfig type check.
func readProxyConfig(text string) proxyConfig {
	keys, js, err := proxyConfigKeys(text)
	return proxyConfig{text: text, keys: keys, js: js, err: err}
}

// validate checks the config against Istio's ProxyConfig type. It decodes
// with protojson, discarding unknown fields as Istio's own loader does,
// rather than through the istio.io/api JSON shim (the older, several times
// slower github.com/golang/protobuf/jsonpb); FuzzMergeProxyConfig checks the
// merged text against the shim.
func (pc proxyConfig) validate() error {
	js := pc.js
	if js == nil && len(pc.keys) > 0 {
		var err error
		if js, err = json.Marshal(pc.keys); err != nil {
			return fmt.Errorf("encode proxy config: %w", err)
		}
	}
	if js == nil {
		return nil
	}
	dec := protojson.UnmarshalOptions{DiscardUnknown: true}
	if err := dec.Unmarshal(js, &meshconfig.ProxyConfig{}); err != nil {
		return fmt.Errorf("is not a valid ProxyConfig: %w", err)
	}
	return nil
}

// has tells whether the config sets f (under either spelling).
func (pc proxyConfig) has(f ProxyConfigField) bool {
	_, ok := f.lookup(pc.keys)
	return ok
}

// proxyConfigKeys decodes the top-level keys of a proxy config without
// checking them against the ProxyConfig type (the costly part), and returns
// its JSON form (nil for an empty config, and for a simple one: validate
// renders it from the keys only if it is needed). JSON is decoded as JSON; YAML made
// of "key: scalar" lines only (what the mutators write) takes a fast path
// that agrees with the YAML decoder (FuzzSimpleProxyConfig); any other YAML
// goes through the YAML decoder.
func proxyConfigKeys(text string) (map[string]any, []byte, error) {
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		return map[string]any{}, nil, nil
	}
	if trimmed[0] == '{' && json.Valid([]byte(trimmed)) {
		return jsonKeys([]byte(trimmed))
	}
	if keys, ok := simpleBlockKeys(text); ok {
		return keys, nil, nil
	}
	js, err := utilyaml.ToJSON([]byte(text))
	if err != nil {
		return nil, nil, fmt.Errorf("is not valid YAML or JSON: %w", err)
	}
	return jsonKeys(js)
}

// jsonKeys decodes the top-level keys of a config in JSON form.
func jsonKeys(js []byte) (map[string]any, []byte, error) {
	var top any
	if err := json.Unmarshal(js, &top); err != nil {
		return nil, nil, fmt.Errorf("is not valid YAML or JSON: %w", err)
	}
	if top == nil {
		return map[string]any{}, nil, nil
	}
	m, ok := top.(map[string]any)
	if !ok {
		return nil, nil, errors.New("is not a mapping")
	}
	return m, js, nil
}

// simpleBlockKeys decodes a block mapping whose lines are all blank,
// comments, or "key: value" at column 0 with a plain key and a value YAML
// reads unambiguously: true, false, a decimal integer, a duration such as
// 20s, or a double-quoted string without escapes, in printable ASCII. ok is
// false for anything else (the caller then runs the YAML decoder), including
// repeated keys.
func simpleBlockKeys(text string) (keys map[string]any, ok bool) {
	for i := 0; i < len(text); i++ {
		if c := text[i]; (c < ' ' && c != '\n') || c > '~' {
			return nil, false // tabs, control characters, non-ASCII: left to YAML
		}
	}
	keys = map[string]any{}
	for line := range strings.SplitSeq(text, "\n") {
		t := strings.TrimRight(line, " ")
		if t == "" || t[0] == '#' {
			continue
		}
		key, value, found := strings.Cut(t, ": ")
		if !found || !isPlainKey(key) {
			return nil, false
		}
		v, ok := simpleScalar(strings.TrimLeft(value, " "))
		if _, dup := keys[key]; !ok || dup {
			return nil, false
		}
		keys[key] = v
	}
	return keys, len(keys) > 0
}

// maxPlainKey bounds the keys of the fast path well below YAML's limit of
// 1024 characters for an implicit key (a longer "key: v" is not a mapping to
// YAML). ProxyConfig's own keys are all far shorter.
const maxPlainKey = 128

// isPlainKey tells whether k is an identifier ([A-Za-z_][A-Za-z0-9_]*) of at
// most maxPlainKey characters that YAML 1.1 reads as a string (not y, yes,
// on, null...).
func isPlainKey(k string) bool {
	if len(k) > maxPlainKey {
		return false
	}
	for _, word := range []string{"y", "n", "yes", "no", "true", "false", "on", "off", "null"} {
		if strings.EqualFold(k, word) {
			return false
		}
	}
	for i, c := range k {
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return k != ""
}

// simpleScalar decodes the scalars simpleBlockKeys accepts, as JSON would
// after the YAML conversion (numbers are float64).
func simpleScalar(v string) (any, bool) {
	switch {
	case v == "true" || v == "false":
		return v == "true", true
	case v == "0" || (len(v) <= 15 && v != "" && v[0] >= '1' && v[0] <= '9' && strings.Trim(v, "0123456789") == ""):
		n, err := strconv.Atoi(v)
		return float64(n), err == nil
	case isPlainDuration(v):
		return v, true
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		s := v[1 : len(v)-1]
		for _, c := range s {
			if c < ' ' || c > '~' || c == '"' || c == '\\' {
				return nil, false
			}
		}
		return s, true
	}
	return nil, false
}

// lookup returns the value of f in a parsed config, under either spelling.
func (f ProxyConfigField) lookup(cfg map[string]any) (any, bool) {
	if v, ok := cfg[f.JSON]; ok {
		return v, true
	}
	v, ok := cfg[f.Proto]
	return v, ok
}

// MergeProxyConfig adds f with value (a bool or a string) to the ProxyConfig
// text unless the text already sets f. It edits the text rather than
// re-rendering it, so every key, comment and the user's format (JSON or YAML)
// survive. On an error the text is returned unchanged: it is not a valid
// ProxyConfig, or the edit would not be one.
func MergeProxyConfig(text string, f ProxyConfigField, value any) (string, bool, error) {
	return readProxyConfig(text).merge(f, value)
}

// merge implements MergeProxyConfig on a decoded config.
func (pc proxyConfig) merge(f ProxyConfigField, value any) (string, bool, error) {
	switch {
	case pc.err != nil:
		return pc.text, false, pc.err
	case pc.has(f):
		return pc.text, false, nil // the user's value wins, whatever it is
	}
	if err := pc.validate(); err != nil {
		return pc.text, false, err
	}
	out, err := insertProxyConfigKey(pc.text, f.JSON, value)
	if err != nil {
		return pc.text, false, err
	}
	if err := pc.checkMerged(out, f.JSON, value); err != nil {
		return pc.text, false, fmt.Errorf("cannot add %s: %w", f.JSON, err)
	}
	return out, true, nil
}

// checkMerged verifies that out decodes to the original keys plus key=value
// and nothing else, and that JSON stayed JSON. The original passed the
// ProxyConfig check and the new field has a valid value, so out does too
// (FuzzMergeProxyConfig checks that with Istio's parser).
func (pc proxyConfig) checkMerged(out, key string, value any) error {
	merged, _, err := proxyConfigKeys(out)
	if err != nil {
		return err
	}
	want := make(map[string]any, len(pc.keys)+1)
	for k, v := range pc.keys {
		want[k] = v
	}
	want[key] = value
	if !reflect.DeepEqual(merged, want) {
		return errors.New("the edited text does not decode to the original keys plus the new one")
	}
	if json.Valid([]byte(pc.text)) && !json.Valid([]byte(out)) {
		return errors.New("the edited JSON is not valid JSON")
	}
	return nil
}

// insertProxyConfigKey adds key: value at the top level of text: inside the
// braces of a JSON (or YAML flow) mapping, or as a new line of a block mapping
// at the indentation of its first key.
func insertProxyConfigKey(text, key string, value any) (string, error) {
	trimmed := strings.TrimSpace(text)
	switch {
	case trimmed == "":
		return key + ": " + yamlScalar(value) + "\n", nil
	case strings.HasPrefix(trimmed, "{"):
		return insertFlow(text, key, value)
	default:
		return insertBlock(text, key, value), nil
	}
}

// insertFlow inserts `"key": value` before the closing brace of a flow mapping,
// on its own line when the mapping is written one key per line.
func insertFlow(text, key string, value any) (string, error) {
	end := strings.LastIndex(text, "}")
	if end < 0 {
		return "", errors.New("unterminated mapping")
	}
	body := strings.TrimRight(text[:end], " \t\r\n")
	lit, err := json.Marshal(value)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", key, err)
	}
	entry := strconv.Quote(key) + ": " + string(lit)
	sep := ", "
	if strings.HasSuffix(body, "{") {
		sep = ""
	} else if strings.Contains(text[len(body):end], "\n") {
		sep = ",\n" + lineIndent(body[strings.LastIndex(body, "\n")+1:])
	}
	return body + sep + entry + text[len(body):], nil
}

// insertBlock appends "key: value" to a block mapping at the indentation of
// its first key.
func insertBlock(text, key string, value any) string {
	indent := ""
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "---") || strings.HasPrefix(t, "%") {
			continue
		}
		indent = lineIndent(line)
		break
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return text + indent + key + ": " + yamlScalar(value) + "\n"
}

// lineIndent returns the leading blanks of line.
func lineIndent(line string) string {
	return line[:len(line)-len(strings.TrimLeft(line, " \t"))]
}

// isPlainDuration tells whether s is a duration like "20s" or "1.5s" that YAML
// reads as a plain string, so it needs no quotes.
func isPlainDuration(s string) bool {
	num, ok := strings.CutSuffix(s, "s")
	if !ok || num == "" || strings.Trim(num, "0123456789.") != "" || strings.Count(num, ".") > 1 {
		return false
	}
	return num[0] != '.' && num[len(num)-1] != '.'
}

// yamlScalar renders a bool or string as a YAML scalar.
func yamlScalar(v any) string {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case string:
		if isPlainDuration(x) {
			return x
		}
		return strconv.Quote(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// ProtoDuration renders d as a protobuf JSON duration ("20s", "1.5s"), the
// only form Istio's ProxyConfig parser accepts (time.Duration's "1m0s" is not).
func ProtoDuration(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// duration returns the duration f holds in the config.
func (pc proxyConfig) duration(f ProxyConfigField) (time.Duration, bool) {
	v, ok := f.lookup(pc.keys)
	if !ok {
		return 0, false
	}
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	return d, err == nil
}
