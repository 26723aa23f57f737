package policy

import telemetryapi "istio.io/api/telemetry/v1alpha1"

// telemetryScope names where a Telemetry applies: mesh-wide (root namespace,
// no selector or targetRefs), its namespace, or the workloads it selects.
func telemetryScope(obj *Object, t *telemetryapi.Telemetry, root string) string {
	switch {
	case t.GetSelector() != nil || len(t.GetTargetRefs()) > 0 || t.GetTargetRef() != nil:
		return "for the selected workloads"
	case obj.Meta != nil && obj.Meta.Namespace == root:
		return "mesh-wide"
	}
	return "for the whole namespace"
}
