package manifest

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// FromJSON decodes one object as found in an AdmissionReview
// (request.object); the webhook uses it on its hot path, so it never touches
// YAML. Objects of kinds no rule types get a nil Body. The namespace is left
// as written: the webhook takes it from request.namespace. UnknownFields is
// not filled (the API server has already pruned unknown fields).
func FromJSON(raw []byte) (*policy.Object, error) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("decode object: %w", err)
	}
	if head.APIVersion == "" || head.Kind == "" {
		return nil, errors.New("decode object: missing apiVersion or kind")
	}
	gv, err := schema.ParseGroupVersion(head.APIVersion)
	if err != nil {
		return nil, fmt.Errorf("decode object: invalid apiVersion %q: %w", head.APIVersion, err)
	}
	obj := &policy.Object{GroupKind: schema.GroupKind{Group: gv.Group, Kind: head.Kind}, Version: gv.Version}
	info, known := kinds()[gv.WithKind(head.Kind)]
	if !known {
		if obj.Meta, err = headMeta(raw); err != nil {
			return nil, fmt.Errorf("decode %s: %w", head.Kind, err)
		}
		return obj, nil
	}
	if obj.Meta, obj.Body, err = info.decode(raw); err != nil {
		return nil, fmt.Errorf("decode %s: %w", head.Kind, err)
	}
	return obj, nil
}
