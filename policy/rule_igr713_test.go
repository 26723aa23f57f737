package policy

import "testing"

func TestIGR713(t *testing.T) {
	injected := map[string]map[string]string{"apps": {"istio-injection": "enabled"}}
	ambient := map[string]map[string]string{"apps": {"istio.io/dataplane-mode": "ambient"}}
	pod := func(podSC, ephemeral string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps}\nspec:\n  containers: [{name: app, image: app}]\n" +
			podSC + "  ephemeralContainers:\n" + ephemeral
	}
	runRuleTable(t, ruleIGR713(), map[string]ruleCase{
		"hit: debug container as the proxy's UID": {ns: injected,
			doc:  pod("", "  - {name: debug, image: busybox, securityContext: {runAsUser: 1337}}\n"),
			want: []string{"spec.ephemeralContainers[0].securityContext.runAsUser"},
		},
		"hit: proxy GID from the pod's securityContext, ambient namespace": {ns: ambient,
			doc:  pod("  securityContext: {runAsGroup: 1337}\n", "  - {name: debug, image: busybox}\n"),
			want: []string{"spec.securityContext.runAsGroup"},
		},
		"hit: privileged and NET_ADMIN, second container": {ns: injected,
			doc: pod("", `  - {name: ok, image: busybox}
  - name: debug
    image: nicolaka/netshoot
    securityContext: {privileged: true, capabilities: {add: [NET_RAW, NET_ADMIN, ALL]}}
`),
			want: []string{"spec.ephemeralContainers[1].securityContext.privileged",
				"spec.ephemeralContainers[1].securityContext.capabilities.add[1]",
				"spec.ephemeralContainers[1].securityContext.capabilities.add[2]"},
		},
		"miss: container UID overrides the pod's 1337": {ns: injected,
			doc: pod("  securityContext: {runAsUser: 1337}\n", "  - {name: debug, image: busybox, securityContext: {runAsUser: 1000, privileged: false, capabilities: {add: [NET_RAW], drop: [NET_ADMIN]}}}\n"),
		},
		"miss: plain debug container": {ns: ambient, doc: pod("", "  - {name: debug, image: busybox}\n")},
		"miss: namespace outside the mesh": {
			ns:  map[string]map[string]string{"apps": {"team": "a"}},
			doc: pod("", "  - {name: debug, image: busybox, securityContext: {runAsUser: 1337}}\n"),
		},
		"miss: namespace unknown": {doc: pod("", "  - {name: debug, image: busybox, securityContext: {runAsUser: 1337}}\n")},
	})
}
