package policy

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"

	"istio.io/api/annotation"
	"istio.io/api/label"
	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Cross-object rules (IGR8xx) judge a set of objects together: a mesh-wide
// PeerAuthentication that must exist, the mTLS mode a workload ends up with
// after Istio merges mesh, namespace and workload policies, a namespace
// without a default-deny policy. They are evaluated over a ClusterIndex, a
// compact digest of the objects (labels, selectors, modes and references,
// never the objects themselves), so that a cluster of tens of thousands of
// objects is judged in bounded memory. The index is filled one object at a
// time, in any order, and evaluated once.

// KindNetworkPolicy and KindMutatingWebhook are the kinds the index reads
// besides those the per-object rules target.
const (
	KindNetworkPolicy   Kind = "NetworkPolicy.networking.k8s.io"
	KindMutatingWebhook Kind = "MutatingWebhookConfiguration.admissionregistration.k8s.io"
	KindService         Kind = "Service"
)

// IndexKinds are the kinds ClusterIndex.Add digests.
func IndexKinds() []Kind {
	return append([]Kind{KindNamespace, KindPeerAuthentication, KindAuthorizationPolicy, KindDestinationRule,
		KindNetworkPolicy, KindMutatingWebhook, KindService, KindPod, KindGatewayAPIGateway, KindConfigMap}, WorkloadKinds()...)
}

// ClusterIndex is the digest of a set of objects that the cross-object rules
// read. The zero value is not usable: build it with NewClusterIndex.
type ClusterIndex struct {
	// istio is the Istio release judged, set by Engine.ValidateCluster.
	istio IstioVersion
	// complete is true when the index holds every object of IndexKinds of
	// the cluster (audit): only then may a rule conclude from an absence
	// ("no NetworkPolicy in the namespace"). A partial input (check's files)
	// is judged only by the rules that conclude from what is present.
	complete bool

	namespaces map[string]*nsFacts
	peerAuths  []*paFacts
	authzs     []*apFacts
	destRules  []*drFacts
	services   map[string]*svcFacts // "ns/name"
	netpols    map[string]int       // namespace -> count
	// revisions are the injector revisions (istio.io/rev of an injector
	// MutatingWebhookConfiguration); tags map a revision tag to its revision.
	revisions map[string]bool
	tags      map[string]string
	// workloads are the distinct (namespace, labels) pairs of pods and pod
	// templates: replicas of one Deployment share one entry.
	workloads map[string]*wlFacts
	// pods are the pods the sidecar rules may report on, one small record each.
	pods []*podFacts
	// gateways are the Gateway API Gateways istiod deploys, and overlays
	// the ConfigMaps they may be deployed from ("ns/name"), for IGR811.
	gateways []*gwFacts
	overlays map[string]*overlayFacts
	// injectorValues are the values keys of istio-sidecar-injector
	// ConfigMaps, by namespace and revision ("default": the unrevisioned
	// istio-sidecar-injector), parsed when read (gatewayValues).
	injectorValues map[injectorKey]string
	// parsedValues memoises gatewayValues' parses (nil: unparsable).
	parsedMu     sync.Mutex
	parsedValues map[injectorKey]*gwTemplateValues
	// interned holds one copy of the strings many facts repeat (API
	// versions, kinds, namespaces, label keys and values).
	interned map[string]string
}

// NewClusterIndex returns an empty index. complete states that every object
// of IndexKinds will be added (a live cluster), not a part of them.
func NewClusterIndex(complete bool) *ClusterIndex {
	return &ClusterIndex{
		complete:       complete,
		namespaces:     map[string]*nsFacts{},
		services:       map[string]*svcFacts{},
		netpols:        map[string]int{},
		revisions:      map[string]bool{},
		tags:           map[string]string{},
		workloads:      map[string]*wlFacts{},
		overlays:       map[string]*overlayFacts{},
		injectorValues: map[injectorKey]string{},
		parsedValues:   map[injectorKey]*gwTemplateValues{},
		interned:       map[string]string{},
	}
}

// intern returns one index-owned copy of s per distinct value, so that the
// index neither repeats the strings objects share nor keeps a decoded
// object's buffers alive.
func (c *ClusterIndex) intern(s string) string {
	if v, ok := c.interned[s]; ok {
		return v
	}
	v := strings.Clone(s)
	c.interned[v] = v
	return v
}

// Complete reports whether the index stands for a whole cluster.
func (c *ClusterIndex) Complete() bool { return c.complete }

