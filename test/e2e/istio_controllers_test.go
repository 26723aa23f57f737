package e2e

import (
	"strings"
	"testing"
)

// requireControllerManager starts the real kube-controller-manager (once).
func requireControllerManager(t *testing.T) {
	t.Helper()
	if err := env.Cluster.StartControllerManager(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestControllersCreateMutatedPodsFromUnmutatedTemplates: with
// mutation.workloads false (the default), the guardrail leaves pod templates
// alone and mutates the Pods the real Deployment, ReplicaSet, Job and CronJob
// controllers create from them.
func TestControllersCreateMutatedPodsFromUnmutatedTemplates(t *testing.T) {
	requireControllerManager(t)
	ns := meshNamespace(t)
	template := `    metadata:
      labels: {app: APP}
    spec:
      restartPolicy: RESTART
      containers:
      - name: web
        image: registry.example.com/web:1.0
`
	workloads := map[string]struct{ manifest, restart string }{
		"Deployment": {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: APP}\nspec:\n  replicas: 2\n" +
			"  selector: {matchLabels: {app: APP}}\n  template:\n", "Always"},
		"Job": {"apiVersion: batch/v1\nkind: Job\nmetadata: {name: APP}\nspec:\n  template:\n", "Never"},
		"CronJob": {"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: APP}\nspec:\n  schedule: \"* * * * *\"\n" +
			"  jobTemplate:\n    spec:\n      template:\n", "Never"},
	}
	for kind, w := range workloads {
		t.Run(kind, func(t *testing.T) {
			app := strings.ToLower(kind)
			tpl := template
			if kind == "CronJob" { // two levels deeper
				tpl = indent(template, "    ")
			}
			manifest := strings.ReplaceAll(w.manifest+tpl, "APP", app)
			manifest = strings.ReplaceAll(manifest, "RESTART", w.restart)
			requireAllowed(t, kubectl(t, manifest, "apply", "-n", ns, "-f", "-"))
			want := 1
			if kind == "Deployment" {
				want = 2
			}
			// A CronJob's first Job starts at the next full minute.
			pods := waitPods(t, ns, app, count(want))
			for _, p := range pods {
				if len(p.OwnerReferences) == 0 {
					t.Errorf("pod %s has no owner: not created by a controller", p.Name)
				}
				mutated := p.Annotations["istio-guardrail.io/mutated"]
				for _, id := range []string{"IGR901", "IGR902", "IGR903"} {
					if !strings.Contains(mutated, id) {
						t.Errorf("pod %s: istio-guardrail.io/mutated = %q, want %s", p.Name, mutated, id)
					}
				}
			}
			r := kubectl(t, "", "get", kind, app, "-n", ns, "-o", "jsonpath={.metadata.annotations}{.spec..template.metadata.annotations}")
			requireAllowed(t, r)
			if strings.Contains(r.Stdout, "istio-guardrail.io/mutated") || strings.Contains(r.Stdout, "sidecar.istio.io/proxyCPU") {
				t.Errorf("mutation.workloads is false, yet the %s or its template was mutated: %s", kind, r.Stdout)
			}
		})
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}
