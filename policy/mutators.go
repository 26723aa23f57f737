package policy

import "istio.io/api/annotation"

// Mutator IDs, in application order.
const (
	igr901 = "IGR901"
	igr902 = "IGR902"
	igr903 = "IGR903"
	igr904 = "IGR904"
)

// mutatorCatalogue returns the mutators in application order.
func mutatorCatalogue() []*Mutator {
	return []*Mutator{mutatorIGR901(), mutatorIGR902(), mutatorIGR903(), mutatorIGR904()}
}

// podAndWorkloadKinds are the targets of the sidecar mutators.
func podAndWorkloadKinds() []Kind {
	return append([]Kind{KindPod}, WorkloadKinds()...)
}

// proxyConfigOf decodes the pod's proxy.istio.io/config annotation.
func proxyConfigOf(pt PodTemplate) proxyConfig {
	return readProxyConfig(pt.Meta.Annotations[annotation.ProxyConfig.Name])
}

// mergeIntoProxyConfig merges f=value into the pod's proxy config annotation.
// An unparsable annotation is left alone (the mutator's Notes report it), so
// this only fails to change, never errors.
func mergeIntoProxyConfig(pt PodTemplate, pc proxyConfig, f ProxyConfigField, value any) bool {
	out, changed, err := pc.merge(f, value)
	if err != nil || !changed {
		return false
	}
	return setAnnotation(pt.Meta, annotation.ProxyConfig.Name, out)
}

// proxyConfigNote explains why f could not be merged into the pod's proxy
// config annotation, or returns "" when it could (or already is there).
func proxyConfigNote(pt PodTemplate, f ProxyConfigField, value any) string {
	if _, _, err := proxyConfigOf(pt).merge(f, value); err != nil {
		p := pt.MetaPath.Child("annotations").Key(annotation.ProxyConfig.Name)
		return p.String() + " " + err.Error() + "; left unchanged"
	}
	return ""
}
