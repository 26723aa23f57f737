module github.com/istio-guardrail/istio-guardrail/hack/tools/istio

go 1.26.8

// Test-only pin: nothing imports istio.io/istio. The module is downloaded (see
// hack/istio-src.sh) only for its files: the istiod and gateway Helm charts and
// the injector sources the tests compare against. The module proxy serves it as
// a pseudo-version (istio.io/istio has no semver tags usable by Go).
require istio.io/istio v0.0.0-20260827124520-eed52ebb66ad