// subject is an object a cross-object rule may report on: its reference and
// the exemption annotations it carries (nil when none).
type subject struct {
	ref    ObjectRef
	exempt map[string]string
}

func (c *ClusterIndex) subjectOf(obj *Object) subject {
	r := obj.Ref()
	s := subject{ref: ObjectRef{APIVersion: c.intern(r.APIVersion), Kind: c.intern(r.Kind),
		Namespace: c.intern(r.Namespace), Name: strings.Clone(r.Name)}}
	if obj.Meta != nil {
		for _, k := range []string{AnnotationExempt, AnnotationExemptReason} {
			if v, ok := obj.Meta.Annotations[k]; ok {
				if s.exempt == nil {
					s.exempt = map[string]string{}
				}
				s.exempt[k] = strings.Clone(v)
			}
		}
	}
	return s
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.Clone(k)] = strings.Clone(v)
	}
	return out
}

type nsFacts struct {
	subject
	labels map[string]string
}

type paFacts struct {
	subject
	created  metav1.Time
	selector matchLabels // empty: namespace- or mesh-wide
	mode     securityapi.PeerAuthentication_MutualTLS_Mode
	ports    []paPort // portLevelMtls, by port
}

// paPort is the mode of one port of a PeerAuthentication's portLevelMtls.
type paPort struct {
	port uint32
	mode securityapi.PeerAuthentication_MutualTLS_Mode
}

// matchLabels is a policy's selector.matchLabels as key, value pairs in key
// order (k0, v0, k1, v1, ...), its keys interned (values, often one per
// workload, are copied): a policy costs a few words, not a map.
type matchLabels []string

// matchLabelsOf returns m as matchLabels (nil when m is empty).
func (c *ClusterIndex) matchLabelsOf(m map[string]string) matchLabels {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(matchLabels, 0, 2*len(m))
	for _, k := range keys {
		out = append(out, c.intern(k), strings.Clone(m[k]))
	}
	return out
}

// matches is selectorMatches for a matchLabels selector.
func (m matchLabels) matches(labels map[string]string) bool {
	for i := 0; i+1 < len(m); i += 2 {
		if lv, ok := labels[m[i]]; !ok || lv != m[i+1] {
			return false
		}
	}
	return true
}

type apFacts struct {
	subject
	action      securityapi.AuthorizationPolicy_Action
	hasSelector bool // a selector with at least one label
	selector    matchLabels
	targeted    bool // targetRef(s): applies to a gateway or waypoint, not workloads
	rules       int
	emptyRules  int // rules with no from, to or when: they match every request
}

type drFacts struct {
	subject
	host string
	// disabled are the field paths (with port, 0 for the whole policy) that
	// set tls.mode DISABLE.
	disabled []drDisable
}

type drDisable struct {
	path string
	port uint32
}

// svcFacts is a Service with a selector: its workloads' labels and the
// numeric target port of each service port (named target ports are left out:
// the container port they name is per pod).
type svcFacts struct {
	selector map[string]string
	ports    map[uint32]uint32
}

type wlFacts struct {
	namespace string
	labels    map[string]string
	ports     map[uint32]bool
	// first is the workload object of this label set with the smallest
	// reference, reported on; count is how many objects share it.
	first subject
	count int
}

type podFacts struct {
	subject
	revLabel string // the pod's own istio.io/rev label
	// injectMeta keeps only the pod's sidecar.istio.io/inject label and
	// annotation: what they mean depends on the Istio release judged.
	injectMeta  metav1.ObjectMeta
	hostNetwork bool
	sidecar     bool
	sidecarRev  string // revision in sidecar.istio.io/status
}

// Add digests obj. Objects of other kinds are ignored; so are objects the
// decoder could not type (for instance a NetworkPolicy in check's input is
// counted from its metadata alone, which is all the rules need).
func (c *ClusterIndex) Add(obj *Object) {
	if obj == nil || obj.Meta == nil {
		return
	}
	switch KindOf(obj.GroupKind) {
	case KindNamespace:
		c.namespaces[strings.Clone(obj.Meta.Name)] = &nsFacts{subject: c.subjectOf(obj), labels: cloneMap(obj.Meta.Labels)}
	case KindPeerAuthentication:
		c.addPeerAuthentication(obj)
	case KindAuthorizationPolicy:
		// Only the rules that need the whole cluster read AuthorizationPolicies
		// (IGR804, IGR809): a partial index does not keep them.
		if c.complete {
			c.addAuthorizationPolicy(obj)
		}
	case KindDestinationRule:
		c.addDestinationRule(obj)
	case KindNetworkPolicy:
		c.netpols[strings.Clone(obj.Meta.Namespace)]++
	case KindMutatingWebhook:
		c.addWebhook(obj)
	case KindService:
		c.addService(obj)
	case KindPod:
		// Pods' sidecar facts are read only by the rules that need the whole
		// cluster (IGR806 to IGR808); their labels and ports are a workload.
		if c.complete {
			c.addPod(obj)
		}
		c.addWorkload(obj)
	case KindGatewayAPIGateway:
		c.addGatewayDeployment(obj)
	case KindConfigMap:
		c.addOverlayConfigMap(obj)
	default:
		c.addWorkload(obj)
	}
}

