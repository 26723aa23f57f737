package chart

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestGoMemoryLimitFollowsContainerLimit checks, in every mode, that the Go
// runtime's soft memory limit (GOMEMLIMIT) is the container's memory limit
// in bytes, read through the downward API, and that a memory limit is set
// (without one the kubelet would pass the node's allocatable memory).
func TestGoMemoryLimitFollowsContainerLimit(t *testing.T) {
	for _, mode := range sortedModes() {
		t.Run(mode, func(t *testing.T) {
			c := container(t, deployment(t, render(t, modes[mode])))
			ref := envResourceRef(t, c, "GOMEMLIMIT")
			if ref.ContainerName != c.Name || ref.Resource != "limits.memory" {
				t.Errorf("GOMEMLIMIT reads %s of container %q, want limits.memory of %q", ref.Resource, ref.ContainerName, c.Name)
			}
			if ref.Divisor.Cmp(resource.MustParse("1")) != 0 {
				t.Errorf("GOMEMLIMIT divisor %s, want 1 (GOMEMLIMIT without a unit is in bytes)", ref.Divisor.String())
			}
			if lim := c.Resources.Limits.Memory(); lim.IsZero() {
				t.Error("the container has no memory limit for GOMEMLIMIT to follow")
			}
		})
	}
}

// envResourceRef returns the resourceFieldRef of env var name in c.
func envResourceRef(t *testing.T, c *corev1.Container, name string) *corev1.ResourceFieldSelector {
	t.Helper()
	for _, e := range c.Env {
		if e.Name != name {
			continue
		}
		if e.ValueFrom == nil || e.ValueFrom.ResourceFieldRef == nil {
			t.Fatalf("%s is not set from a resourceFieldRef: %+v", name, e)
		}
		return e.ValueFrom.ResourceFieldRef
	}
	t.Fatalf("container %s has no %s", c.Name, name)
	return nil
}
