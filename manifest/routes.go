package manifest

import (
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// GatewayRoutes collects the Gateway API HTTPRoutes, GRPCRoutes and TLSRoutes of data (namespaces
// defaulted to defaultNamespace, as Parse does), so `check` judges Gateway
// listeners with the routes attached to them (IGR308). Like Scaling it
// decodes only the documents that can hold one.
func GatewayRoutes(data []byte, defaultNamespace string, into *policy.GatewayRoutes) {
	eachDocumentContaining(data, defaultNamespace, [][]byte{[]byte("HTTPRoute"), []byte("GRPCRoute"), []byte("TLSRoute")}, func(d *Document) {
		switch rt := d.Object.Body.(type) {
		case *gatewayv1.HTTPRoute:
			into.HTTPRoutes = append(into.HTTPRoutes, rt)
		case *gatewayv1.GRPCRoute:
			into.GRPCRoutes = append(into.GRPCRoutes, rt)
		case *gatewayv1.TLSRoute:
			into.TLSRoutes = append(into.TLSRoutes, rt)
		}
	})
}