func (c *ClusterIndex) addPeerAuthentication(obj *Object) {
	pa, ok := bodyAs[securityapi.PeerAuthentication](obj)
	if !ok || pa == nil {
		return
	}
	f := &paFacts{subject: c.subjectOf(obj), created: obj.Meta.CreationTimestamp,
		selector: c.matchLabelsOf(pa.GetSelector().GetMatchLabels()), mode: pa.GetMtls().GetMode()}
	if len(pa.GetPortLevelMtls()) > 0 {
		f.ports = make([]paPort, 0, len(pa.GetPortLevelMtls()))
		for port, m := range pa.GetPortLevelMtls() {
			f.ports = append(f.ports, paPort{port: port, mode: m.GetMode()})
		}
		sort.Slice(f.ports, func(i, j int) bool { return f.ports[i].port < f.ports[j].port })
	}
	c.peerAuths = append(c.peerAuths, f)
}

func (c *ClusterIndex) addAuthorizationPolicy(obj *Object) {
	ap, _ := bodyAs[securityapi.AuthorizationPolicy](obj)
	if ap == nil {
		return
	}
	f := &apFacts{subject: c.subjectOf(obj), action: ap.GetAction(), rules: len(ap.GetRules()),
		targeted: ap.GetTargetRef() != nil || len(ap.GetTargetRefs()) > 0}
	if sel := ap.GetSelector().GetMatchLabels(); len(sel) > 0 {
		f.hasSelector, f.selector = true, c.matchLabelsOf(sel)
	}
	for _, r := range ap.GetRules() {
		if authzRuleIsEmpty(r) {
			f.emptyRules++
		}
	}
	c.authzs = append(c.authzs, f)
}

func (c *ClusterIndex) addDestinationRule(obj *Object) {
	dr, ok := obj.Body.(*networkingapi.DestinationRule)
	if !ok || dr == nil {
		return
	}
	f := &drFacts{subject: c.subjectOf(obj), host: strings.Clone(dr.GetHost())}
	tp := field.NewPath("spec", "trafficPolicy")
	// DISABLE is the enum's zero value: a tls block without a mode
	// disables TLS too, no tls block leaves auto mTLS on.
	if tls := dr.GetTrafficPolicy().GetTls(); tls != nil && tls.GetMode() == networkingapi.ClientTLSSettings_DISABLE {
		f.disabled = append(f.disabled, drDisable{path: tp.Child("tls", "mode").String()})
	}
	for i, pl := range dr.GetTrafficPolicy().GetPortLevelSettings() {
		if tls := pl.GetTls(); tls != nil && tls.GetMode() == networkingapi.ClientTLSSettings_DISABLE && pl.GetPort().GetNumber() != 0 {
			p := tp.Child("portLevelSettings").Index(i).Child("tls", "mode").String()
			f.disabled = append(f.disabled, drDisable{path: p, port: pl.GetPort().GetNumber()})
		}
	}
	if len(f.disabled) > 0 {
		c.destRules = append(c.destRules, f)
	}
}

// addWebhook records the revision (and tag) of an Istio sidecar injector:
// Istio's charts label the injector istio.io/rev=<revision or "default">
// and a revision tag's webhook also istio.io/tag=<tag>.
func (c *ClusterIndex) addWebhook(obj *Object) {
	rev := obj.Meta.Labels[label.IoIstioRev.Name]
	if rev == "" {
		return
	}
	if mwc, ok := obj.Body.(*admissionregistrationv1.MutatingWebhookConfiguration); ok && mwc != nil && len(mwc.Webhooks) == 0 {
		return // an injector with no webhook injects nothing
	}
	if tag := obj.Meta.Labels[label.IoIstioTag.Name]; tag != "" {
		c.tags[strings.Clone(tag)] = strings.Clone(rev)
		return
	}
	c.revisions[strings.Clone(rev)] = true
}

