package manifest

import (
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// GatewayRoutes collects the Gateway API HTTPRoutes of data (namespaces
// defaulted to defaultNamespace, as Parse does), so `check` judges Gateway
// listeners with the routes attached to them (IGR308). Like Scaling it
// decodes only the documents that can hold one.
func GatewayRoutes(data []byte, defaultNamespace string, into *policy.GatewayRoutes) {
	eachDocumentContaining(data, defaultNamespace, [][]byte{[]byte("HTTPRoute")}, func(d *Document) {
		if rt, ok := d.Object.Body.(*gatewayv1.HTTPRoute); ok {
			into.HTTPRoutes = append(into.HTTPRoutes, rt)
		}
	})
}
