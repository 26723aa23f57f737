package policy

import (
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// GatewayClassesParams are the parameters of the Gateway API listener rules:
// the gateway classes they judge.
type GatewayClassesParams struct {
	GatewayClasses []string `yaml:"gatewayClasses" desc:"gatewayClassName values of the Gateways judged (Istio's classes; add your own classes of controller istio.io/gateway-controller)"`
}

// defaultGatewayClasses are the gateway classes Istio's controllers own.
func defaultGatewayClasses() GatewayClassesParams {
	return GatewayClassesParams{GatewayClasses: []string{"istio", "istio-waypoint", "istio-east-west"}}
}

// gatewayAPIListenerTargets are the kinds that carry listeners.
var gatewayAPIListenerTargets = []Kind{KindGatewayAPIGateway, KindListenerSet}

// gwListener is one listener of a Gateway or ListenerSet, with its path.
type gwListener struct {
	Name          gatewayv1.SectionName
	Hostname      *gatewayv1.Hostname
	Port          gatewayv1.PortNumber
	Protocol      gatewayv1.ProtocolType
	TLS           *gatewayv1.ListenerTLSConfig
	AllowedRoutes *gatewayv1.AllowedRoutes
	Path          *field.Path
}

// gatewayAPIListeners returns the listeners of a Gateway of one of the judged
// classes, or of a ListenerSet. A ListenerSet names its parent Gateway but
// not the parent's class, so every ListenerSet is judged (exempt those that
// attach to other controllers' Gateways).
func gatewayAPIListeners(obj *Object, classes []string) []gwListener {
	base := field.NewPath("spec", "listeners")
	var out []gwListener
	switch b := obj.Body.(type) {
	case *gatewayv1.Gateway:
		if b == nil || !slices.Contains(classes, string(b.Spec.GatewayClassName)) {
			return nil
		}
		for i, l := range b.Spec.Listeners {
			out = append(out, gwListener{l.Name, l.Hostname, l.Port, l.Protocol, l.TLS, l.AllowedRoutes, base.Index(i)})
		}
	case *gatewayv1.ListenerSet:
		if b == nil {
			return nil
		}
		for i, l := range b.Spec.Listeners {
			out = append(out, gwListener{l.Name, l.Hostname, l.Port, l.Protocol, l.TLS, l.AllowedRoutes, base.Index(i)})
		}
	}
	return out
}

// forEachGatewayAPIListener runs check on every judged listener of obj.
func forEachGatewayAPIListener(obj *Object, classes []string, check func(l gwListener) []Violation) []Violation {
	var out []Violation
	for _, l := range gatewayAPIListeners(obj, classes) {
		out = append(out, check(l)...)
	}
	return out
}

// tlsMode returns the listener's TLS mode: Terminate when tls is set
// without a mode (the API's default), "" without tls.
func (l gwListener) tlsMode() gatewayv1.TLSModeType {
	switch {
	case l.TLS == nil:
		return ""
	case l.TLS.Mode == nil || *l.TLS.Mode == "":
		return gatewayv1.TLSModeTerminate
	}
	return *l.TLS.Mode
}

// option returns a tls.options value of the listener ("" when unset).
func (l gwListener) option(key string) string {
	if l.TLS == nil {
		return ""
	}
	return string(l.TLS.Options[gatewayv1.AnnotationKey(key)])
}

// Istio's listener options (pilot/pkg/config/kube/gatewaycommon and
// pkg/config/constants, 1.31 line).
const (
	gwOptionTerminateMode = "gateway.istio.io/tls-terminate-mode"
	gwOptionCipherSuites  = "gateway.istio.io/tls-cipher-suites"
)