func (c *ClusterIndex) addService(obj *Object) {
	svc, ok := obj.Body.(*corev1.Service)
	if !ok || svc == nil || len(svc.Spec.Selector) == 0 {
		return
	}
	f := &svcFacts{selector: cloneMap(svc.Spec.Selector), ports: map[uint32]uint32{}}
	for _, p := range svc.Spec.Ports {
		switch {
		case p.TargetPort.IntValue() > 0:
			f.ports[uint32(p.Port)] = uint32(p.TargetPort.IntValue())
		case p.TargetPort.StrVal == "":
			f.ports[uint32(p.Port)] = uint32(p.Port) // targetPort defaults to port
		}
	}
	c.services[strings.Clone(obj.Meta.Namespace+"/"+obj.Meta.Name)] = f
}

func (c *ClusterIndex) addPod(obj *Object) {
	pod, ok := obj.Body.(*corev1.Pod)
	if !ok || pod == nil {
		return
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return // finished pods run nothing
	}
	pt, _ := PodTemplateOf(obj)
	_, _, loc := InjectedSidecar(pt)
	f := &podFacts{subject: c.subjectOf(obj), revLabel: strings.Clone(pod.Labels[label.IoIstioRev.Name]),
		hostNetwork: pod.Spec.HostNetwork, sidecar: loc != SidecarNone}
	if v, ok := pod.Labels[label.SidecarInject.Name]; ok {
		f.injectMeta.Labels = map[string]string{label.SidecarInject.Name: strings.Clone(v)}
	}
	if v, ok := pod.Annotations[annotation.SidecarInject.Name]; ok {
		f.injectMeta.Annotations = map[string]string{annotation.SidecarInject.Name: strings.Clone(v)}
	}
	if status := pod.Annotations[annotation.SidecarStatus.Name]; status != "" {
		var st struct {
			Revision string `json:"revision"`
		}
		if json.Unmarshal([]byte(status), &st) == nil {
			f.sidecarRev = st.Revision
		}
	}
	c.pods = append(c.pods, f)
}

// addWorkload records the labels and container ports of a pod or pod template.
func (c *ClusterIndex) addWorkload(obj *Object) {
	pt, ok := PodTemplateOf(obj)
	if !ok {
		return
	}
	ns := pt.Namespace(obj)
	key := ns + "\x00" + labelsKey(pt.Meta.Labels)
	w := c.workloads[key]
	if w == nil {
		w = &wlFacts{namespace: strings.Clone(ns), labels: cloneMap(pt.Meta.Labels), ports: map[uint32]bool{}, first: c.subjectOf(obj)}
		c.workloads[strings.Clone(key)] = w
	} else if ref := obj.Ref(); ref.String() < w.first.ref.String() {
		w.first = c.subjectOf(obj)
	}
	w.count++
	for _, ct := range pt.Spec.Containers {
		for _, p := range ct.Ports {
			if p.ContainerPort > 0 {
				w.ports[uint32(p.ContainerPort)] = true
			}
		}
	}
}

// labelsKey renders labels in key order, as a map key.
func labelsKey(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(l[k])
		b.WriteByte(0)
	}
	return b.String()
}

// selectorMatches is Istio's workload selection (labels.Instance.SubsetOf):
// every label of the selector is on the workload with the same value.
func selectorMatches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if lv, ok := labels[k]; !ok || lv != v {
			return false
		}
	}
	return true
}

