package chart

import "testing"

// TestCapacityAndAuditFlags: the server's capacity shares and the audit's
// sync timeout and discovery interval are chart values. The per-source
// shares and the in-flight cap are only passed when set (0 lets serve derive
// them from the caps); the sync timeout and discovery interval are always
// passed, 2m and 1m by default, as serve's own defaults.
func TestCapacityAndAuditFlags(t *testing.T) {
	args := container(t, deployment(t, render(t, nil))).Args
	for _, name := range []string{"max-inflight-bytes", "max-inflight-bytes-per-source", "max-connections-per-source"} {
		if v, ok := flag(args, name); ok {
			t.Errorf("defaults pass --%s=%s; want it derived by serve", name, v)
		}
	}
	if v, _ := flag(args, "audit-sync-timeout"); v != "2m" {
		t.Errorf("--audit-sync-timeout=%q by default, want 2m", v)
	}
	if v, _ := flag(args, "audit-discovery-interval"); v != "1m" {
		t.Errorf("--audit-discovery-interval=%q by default, want 1m", v)
	}

	args = container(t, deployment(t, render(t, map[string]any{
		"server": map[string]any{"maxInflightBytes": 25165824, "maxInflightBytesPerSource": 6291456, "maxConnectionsPerSource": 100},
		"audit":  map[string]any{"syncTimeout": "45s", "discoveryInterval": "30s"},
	}))).Args
	for name, want := range map[string]string{
		"max-inflight-bytes": "25165824", "max-inflight-bytes-per-source": "6291456",
		"max-connections-per-source": "100", "audit-sync-timeout": "45s", "audit-discovery-interval": "30s",
	} {
		if v, ok := flag(args, name); !ok || v != want {
			t.Errorf("--%s=%q (passed: %v), want %s", name, v, ok, want)
		}
	}

	for desc, values := range map[string]map[string]any{
		"negative per-source connections": {"server": map[string]any{"maxConnectionsPerSource": -1}},
		"sync timeout without unit":       {"audit": map[string]any{"syncTimeout": "120"}},
		"discovery interval without unit": {"audit": map[string]any{"discoveryInterval": "60"}},
	} {
		if _, _, err := helm(t, templateArgs(t, values)...); err == nil {
			t.Errorf("%s: rendered; want the values schema to refuse it", desc)
		}
	}
}
