package policy

import (
	networkingapi "istio.io/api/networking/v1alpha3"
)

// sidecarSpecOf returns the Sidecar spec carried by obj, or nil when obj is
// not a decoded Sidecar.
func sidecarSpecOf(obj *Object) *networkingapi.Sidecar {
	if obj == nil {
		return nil
	}
	sc, _ := obj.Body.(*networkingapi.Sidecar)
	return sc
}
