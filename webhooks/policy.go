package webhooks

import (
	"errors"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Evaluator is the part of *policy.Engine the handlers use.
type Evaluator interface {
	// Validate runs the validation rules on obj.
	Validate(ctx *policy.Context, obj *policy.Object) policy.Result
	// Mutate applies the mutators to obj.Body in place.
	Mutate(ctx *policy.Context, obj *policy.Object) (policy.MutationResult, error)
}

// Decoder turns the JSON of one object into a policy.Object (package
// manifest's FromJSON, shared with the CLI so verdicts cannot differ). Body
// is nil for kinds the engine does not know.
type Decoder func(raw []byte) (*policy.Object, error)

// errNoPolicy is reported until a first valid configuration is in force.
var errNoPolicy = errors.New("no valid configuration loaded yet")

// Policy holds the engine in force. A new valid configuration replaces it
// atomically; an invalid one is counted and logged while the last good
// engine stays in force. Safe for concurrent use.
type Policy struct {
	cur     atomic.Pointer[evaluatorBox]
	metrics *Metrics
	log     *zap.Logger
}

type evaluatorBox struct{ e Evaluator }

// NewPolicy returns an empty Policy; Set installs the first engine.
func NewPolicy(m *Metrics, log *zap.Logger) *Policy {
	if log == nil {
		log = zap.NewNop()
	}
	return &Policy{metrics: m, log: log}
}

// Set installs e as the engine in force and counts a successful reload.
func (p *Policy) Set(e Evaluator) {
	p.cur.Store(&evaluatorBox{e: e})
	p.metrics.configReload("success")
	p.log.Info("configuration in force")
}

// Reject counts and logs a configuration that failed to load or compile;
// the engine in force does not change.
func (p *Policy) Reject(err error) {
	p.metrics.configReload("failure")
	p.log.Error("configuration rejected; keeping the last good one", zap.Error(err))
}

// Current returns the engine in force, or nil before the first Set.
func (p *Policy) Current() Evaluator {
	if b := p.cur.Load(); b != nil {
		return b.e
	}
	return nil
}

// Ready returns an error until a valid configuration is in force.
func (p *Policy) Ready() error {
	if p.Current() == nil {
		return errNoPolicy
	}
	return nil
}
