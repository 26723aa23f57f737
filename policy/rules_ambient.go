package policy

import "istio.io/api/label"

// dataplaneModeNone is the istio.io/dataplane-mode value that opts a pod out
// of ambient.
const dataplaneModeNone = "none"

// namespaceAmbient reports whether a namespace's labels enrol it in ambient
// mode, as the istio-cni chart's default enablementSelectors select it.
func namespaceAmbient(labels map[string]string) bool {
	return labels[label.IoIstioDataplaneMode.Name] == dataplaneModeAmbient
}
