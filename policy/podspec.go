package policy

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// PodTemplate is the pod part of a Pod or of a workload's pod template, with
// the field path it lives at, so rules and mutators treat both alike.
type PodTemplate struct {
	// Meta is the pod's metadata (the template's for workloads; never nil).
	Meta *metav1.ObjectMeta
	// Spec is the pod spec (never nil).
	Spec *corev1.PodSpec
	// MetaPath and SpecPath are the paths of Meta and Spec in the object:
	// "metadata"/"spec" for Pods, "spec.template.metadata"/"spec.template.spec"
	// for Deployments, "spec.jobTemplate.spec.template..." for CronJobs.
	MetaPath, SpecPath *field.Path
}

// PodTemplateOf returns the pod template of a Pod or workload object, or
// ok=false for any other kind. The returned pointers alias obj.Body, so a
// mutator may change them in place.
func PodTemplateOf(obj *Object) (pt PodTemplate, ok bool) {
	var tmpl *corev1.PodTemplateSpec
	base := field.NewPath("spec")
	switch b := obj.Body.(type) {
	case *corev1.Pod:
		if b == nil {
			return pt, false
		}
		return PodTemplate{Meta: &b.ObjectMeta, Spec: &b.Spec, MetaPath: field.NewPath("metadata"), SpecPath: field.NewPath("spec")}, true
	case *appsv1.Deployment:
		if b != nil {
			tmpl = &b.Spec.Template
		}
	case *appsv1.StatefulSet:
		if b != nil {
			tmpl = &b.Spec.Template
		}
	case *appsv1.DaemonSet:
		if b != nil {
			tmpl = &b.Spec.Template
		}
	case *appsv1.ReplicaSet:
		if b != nil {
			tmpl = &b.Spec.Template
		}
	case *batchv1.Job:
		if b != nil {
			tmpl = &b.Spec.Template
		}
	case *batchv1.CronJob:
		if b != nil {
			tmpl = &b.Spec.JobTemplate.Spec.Template
			base = field.NewPath("spec", "jobTemplate", "spec")
		}
	}
	if tmpl == nil {
		return pt, false
	}
	tp := base.Child("template")
	return PodTemplate{Meta: &tmpl.ObjectMeta, Spec: &tmpl.Spec, MetaPath: tp.Child("metadata"), SpecPath: tp.Child("spec")}, true
}

// Namespace returns the namespace the pod runs in: the object's namespace
// (a template's metadata has none).
func (pt PodTemplate) Namespace(obj *Object) string {
	if obj.Meta != nil && obj.Meta.Namespace != "" {
		return obj.Meta.Namespace
	}
	return pt.Meta.Namespace
}

// IstioProxyContainer is the name Istio's injector gives the sidecar.
const IstioProxyContainer = "istio-proxy"

// SidecarLocation tells where an injected istio-proxy container is.
type SidecarLocation int

// Sidecar locations.
const (
	SidecarNone    SidecarLocation = iota // not injected (yet)
	SidecarClassic                        // in spec.containers
	SidecarNative                         // in spec.initContainers with restartPolicy: Always
)

// InjectedSidecar finds the istio-proxy container already injected into spec.
// It returns a pointer into spec and its path, or SidecarNone.
func InjectedSidecar(pt PodTemplate) (*corev1.Container, *field.Path, SidecarLocation) {
	for i := range pt.Spec.InitContainers {
		c := &pt.Spec.InitContainers[i]
		if c.Name == IstioProxyContainer && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			return c, pt.SpecPath.Child("initContainers").Index(i), SidecarNative
		}
	}
	for i := range pt.Spec.Containers {
		c := &pt.Spec.Containers[i]
		if c.Name == IstioProxyContainer {
			return c, pt.SpecPath.Child("containers").Index(i), SidecarClassic
		}
	}
	return nil, nil, SidecarNone
}