// meshNamespaces returns, sorted, the namespaces whose workloads are in the
// mesh: selected for sidecar injection or enrolled in ambient.
func (c *ClusterIndex) meshNamespaces() []string {
	var out []string
	for name, ns := range c.namespaces {
		if namespaceInMesh(ns.labels) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// namespaceInMesh reports whether a namespace with these labels is in the
// mesh: sidecar injection by the namespace labels, or ambient.
func namespaceInMesh(labels map[string]string) bool {
	if labels[label.IoIstioDataplaneMode.Name] == dataplaneModeAmbient {
		return true
	}
	injected, _ := namespaceInjection(labels)
	return injected
}

// sortedWorkloads returns the workloads of namespace ns ("" for all) in a
// fixed order.
func (c *ClusterIndex) sortedWorkloads(ns string) []*wlFacts {
	var out []*wlFacts
	for _, w := range c.workloads {
		if ns == "" || w.namespace == ns {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].first.ref.String() < out[j].first.ref.String() })
	return out
}

// clusterViolation is a violation of a cross-object rule on one object.
type clusterViolation struct {
	on subject
	Violation
}

// clusterCheck evaluates one cross-object rule over the index.
type clusterCheck func(c *ClusterIndex, p Params) []clusterViolation

// clusterWith adapts a cross-object check of typed parameters the way
// checkWith adapts Rule.Check.
func clusterWith[P any](check func(c *ClusterIndex, p *P) []clusterViolation) clusterCheck {
	return func(c *ClusterIndex, p Params) []clusterViolation { return check(c, p.(*P)) }
}

// ClusterResult is the findings of the cross-object rules on one object.
type ClusterResult struct {
	Object   ObjectRef
	Findings []Finding
	// Exempted lists the findings an exemption annotation suppressed.
	Exempted []Exemption
}

// ValidateCluster runs every enabled cross-object rule over c and returns the
// findings grouped by object, sorted by object. Namespace exemptions and the
// objects' exemption annotations apply as in Validate.
func (e *Engine) ValidateCluster(c *ClusterIndex) []ClusterResult {
	c.istio = e.istio
	byObj := map[ObjectRef]*ClusterResult{}
	checks := clusterChecks()
	for _, cr := range e.rules {
		check, ok := checks[cr.rule.ID]
		if !ok {
			continue
		}
		for _, v := range check(c, cr.params) {
			ns := v.on.ref.Namespace
			if v.on.ref.Kind == "Namespace" {
				ns = v.on.ref.Name
			}
			if e.NamespaceExempt(ns) {
				continue
			}
			res := byObj[v.on.ref]
			if res == nil {
				res = &ClusterResult{Object: v.on.ref}
				byObj[v.on.ref] = res
			}
			if reason, exempt := e.clusterExemption(v.on, ns, cr.rule.ID); exempt {
				res.addExempted(cr.rule.ID, reason)
				continue
			}
			res.Findings = append(res.Findings, cr.finding(v.on.ref, v.Violation))
		}
	}
	out := make([]ClusterResult, 0, len(byObj))
	for _, r := range byObj {
		sortFindings(r.Findings)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Object.String() < out[j].Object.String() })
	return out
}

func (r *ClusterResult) addExempted(id, reason string) {
	for i := range r.Exempted {
		if r.Exempted[i].Rule == id {
			r.Exempted[i].Suppressed++
			return
		}
	}
	r.Exempted = append(r.Exempted, Exemption{Rule: id, Reason: reason, Suppressed: 1})
}

// clusterExemption applies the object's exemption annotations the way
// Validate does (same allow-list and namespaces).
func (e *Engine) clusterExemption(s subject, ns, id string) (string, bool) {
	if s.exempt == nil {
		return "", false
	}
	set := exemptionSet{exempt: map[string]string{}}
	e.addExemptions(&set, &metav1.ObjectMeta{Annotations: s.exempt}, field.NewPath("metadata"), false, e.annotationsHonouredIn(ns))
	reason, ok := set.exempt[id]
	return reason, ok
}

// clusterChecks maps the cross-object rules to their evaluation (Rule.Cluster).
func clusterChecks() map[string]clusterCheck {
	out := map[string]clusterCheck{}
	for _, r := range Catalogue() {
		if r.Cluster != nil {
			out[r.ID] = r.Cluster
		}
	}
	return out
}

// ClusterOnly reports whether rule id concludes only from the cluster's
// state, never from check's files (Rule.ClusterOnly): the rules that report
// what a cluster lacks (audit and the background audit; a partial input
// cannot know what is missing) and the DELETE guard IGR810 (admission only).
func ClusterOnly(id string) bool {
	for _, r := range Catalogue() {
		if r.ID == id {
			return r.ClusterOnly
		}
	}
	return false
}

// crossObjectOnly is the per-object Check of a cross-object rule.
func crossObjectOnly(*Context, *Object, Params) []Violation { return nil }

// RootNamespace is the Istio root namespace the mesh-wide rules are
// configured with (parameter rootNamespace of IGR801), so that a caller
// reading the cluster lists that namespace's policies.
func (e *Engine) RootNamespace() string {
	if cr := e.ruleByID["IGR801"]; cr != nil {
		return cr.params.(*RootNamespaceParams).RootNamespace
	}
	return "istio-system"
}

// RootNamespaceParams are the parameters of the mesh-scoped cross-object rules.
type RootNamespaceParams struct {
	RootNamespace string `yaml:"rootNamespace" desc:"Istio root namespace (meshConfig.rootNamespace): home of the mesh-wide policies"`
}
