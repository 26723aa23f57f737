package policy

import (
	securityapi "istio.io/api/security/v1beta1"
)

// paramRootNamespace is IGR101's Istio root namespace (meshConfig.rootNamespace).
const paramRootNamespace = "rootNamespace"

// peerAuthenticationOf returns the PeerAuthentication spec of obj, ok=false
// when the body is of another type. The spec may be nil: its getters are nil-safe.
func peerAuthenticationOf(obj *Object) (*securityapi.PeerAuthentication, bool) {
	pa, ok := obj.Body.(*securityapi.PeerAuthentication)
	return pa, ok
}

// requestAuthenticationOf returns the RequestAuthentication spec of obj,
// ok=false when the body is of another type. The spec may be nil.
func requestAuthenticationOf(obj *Object) (*securityapi.RequestAuthentication, bool) {
	ra, ok := obj.Body.(*securityapi.RequestAuthentication)
	return ra, ok
}

// weakMTLSMode reports whether m lets plaintext in (PERMISSIVE or DISABLE).
func weakMTLSMode(m securityapi.PeerAuthentication_MutualTLS_Mode) bool {
	return m == securityapi.PeerAuthentication_MutualTLS_PERMISSIVE ||
		m == securityapi.PeerAuthentication_MutualTLS_DISABLE
}
