package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"

	orv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/policy"
)

// Report metadata the background audit writes and reads back.
const (
	// ReportName is the name of the Report in each namespace and of the ClusterReport.
	ReportName = "istio-guardrail"
	// ReportSource is the reports' and results' source.
	ReportSource = "istio-guardrail"
	// LabelManagedBy marks the reports the background audit owns.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// AnnotationHash is the digest of a report's content (results, summary),
	// so that an unchanged report is never written again, also after a
	// change of leader.
	AnnotationHash = "istio-guardrail.io/report-hash"
	// AnnotationWriter names the replica (leader identity) that last wrote it.
	AnnotationWriter = "istio-guardrail.io/writer"
)

// judged is one object and its findings, for the reports.
type judged struct {
	ref      policy.ObjectRef
	findings []policy.Finding
}

// reportSet is what the background audit publishes: a Report per namespace
// that has findings (findings on a Namespace object go to that namespace's
// Report), and one ClusterReport for the other cluster-scoped objects.
type reportSet struct {
	namespaced map[string]*orv1alpha1.Report
	cluster    *orv1alpha1.ClusterReport
}

// buildReports turns the judged objects into reports of at most maxResults
// results each (errors, then failures first); summaries count every finding
// and, as pass, the judged objects without one. Each kind the audit could
// not list is an error result in every report, and the ClusterReport is
// published while there is one, so that no report reads as complete.
func buildReports(objs []judged, maxResults int, unread []unreadable) reportSet {
	type bucket struct {
		results []orv1alpha1.ReportResult
		summary orv1alpha1.ReportSummary
	}
	buckets := map[string]*bucket{}
	get := func(ns string) *bucket {
		if buckets[ns] == nil {
			buckets[ns] = &bucket{}
		}
		return buckets[ns]
	}
	for _, o := range objs {
		ns := o.ref.Namespace
		if o.ref.Kind == "Namespace" {
			ns = o.ref.Name
		}
		if len(o.findings) == 0 {
			get(ns).summary.Pass++ // a namespace without any finding gets no Report
			continue
		}
		b := get(ns)
		for _, f := range o.findings {
			r := resultOf(o.ref, f)
			switch r.Result {
			case resultFail:
				b.summary.Fail++
			default:
				b.summary.Warn++
			}
			b.results = append(b.results, r)
		}
	}
	if len(unread) > 0 {
		get("")
	}
	set := reportSet{namespaced: map[string]*orv1alpha1.Report{}}
	for ns, b := range buckets {
		if len(b.results) == 0 && (ns != "" || len(unread) == 0) {
			continue
		}
		for _, u := range unread {
			b.results = append(b.results, errorResult(u))
			b.summary.Error++
		}
		sortResults(b.results)
		cfg := &orv1alpha1.ReportConfiguration{Limits: orv1alpha1.Limits{MaxResults: maxResults}}
		if len(b.results) > maxResults {
			b.results = b.results[:maxResults]
		}
		if ns == "" {
			set.cluster = &orv1alpha1.ClusterReport{ObjectMeta: metav1.ObjectMeta{Name: ReportName}, Source: ReportSource,
				Configuration: cfg, Summary: b.summary, Results: b.results}
			continue
		}
		set.namespaced[ns] = &orv1alpha1.Report{ObjectMeta: metav1.ObjectMeta{Name: ReportName, Namespace: ns}, Source: ReportSource,
			Scope: &corev1.ObjectReference{APIVersion: "v1", Kind: "Namespace", Name: ns}, Configuration: cfg,
			Summary: b.summary, Results: b.results}
	}
	return set
}

const (
	resultFail  orv1alpha1.Result = "fail"
	resultWarn  orv1alpha1.Result = "warn"
	resultError orv1alpha1.Result = "error"
	// PolicyListError is the policy of the error results: a kind the audit
	// could not list (rule: the kind, Kind.group).
	PolicyListError = "istio-guardrail-list"
)

// errorResult is the error result of a kind the audit could not list.
func errorResult(u unreadable) orv1alpha1.ReportResult {
	gk := u.m.GroupVersionKind.GroupKind().String()
	what := "its objects are not judged: "
	if indexed(u.m) {
		what = "its objects are not judged and no cross-object rule concludes from an absence: "
	}
	return orv1alpha1.ReportResult{Source: ReportSource, Policy: PolicyListError, Rule: gk, Category: "istio-guardrail",
		Result: resultError, Severity: "high", Description: "cannot list " + gk + ": " + what + u.err.Error(),
		Properties: map[string]string{"kind": gk, "resource": u.m.Resource.GroupResource().String(), "remediation": listFix(u.m, "list and watch", u.err)}}
}

// resultOf maps a finding: deny is a failure (severity high), warn a
// warning (medium), audit a warning of severity info.
func resultOf(ref policy.ObjectRef, f policy.Finding) orv1alpha1.ReportResult {
	r := orv1alpha1.ReportResult{Source: ReportSource, Policy: f.Rule, Rule: f.Field, Category: "istio-guardrail",
		Subjects:    []corev1.ObjectReference{{APIVersion: ref.APIVersion, Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name}},
		Description: f.Message, Properties: map[string]string{"field": f.Field, "remediation": f.Remediation, "action": string(f.Action)}}
	switch f.Action {
	case policy.ActionDeny:
		r.Result, r.Severity = resultFail, "high"
	case policy.ActionWarn:
		r.Result, r.Severity = resultWarn, "medium"
	default:
		r.Result, r.Severity = resultWarn, "info"
	}
	return r
}

// sortResults orders errors first, then failures, then by object, rule and field.
func sortResults(rs []orv1alpha1.ReportResult) {
	rank := func(r orv1alpha1.Result) int {
		switch r {
		case resultError:
			return 0
		case resultFail:
			return 1
		}
		return 2
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if rank(a.Result) != rank(b.Result) {
			return rank(a.Result) < rank(b.Result)
		}
		if len(a.Subjects) == 0 || len(b.Subjects) == 0 { // errors: by kind
			return a.Rule < b.Rule
		}
		sa, sb := a.Subjects[0], b.Subjects[0]
		if sa.Kind+"/"+sa.Namespace+"/"+sa.Name != sb.Kind+"/"+sb.Namespace+"/"+sb.Name {
			return sa.Kind+"/"+sa.Namespace+"/"+sa.Name < sb.Kind+"/"+sb.Namespace+"/"+sb.Name
		}
		if a.Policy != b.Policy {
			return a.Policy < b.Policy
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Description < b.Description
	})
}

// contentHash digests what a report says (not when it was written).
func contentHash(summary orv1alpha1.ReportSummary, results []orv1alpha1.ReportResult) string {
	b, _ := json.Marshal(struct {
		S orv1alpha1.ReportSummary
		R []orv1alpha1.ReportResult
	}{summary, results})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
