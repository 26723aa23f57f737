package policy

import (
	"fmt"

	"istio.io/api/annotation"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// IGR901Params are the parameters of IGR901: resource quantities.
type IGR901Params struct {
	CPURequest    string `yaml:"cpuRequest" type:"quantity" desc:"proxy CPU request"`
	MemoryRequest string `yaml:"memoryRequest" type:"quantity" desc:"proxy memory request"`
	CPULimit      string `yaml:"cpuLimit" type:"quantity" desc:"proxy CPU limit"`
	MemoryLimit   string `yaml:"memoryLimit" type:"quantity" desc:"proxy memory limit"`
}

func mutatorIGR901() *Mutator {
	return &Mutator{
		ID:    igr901,
		Title: "Sidecar proxy resources",
		Description: "Before injection, sets all four of `" + annotation.SidecarProxyCPU.Name + "`, `" +
			annotation.SidecarProxyMemory.Name + "`, `" + annotation.SidecarProxyCPULimit.Name + "` and `" +
			annotation.SidecarProxyMemoryLimit.Name + "`: Istio drops every default proxy resource as soon as one " +
			"of them is set, so the missing ones are filled in, the user's values are kept and each request stays " +
			"at or below its limit. After injection, sets the missing requests and limits of the `istio-proxy` " +
			"container (classic or native) directly. Invalid user values are left alone and reported by IGR710.",
		Targets:        podAndWorkloadKinds(),
		DefaultEnabled: true,
		Params:         ParamsOf(IGR901Params{CPURequest: "100m", MemoryRequest: "128Mi", CPULimit: "2000m", MemoryLimit: "1Gi"}),
		Apply:          applyWith(applyIGR901),
		Validate:       validateWith(validateIGR901),
		Notes:          notesIGR901,
	}
}

// proxyResource is one resource (cpu or memory) of the proxy: its annotation
// keys and the configured defaults.
type proxyResource struct {
	name               corev1.ResourceName
	requestKey, limitK string
	request, limit     string
}

// proxyResourceKeys returns the cpu and memory annotation keys, without defaults.
func proxyResourceKeys() []proxyResource {
	return []proxyResource{
		{name: corev1.ResourceCPU, requestKey: annotation.SidecarProxyCPU.Name, limitK: annotation.SidecarProxyCPULimit.Name},
		{name: corev1.ResourceMemory, requestKey: annotation.SidecarProxyMemory.Name, limitK: annotation.SidecarProxyMemoryLimit.Name},
	}
}

// proxyResources returns the cpu and memory settings of p.
func proxyResources(p *IGR901Params) []proxyResource {
	rs := proxyResourceKeys()
	rs[0].request, rs[0].limit = p.CPURequest, p.CPULimit
	rs[1].request, rs[1].limit = p.MemoryRequest, p.MemoryLimit
	return rs
}

func validateIGR901(p *IGR901Params) error {
	for _, r := range proxyResources(p) {
		req, err := resource.ParseQuantity(r.request)
		if err != nil {
			return fmt.Errorf("%s request %q: %w", r.name, r.request, err)
		}
		lim, err := resource.ParseQuantity(r.limit)
		if err != nil {
			return fmt.Errorf("%s limit %q: %w", r.name, r.limit, err)
		}
		if req.Sign() <= 0 || req.Cmp(lim) > 0 {
			return fmt.Errorf("%s request %s must be positive and at most the limit %s", r.name, r.request, r.limit)
		}
	}
	return nil
}

func applyIGR901(_ *Context, obj *Object, p *IGR901Params) (bool, error) {
	pt, ok := PodTemplateOf(obj)
	if !ok {
		return false, nil
	}
	if c, _, loc := InjectedSidecar(pt); loc != SidecarNone {
		return setProxyContainerResources(c, proxyResources(p)), nil
	}
	if len(InvalidProxyResourceAnnotations(pt)) > 0 {
		return false, nil
	}
	changed := false
	for _, r := range proxyResources(p) {
		if setResourceAnnotations(pt.Meta, r) {
			changed = true
		}
	}
	return changed, nil
}

// setResourceAnnotations fills in the missing request or limit annotation of
// r, keeping request <= limit. The annotations present are known valid.
func setResourceAnnotations(m *metav1.ObjectMeta, r proxyResource) bool {
	req, hasReq := m.Annotations[r.requestKey]
	lim, hasLim := m.Annotations[r.limitK]
	if hasReq && hasLim {
		return false
	}
	req, lim = fillPair(req, hasReq, lim, hasLim, r)
	a := setAnnotation(m, r.requestKey, req)
	b := setAnnotation(m, r.limitK, lim)
	return a || b
}

// fillPair completes a request/limit pair from the defaults in r: a missing
// limit is the default or the request if larger; a missing request is the
// default or the limit if smaller.
func fillPair(req string, hasReq bool, lim string, hasLim bool, r proxyResource) (string, string) {
	switch {
	case !hasReq && !hasLim:
		return r.request, r.limit
	case !hasLim:
		if cmpQuantity(req, r.limit) > 0 {
			return req, req
		}
		return req, r.limit
	case !hasReq:
		if cmpQuantity(r.request, lim) > 0 {
			return lim, lim
		}
		return r.request, lim
	}
	return req, lim
}

// cmpQuantity compares two quantities known to parse.
func cmpQuantity(a, b string) int {
	qa, qb := resource.MustParse(a), resource.MustParse(b)
	return qa.Cmp(qb)
}

// setProxyContainerResources fills in the missing requests and limits of an
// injected istio-proxy container, keeping request <= limit.
func setProxyContainerResources(c *corev1.Container, rs []proxyResource) bool {
	changed := false
	for _, r := range rs {
		req, hasReq := c.Resources.Requests[r.name]
		lim, hasLim := c.Resources.Limits[r.name]
		if hasReq && hasLim {
			continue
		}
		nr, nl := fillPair(req.String(), hasReq, lim.String(), hasLim, r)
		if c.Resources.Requests == nil {
			c.Resources.Requests = corev1.ResourceList{}
		}
		if c.Resources.Limits == nil {
			c.Resources.Limits = corev1.ResourceList{}
		}
		c.Resources.Requests[r.name] = resource.MustParse(nr)
		c.Resources.Limits[r.name] = resource.MustParse(nl)
		changed = true
	}
	return changed
}

// InvalidProxyResourceAnnotations returns what is wrong with the proxy resource
// annotations the user set: values that are not quantities, negative values,
// and a request above its limit. IGR710 reports them; IGR901 then leaves the
// annotations alone rather than guess.
func InvalidProxyResourceAnnotations(pt PodTemplate) []Violation {
	var out []Violation
	base := pt.MetaPath.Child("annotations")
	for _, r := range proxyResourceKeys() {
		req, reqOK := parsedAnnotation(pt.Meta, base.Key(r.requestKey), r.requestKey, &out)
		lim, limOK := parsedAnnotation(pt.Meta, base.Key(r.limitK), r.limitK, &out)
		if reqOK && limOK && req.Cmp(lim) > 0 {
			msg := "is above the limit " + r.limitK + "=" + pt.Meta.Annotations[r.limitK]
			out = append(out, Invalid(base.Key(r.requestKey), pt.Meta.Annotations[r.requestKey], msg))
		}
	}
	return out
}

// parsedAnnotation parses the quantity in annotation key, appending a
// violation when it is set but invalid. ok is true for a valid, set value.
func parsedAnnotation(m *metav1.ObjectMeta, p *field.Path, key string, out *[]Violation) (resource.Quantity, bool) {
	v, set := m.Annotations[key]
	if !set {
		return resource.Quantity{}, false
	}
	q, err := resource.ParseQuantity(v)
	switch {
	case err != nil:
		*out = append(*out, Invalid(p, v, "is not a valid quantity"))
		return q, false
	case q.Sign() < 0:
		*out = append(*out, Invalid(p, v, "must not be negative"))
		return q, false
	}
	return q, true
}

func notesIGR901(_ *Context, obj *Object, _ Params) []string {
	pt, ok := PodTemplateOf(obj)
	if !ok {
		return nil
	}
	if _, _, loc := InjectedSidecar(pt); loc != SidecarNone {
		return nil
	}
	var out []string
	for _, v := range InvalidProxyResourceAnnotations(pt) {
		out = append(out, v.Text()+"; proxy resources left unchanged (see IGR710)")
	}
	return out
}
