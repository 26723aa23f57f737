package bench

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

//go:embed testdata/*.yaml
var testdata embed.FS

// Fixture is one realistic object as the API server sends it to a webhook.
type Fixture struct {
	// Name is the fixture's short name (the file name without extension).
	Name string
	// GVK and Resource describe the object as the admission request does.
	GVK      metav1.GroupVersionKind
	Resource metav1.GroupVersionResource
	// Namespace and ObjectName locate it.
	Namespace, ObjectName string
	// Object is the object's JSON.
	Object []byte
	// YAML is the source document (comments included).
	YAML []byte
}

// Fixtures returns every object under testdata/, sorted by name.
func Fixtures() ([]Fixture, error) {
	entries, err := testdata.ReadDir("testdata")
	if err != nil {
		return nil, fmt.Errorf("read fixtures: %w", err)
	}
	out := make([]Fixture, 0, len(entries))
	for _, e := range entries {
		f, err := loadFixture(path.Join("testdata", e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// FixtureByName returns the fixture with the given name.
func FixtureByName(name string) (Fixture, error) {
	return loadFixture(path.Join("testdata", name+".yaml"))
}

// loadFixture reads one YAML document and derives its admission metadata.
func loadFixture(file string) (Fixture, error) {
	src, err := testdata.ReadFile(file)
	if err != nil {
		return Fixture{}, fmt.Errorf("read fixture: %w", err)
	}
	obj, err := yaml.YAMLToJSON(src)
	if err != nil {
		return Fixture{}, fmt.Errorf("fixture %s: %w", file, err)
	}
	var head struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   metav1.ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(obj, &head); err != nil {
		return Fixture{}, fmt.Errorf("fixture %s: %w", file, err)
	}
	gv, err := schema.ParseGroupVersion(head.APIVersion)
	if err != nil {
		return Fixture{}, fmt.Errorf("fixture %s: %w", file, err)
	}
	return Fixture{
		Name:       strings.TrimSuffix(path.Base(file), ".yaml"),
		GVK:        metav1.GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: head.Kind},
		Resource:   metav1.GroupVersionResource{Group: gv.Group, Version: gv.Version, Resource: strings.ToLower(head.Kind) + "s"},
		Namespace:  head.Metadata.Namespace,
		ObjectName: head.Metadata.Name,
		Object:     obj,
		YAML:       src,
	}, nil
}

// Review returns the AdmissionReview v1 of a CREATE of f, with the request
// fields the API server fills (user info, options, dry run).
func (f Fixture) Review(uid string) []byte {
	return Review(uid, f.GVK, f.Resource, f.Namespace, f.ObjectName, f.Object)
}

// Review encodes an AdmissionReview v1 for a CREATE of the object raw.
func Review(uid string, gvk metav1.GroupVersionKind, res metav1.GroupVersionResource, ns, name string, raw []byte) []byte {
	dryRun := false
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:             types.UID(uid),
			Kind:            gvk,
			Resource:        res,
			RequestKind:     &gvk,
			RequestResource: &res,
			Name:            name,
			Namespace:       ns,
			Operation:       admissionv1.Create,
			UserInfo: authenticationv1.UserInfo{
				Username: "system:serviceaccount:kube-system:replicaset-controller",
				UID:      "8a3f1c2e-7b6d-4e5f-9a0b-1c2d3e4f5a6b",
				Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"},
			},
			Object:  runtime.RawExtension{Raw: raw},
			DryRun:  &dryRun,
			Options: runtime.RawExtension{Raw: []byte(`{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1","fieldManager":"kube-controller-manager"}`)},
		},
	}
	b, err := json.Marshal(review)
	if err != nil {
		panic(fmt.Sprintf("encode AdmissionReview: %v", err)) // only typed values: cannot fail
	}
	return b
}
