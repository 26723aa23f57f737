package attack

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/istio-guardrail/istio-guardrail/config"
	"github.com/istio-guardrail/istio-guardrail/webhooks"
)

// TestUniqueKindsAddNoSeries sends 100,000 reviews, each with a kind and an
// operation never seen before, through the real validating handler. Before
// the fix each made a new istio_guardrail_requests_total series (100,005
// series, a 9 MB /metrics); now they all land on kind="other" and
// operation="other".
func TestUniqueKindsAddNoSeries(t *testing.T) {
	const n = 100_000
	g := newGuardrail(t, config.Default())
	h := webhooks.NewReviewHandler(g.validator, 0, nil)
	send := func(i int) {
		kind := fmt.Sprintf("Forged%d", i)
		gvk := metav1.GroupVersionKind{Group: fmt.Sprintf("g%d.example.io", i), Version: "v1", Kind: kind}
		raw := []byte(`{"apiVersion":"g` + fmt.Sprint(i) + `.example.io/v1","kind":"` + kind + `","metadata":{"name":"x"}}`)
		op := admissionv1.Operation(fmt.Sprintf("OP%d", i))
		if i%2 == 0 {
			op = admissionv1.Create
		}
		if code, _ := post(t, h, review(t, fmt.Sprint(i), op, gvk, "ns", "x", raw)); code != http.StatusOK {
			t.Fatalf("review %d: HTTP %d", i, code)
		}
	}
	for i := range 10 {
		send(i)
	}
	before := seriesOf(t, g.reg, webhooks.MetricRequests)
	for i := 10; i < n; i++ {
		send(i)
	}
	after := seriesOf(t, g.reg, webhooks.MetricRequests)
	t.Logf("%d reviews with unique kinds and operations: %d series before, %d after", n, before, after)
	if after != before {
		t.Errorf("%d unique kinds added %d series to %s", n, after-before, webhooks.MetricRequests)
	}
	if got := counterValue(t, g.reg, webhooks.MetricRequests, map[string]string{"kind": "other", "operation": "other"}); got < n/2-10 {
		t.Errorf("kind=other,operation=other counted %.0f, want about %d", got, n/2)
	}
}

// TestDecisionLogFieldsAreBounded sends a review whose kind, name,
// namespace and user are 100 KB each: the decision log keeps a bounded
// prefix of each.
func TestDecisionLogFieldsAreBounded(t *testing.T) {
	g := newGuardrail(t, config.Default())
	h := webhooks.NewReviewHandler(g.validator, 0, nil)
	long := strings.Repeat("a", 100_000)
	body := review(t, "u", admissionv1.Create, metav1.GroupVersionKind{Group: "x.io", Version: "v1", Kind: long}, long, long,
		[]byte(`{"apiVersion":"x.io/v1","kind":"`+long+`","metadata":{"name":"x"}}`))
	body = []byte(strings.Replace(string(body), `"request":{`, `"request":{"userInfo":{"username":"`+long+`"},`, 1))
	if code, _ := post(t, h, body); code != http.StatusOK {
		t.Fatalf("HTTP %d", code)
	}
	entries := g.logs.FilterMessage("admission decision").All()
	if len(entries) != 1 {
		t.Fatalf("%d decision lines, want 1", len(entries))
	}
	for k, v := range entries[0].ContextMap() {
		if s, ok := v.(string); ok && len(s) > 600 {
			t.Errorf("decision log field %s is %d bytes", k, len(s))
		}
	}
}

// TestHugeVirtualServiceWarningsAreCapped validates a VirtualService with
// 40,000 routes without a timeout (IGR705 warns on each): the answer
// carries at most MaxWarnings warnings and one summary, within the API
// server's 4 KiB of warnings per request.
func TestHugeVirtualServiceWarningsAreCapped(t *testing.T) {
	const routes = 40_000
	var b strings.Builder
	b.WriteString(`{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"big","namespace":"shop"},"spec":{"hosts":["a"],"http":[`)
	for i := range routes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"route":[{"destination":{"host":"a"}}]}`)
	}
	b.WriteString(`]}}`)
	g := newGuardrail(t, config.Default())
	h := webhooks.NewReviewHandler(g.validator, 0, nil)
	body := review(t, "vs", admissionv1.Create, metav1.GroupVersionKind{Group: "networking.istio.io", Version: "v1", Kind: "VirtualService"},
		"shop", "big", []byte(b.String()))
	code, resp := post(t, h, body)
	if code != http.StatusOK || !resp.Allowed {
		t.Fatalf("HTTP %d, response %+v", code, resp)
	}
	total := 0
	for _, w := range resp.Warnings {
		total += len(w)
	}
	t.Logf("%d-route VirtualService (%d KiB): %d warnings, %d bytes; last: %q", routes, len(body)>>10, len(resp.Warnings), total, resp.Warnings[len(resp.Warnings)-1])
	if len(resp.Warnings) > webhooks.MaxWarnings+1 {
		t.Errorf("%d warnings, want at most %d", len(resp.Warnings), webhooks.MaxWarnings+1)
	}
	if total > 4096 {
		t.Errorf("warnings total %d bytes, over the API server's 4096", total)
	}
	// The summary counts exactly what was not shown (the count cap or the
	// byte cap, whichever comes first).
	shown := len(resp.Warnings) - 1
	if last := resp.Warnings[shown]; !strings.Contains(last, fmt.Sprintf("and %d more", routes-shown)) {
		t.Errorf("last warning %q does not summarise the %d others", last, routes-shown)
	}
}
