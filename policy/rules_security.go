package policy

import (
	securityapi "istio.io/api/security/v1beta1"
)

// paramRootNamespace is IGR101's Istio root namespace (meshConfig.rootNamespace).
const paramRootNamespace = "rootNamespace"

// weakMTLSMode reports whether m lets plaintext in (PERMISSIVE or DISABLE).
func weakMTLSMode(m securityapi.PeerAuthentication_MutualTLS_Mode) bool {
	return m == securityapi.PeerAuthentication_MutualTLS_PERMISSIVE ||
		m == securityapi.PeerAuthentication_MutualTLS_DISABLE
}
