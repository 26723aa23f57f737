package audit

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// persistentListError reports whether a list or watch error will not go away
// by retrying: the request itself is refused (RBAC, authentication) or
// cannot be served as made. Everything else (timeouts, throttling, server
// errors, broken connections) is transient: the informer's reflector retries
// it with backoff, as it does for every informer.
func persistentListError(err error) bool {
	return apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || apierrors.IsNotFound(err) ||
		apierrors.IsMethodNotSupported(err) || apierrors.IsBadRequest(err) || apierrors.IsInvalid(err) ||
		apierrors.IsNotAcceptable(err) || apierrors.IsUnsupportedMediaType(err)
}

// listFix is the remediation of an error of verbs ("list and watch") on the resource of m.
func listFix(m *meta.RESTMapping, verbs string, err error) string {
	res := m.Resource.Resource
	if g := m.Resource.Group; g != "" {
		res += "." + g
	}
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Sprintf("grant the verbs %s on %s (ClusterRole rule: apiGroups [%q], resources [%q], verbs [%s])",
			verbs, res, m.Resource.Group, m.Resource.Resource, strings.ReplaceAll(verbs, " and", ","))
	case apierrors.IsUnauthorized(err):
		return "give the audit valid credentials (ServiceAccount token or kubeconfig)"
	case persistentListError(err):
		return fmt.Sprintf("check that the server serves %s as discovery says (a CRD removed or changed?)", res)
	}
	return fmt.Sprintf("check the API server's health and that %s can be listed (the audit keeps retrying)", res)
}

// ListError is the failure of audit to list one kind: the kind, the error
// and the fix.
type ListError struct {
	Mapping *meta.RESTMapping
	Err     error
}

func (e *ListError) Error() string {
	return fmt.Sprintf("cannot list %s (%s): %v (fix: %s)", e.Mapping.GroupVersionKind.GroupKind(), e.Mapping.Resource.GroupResource(),
		e.Err, listFix(e.Mapping, "list", e.Err))
}

func (e *ListError) Unwrap() error { return e.Err }

// kindErrors tracks the list and watch errors of the background audit's
// informers: each error is counted, the first of each kind is logged (with
// the kind, the error and the fix), and the last is kept so the reports can
// name it while the kind is unreadable.
type kindErrors struct {
	log     *zap.Logger
	metrics *listMetrics
	mu      sync.Mutex
	last    map[string]kindError // by GroupKind
	logged  map[string]int       // 1: a transient error logged, 2: a persistent one
}

type kindError struct {
	err        error
	persistent bool
	// rv is the informer's last synced resource version when the error
	// came: while it is unchanged, nothing has been listed or watched since.
	rv string
}

func newKindErrors(log *zap.Logger, metrics *listMetrics) *kindErrors {
	return &kindErrors{log: log, metrics: metrics, last: map[string]kindError{}, logged: map[string]int{}}
}

// observe records an error of m's informer (the reflector's watch error
// handler), whose last synced resource version is rv.
func (k *kindErrors) observe(m *meta.RESTMapping, rv string, err error) {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
		return // a watch closed or expired: the reflector lists again, as it always does
	}
	gk := m.GroupVersionKind.GroupKind().String()
	persistent := persistentListError(err)
	k.metrics.listError(gk)
	k.mu.Lock()
	k.last[gk] = kindError{err: err, persistent: persistent, rv: rv}
	// Once per kind, and once more if a kind logged as failing transiently
	// turns out to be refused.
	level := 1
	if persistent {
		level = 2
	}
	log := k.logged[gk] < level
	k.logged[gk] = max(k.logged[gk], level)
	k.mu.Unlock()
	if !log {
		return
	}
	fields := []zap.Field{zap.String("kind", gk), zap.String("resource", m.Resource.String()), zap.Error(err),
		zap.String("fix", listFix(m, "list and watch", err))}
	if persistent {
		k.log.Error("background audit cannot list or watch a kind: its objects are not judged, the reports name it", fields...)
	} else {
		k.log.Warn("background audit: list or watch of a kind failed, retrying", fields...)
	}
}

// get returns the last error of a kind.
func (k *kindErrors) get(gk string) (kindError, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.last[gk]
	return e, ok
}

// listMetrics counts list and watch errors by kind:
//
//	istio_guardrail_audit_list_errors_total{kind}  counter; kind: a kind of the audit's list (Kinds), as Kind.group
type listMetrics struct{ errors *prometheus.CounterVec }

func newListMetrics(reg prometheus.Registerer) *listMetrics {
	if reg == nil {
		return nil
	}
	m := &listMetrics{errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "istio_guardrail_audit_list_errors_total",
		Help: "List and watch errors of the background audit's informers, by kind (Kind.group)."}, []string{"kind"})}
	reg.MustRegister(m.errors)
	return m
}

func (m *listMetrics) listError(kind string) {
	if m != nil {
		m.errors.WithLabelValues(kind).Inc()
	}
}

// unreadable is a kind whose objects the audit could not judge.
type unreadable struct {
	m   *meta.RESTMapping
	err error
}

// anyIndexed reports whether a kind the cross-object rules read is unreadable.
func anyIndexed(u []unreadable) bool {
	for _, x := range u {
		if indexed(x.m) {
			return true
		}
	}
	return false
}

func indexed(m *meta.RESTMapping) bool {
	return slices.ContainsFunc(policy.IndexKinds(), func(k policy.Kind) bool { return k.GroupKind() == m.GroupVersionKind.GroupKind() })
}

func sortUnreadable(u []unreadable) {
	slices.SortFunc(u, func(a, b unreadable) int {
		return strings.Compare(a.m.GroupVersionKind.GroupKind().String(), b.m.GroupVersionKind.GroupKind().String())
	})
}
