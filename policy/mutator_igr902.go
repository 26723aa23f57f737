package policy

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"istio.io/api/annotation"
	corev1 "k8s.io/api/core/v1"
)

// IGR902 parameter names and pre-stop actions.
const (
	paramPreStopSeconds   = "preStopSeconds"
	paramPreStopAction    = "preStopAction"
	paramTerminationDrain = "terminationDrainDuration"

	preStopSleep = "sleep" // the Kubernetes sleep action (GA in 1.32, beta on by default since 1.30)
	preStopExec  = "exec"  // `sleep N` run in the container, for older clusters
)

// defaultTerminationDrain is IGR902's default proxy drain. Istio's own default
// is 5s, but with a classic sidecar the kubelet sends SIGTERM to istio-proxy
// at once while the application is still in its 15s preStop sleep: a 5s drain
// would stop the proxy under the application mid-shutdown. 20s covers the
// preStop window plus Istio's 5s for in-flight requests.
const defaultTerminationDrain = 20 * time.Second

// IGR902Params are the parameters of IGR902.
type IGR902Params struct {
	PreStopSeconds           int           `yaml:"preStopSeconds" desc:"seconds the preStop hook sleeps"`
	PreStopAction            string        `yaml:"preStopAction" desc:"preStop action: sleep (Kubernetes >= 1.30) or exec"`
	TerminationDrainDuration time.Duration `yaml:"terminationDrainDuration" desc:"proxy terminationDrainDuration"`
}

func mutatorIGR902() *Mutator {
	return &Mutator{
		ID:    igr902,
		Title: "Graceful drain",
		Description: "Adds a `preStop` hook (the Kubernetes `sleep` action, or an `exec` of `sleep` for older " +
			"clusters) to application containers that have none, so endpoints are removed before the application " +
			"stops; merges `terminationDrainDuration` into `" + annotation.ProxyConfig.Name + "` when the user has " +
			"not set it; and raises (never lowers) `terminationGracePeriodSeconds` to cover preStop plus drain. " +
			"Never adds a preStop to `istio-proxy` or to native sidecars: Istio drains those itself.",
		Targets:        podAndWorkloadKinds(),
		DefaultEnabled: true,
		Params:         ParamsOf(IGR902Params{PreStopSeconds: 15, PreStopAction: preStopSleep, TerminationDrainDuration: defaultTerminationDrain}),
		Apply:          applyWith(applyIGR902),
		Validate:       validateWith(validateIGR902),
		Notes:          notesWith(notesIGR902),
	}
}

func validateIGR902(p *IGR902Params) error {
	if s := p.PreStopSeconds; s < 1 || s > 3600 {
		return fmt.Errorf("%s %d must be between 1 and 3600", paramPreStopSeconds, s)
	}
	if a := p.PreStopAction; a != preStopSleep && a != preStopExec {
		return fmt.Errorf("%s %q must be %q or %q", paramPreStopAction, a, preStopSleep, preStopExec)
	}
	if d := p.TerminationDrainDuration; d <= 0 || d > time.Hour {
		return errors.New(paramTerminationDrain + " must be positive and at most 1h")
	}
	return nil
}

func applyIGR902(_ *Context, obj *Object, p *IGR902Params) (bool, error) {
	pt, ok := PodTemplateOf(obj)
	if !ok {
		return false, nil
	}
	pc := proxyConfigOf(pt)
	a := addPreStops(pt.Spec, p)
	b := mergeIntoProxyConfig(pt, pc, FieldTerminationDrain(), ProtoDuration(p.TerminationDrainDuration))
	c := raiseGracePeriod(pt.Spec, int64(p.PreStopSeconds)+drainSeconds(pc, p))
	return a || b || c, nil
}

// addPreStops gives every application container without a preStop hook one.
// istio-proxy is skipped; native sidecars live in initContainers, never touched.
func addPreStops(spec *corev1.PodSpec, p *IGR902Params) bool {
	changed := false
	for i := range spec.Containers {
		c := &spec.Containers[i]
		if c.Name == IstioProxyContainer || (c.Lifecycle != nil && c.Lifecycle.PreStop != nil) {
			continue
		}
		if c.Lifecycle == nil {
			c.Lifecycle = &corev1.Lifecycle{}
		}
		c.Lifecycle.PreStop = preStopHandler(p)
		changed = true
	}
	return changed
}

// preStopHandler builds the configured preStop hook.
func preStopHandler(p *IGR902Params) *corev1.LifecycleHandler {
	secs := p.PreStopSeconds
	if p.PreStopAction == preStopExec {
		return &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sleep", strconv.Itoa(secs)}}}
	}
	return &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: int64(secs)}}
}

// drainSeconds is the proxy drain the pod gets, in whole seconds: the user's
// terminationDrainDuration when set and readable, else the configured one.
func drainSeconds(pc proxyConfig, p *IGR902Params) int64 {
	d := p.TerminationDrainDuration
	if user, ok := pc.duration(FieldTerminationDrain()); ok && user >= 0 {
		d = user
	}
	return int64(math.Ceil(d.Seconds()))
}

// raiseGracePeriod sets terminationGracePeriodSeconds to need when the
// effective value (30s when unset) is smaller. It never lowers it.
func raiseGracePeriod(spec *corev1.PodSpec, need int64) bool {
	have := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if spec.TerminationGracePeriodSeconds != nil {
		have = *spec.TerminationGracePeriodSeconds
	}
	if have >= need {
		return false
	}
	spec.TerminationGracePeriodSeconds = &need
	return true
}

func notesIGR902(_ *Context, obj *Object, p *IGR902Params) []string {
	pt, ok := PodTemplateOf(obj)
	if !ok {
		return nil
	}
	if n := proxyConfigNote(pt, FieldTerminationDrain(), ProtoDuration(p.TerminationDrainDuration)); n != "" {
		return []string{n}
	}
	return nil
}
