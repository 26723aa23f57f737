package policy

import "testing"

func TestIGR803(t *testing.T) {
	shop := nsDoc("shop", "istio-injection", "enabled")
	web := runningPodDoc("shop", "web-1", true, "app", "web")
	svc := svcDoc("shop", "web", "web", 80, 8080)
	disable := "host: web.shop.svc.cluster.local\ntrafficPolicy:\n  tls:\n    mode: DISABLE\n"
	runClusterTable(t, ruleIGR803(), map[string]clusterCase{
		"ISTIO_MUTUAL towards a STRICT workload": {docs: []string{shop, meshStrict, web, svc,
			drDoc("shop", "web", "host: web\ntrafficPolicy:\n  tls:\n    mode: ISTIO_MUTUAL\n")}},
		"DISABLE towards a PERMISSIVE workload": {docs: []string{shop, web, svc, meshStrict,
			paDoc("shop", "web", 1, "selector:\n  matchLabels:\n    app: web\n"+permissiveSpecYAML), drDoc("shop", "web", disable)}},
		"DISABLE on a port whose target is PERMISSIVE": {docs: []string{shop, web, svc, meshStrict,
			paDoc("shop", "web", 1, "selector:\n  matchLabels:\n    app: web\nportLevelMtls:\n  8080:\n    mode: PERMISSIVE\n"),
			drDoc("shop", "web", "host: web\ntrafficPolicy:\n  portLevelSettings:\n  - port:\n      number: 80\n    tls:\n      mode: DISABLE\n")}},
		"DISABLE towards a host outside the cluster": {docs: []string{shop, meshStrict,
			drDoc("shop", "ext", "host: api.example.com\ntrafficPolicy:\n  tls:\n    mode: DISABLE\n")}},
		"DISABLE towards a Service without endpoints workloads": {docs: []string{shop, meshStrict, svc, drDoc("shop", "web", disable)}},
		"DISABLE towards a STRICT workload (FQDN host)": {
			docs: []string{shop, meshStrict, web, svc, drDoc("shop", "web", disable)},
			want: []string{"DestinationRule shop/web spec.trafficPolicy.tls.mode"}},
		"DISABLE with a short host in the rule's namespace": {
			docs: []string{shop, meshStrict, web, svc, drDoc("shop", "web", "host: web\ntrafficPolicy:\n  tls:\n    mode: DISABLE\n")},
			want: []string{"DestinationRule shop/web spec.trafficPolicy.tls.mode"}},
		"DISABLE on a port whose target is STRICT": {
			docs: []string{shop, meshStrict, web, svc,
				drDoc("shop", "web", "host: web\ntrafficPolicy:\n  portLevelSettings:\n  - port:\n      number: 80\n    tls:\n      mode: DISABLE\n")},
			want: []string{"DestinationRule shop/web spec.trafficPolicy.portLevelSettings[0].tls.mode"}},
		"DISABLE from another namespace towards a STRICT namespace": {
			docs: []string{shop, nsDoc("client"), meshStrict, web, svc, drDoc("client", "web", disable)},
			want: []string{"DestinationRule client/web spec.trafficPolicy.tls.mode"}},
		"partial input: the namespace's STRICT decides without workload policies": {partial: true,
			docs: []string{meshStrict, drDoc("shop", "web", disable)},
			want: []string{"DestinationRule shop/web spec.trafficPolicy.tls.mode"}},
		"partial input: a workload policy in the namespace makes it unknowable": {partial: true,
			docs: []string{meshStrict, paDoc("shop", "web", 1, "selector:\n  matchLabels:\n    app: web\n"+permissiveSpecYAML),
				drDoc("shop", "web", disable)}},
		"partial input without any PeerAuthentication": {partial: true, docs: []string{drDoc("shop", "web", disable)}},
		"a tls block without a mode disables TLS": {
			docs: []string{shop, meshStrict, web, svc, drDoc("shop", "web", "host: web\ntrafficPolicy:\n  tls: {}\n")},
			want: []string{"DestinationRule shop/web spec.trafficPolicy.tls.mode"}},
		"no tls block keeps auto mTLS": {docs: []string{shop, meshStrict, web, svc,
			drDoc("shop", "web", "host: web\ntrafficPolicy:\n  connectionPool:\n    tcp:\n      maxConnections: 10\n")}},
		"wildcard host in a STRICT namespace": {
			docs: []string{shop, meshStrict, drDoc("shop", "all", "host: \"*.shop.svc.cluster.local\"\ntrafficPolicy:\n  tls:\n    mode: DISABLE\n")},
			want: []string{"DestinationRule shop/all spec.trafficPolicy.tls.mode"}},
	})
}
