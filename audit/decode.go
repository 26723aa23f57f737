package audit

import (
	"encoding/json"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// decode decodes a listed item with the injected decoder and, for the kinds
// only the cross-object index reads (which the decoder leaves untyped, as no
// per-object rule needs them), types the body the index digests: a Service's
// selector and ports, an injector configuration's webhooks.
func (o Options) decode(raw []byte) (*policy.Object, error) { return decodeWith(o.Decode, raw) }

func decodeWith(decode Decoder, raw []byte) (*policy.Object, error) {
	obj, err := decode(raw)
	if err != nil || obj.Body != nil {
		return obj, err
	}
	var body any
	switch policy.KindOf(obj.GroupKind) {
	case policy.KindService:
		body = &corev1.Service{}
	case policy.KindMutatingWebhook:
		body = &admissionregistrationv1.MutatingWebhookConfiguration{}
	default:
		return obj, nil
	}
	if err := json.Unmarshal(raw, body); err != nil {
		return nil, fmt.Errorf("decode %s: %w", obj.GroupKind.Kind, err)
	}
	obj.Body = body
	return obj, nil
}
