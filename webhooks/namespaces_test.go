package webhooks

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestNamespaceCache(t *testing.T) {
	c := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: "app", Labels: map[string]string{"istio-injection": "enabled"}, Annotations: map[string]string{"big": "dropped"}}})
	nc := NewNamespaceCache(c, time.Minute)
	if err := nc.Ready(); err == nil {
		t.Fatal("ready before start")
	}
	go nc.Start(t.Context())
	waitFor(t, 5*time.Second, "namespace cache sync", func() bool { return nc.Ready() == nil })
	tests := []struct {
		desc      string
		name      string
		wantOK    bool
		wantLabel string
	}{
		{desc: "known namespace returns its labels", name: "app", wantOK: true, wantLabel: "enabled"},
		{desc: "unknown namespace is not ok", name: "absent"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			labels, ok := nc.NamespaceLabels(tc.name)
			if ok != tc.wantOK || labels["istio-injection"] != tc.wantLabel {
				t.Errorf("NamespaceLabels(%q) = %v, %v; want label %q, ok %v", tc.name, labels, ok, tc.wantLabel, tc.wantOK)
			}
		})
	}
	// A namespace created later is seen through the watch, without an API call per lookup.
	if _, err := c.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: "late", Labels: map[string]string{"istio.io/rev": "canary"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "late namespace", func() bool {
		l, ok := nc.NamespaceLabels("late")
		return ok && l["istio.io/rev"] == "canary"
	})
	if obj, ok, _ := nc.informer.GetStore().GetByKey("app"); !ok || len(obj.(*corev1.Namespace).Annotations) != 0 {
		t.Error("cached namespace keeps more than name and labels")
	}
}
