# istio-guardrail. `make demo` runs it; `make test` tests it. Both install what
# they need (hack/build-tools.sh builds etcd, kube-apiserver, kubectl and helm
# from the Go module proxy into bin/, once).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

BIN        := $(CURDIR)/bin
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The same flags are used by the Dockerfile: a static, reproducible binary.
GO_BUILD   := CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$(VERSION)"
export KUBEBUILDER_ASSETS := $(BIN)
# go.mod's toolchain line names the patched Go release this module is built and
# scanned with; "auto" makes the go command switch to it (fetched once through
# the module proxy) even where `go env GOTOOLCHAIN` says "local".
export GOTOOLCHAIN ?= auto
export PATH := $(BIN):$(PATH)
# One build configuration for every go command make runs (the binary, the
# test binaries, fuzzing, the CLI the golden tests build, govulncheck): static
# and path-free like the shipped binary, so each package is compiled once
# instead of once per configuration (cold: test binaries 80 s instead of
# 205 s after `make build`, see the README).
export CGO_ENABLED := 0
export GOFLAGS := $(strip -trimpath $(GOFLAGS))

.PHONY: build
build: ## Build bin/istio-guardrail.
	$(GO_BUILD) -o $(BIN)/istio-guardrail ./cmd/istio-guardrail

.PHONY: tools
tools: ## Build etcd, kube-apiserver, kube-controller-manager, kubectl, helm, pilot-discovery and istioctl into bin/ (first run: see the README).
	./hack/build-tools.sh

.PHONY: test
test: tools build vulncheck ## govulncheck, unit, golden, chart, reliability, e2e suites and a short fuzz run (the CI command).
	go test -count=1 -timeout 25m ./...
	# A short fuzz run: 1000 new inputs per target. A count, not a duration:
	# a time-bounded run of a slow target can end in Go's "context deadline
	# exceeded" although nothing failed.
	./hack/fuzz.sh 1000x

.PHONY: test-unit
test-unit: ## Unit and golden tests only (no API server).
	go test -count=1 -short ./policy/... ./config/... ./manifest/... ./report/... ./webhooks/... ./certs/... ./cmd/...

.PHONY: test-e2e
test-e2e: tools build ## End-to-end suite against a real kube-apiserver.
	go test -count=1 -timeout 20m -v ./test/e2e/...

.PHONY: golden
golden: build ## Rewrite golden files from the current code.
	UPDATE_GOLDEN=1 go test -count=1 ./test/golden/... ./policy/...

.PHONY: bench
bench: tools build ## Benchmarks and the loopback load run; results go in BENCHMARKS.md.
	./hack/bench.sh

.PHONY: bench-peers
bench-peers: tools build ## check side by side with istioctl analyze and kyverno apply on generated 1k/10k/100k corpora (not part of make test).
	./hack/bench-peers.sh

.PHONY: bench-all
bench-all: tools build ## Every benchmark of BENCHMARKS.md in one go: bench, bench-peers at 1k/10k/100k and check at 1M (30-45 min; not part of make test).
	./hack/bench-all.sh

.PHONY: fuzz
fuzz: ## Longer fuzzing runs (60s per target).
	./hack/fuzz.sh 60s

.PHONY: docs
docs: build ## Regenerate docs/rules.md from the rule registry, the README's and the chart's policy forms, and the chart README's values table.
	$(BIN)/istio-guardrail rules -o markdown > docs/rules.md
	UPDATE_GOLDEN=1 go test -count=1 -run 'TestREADMETable|TestChartFile' ./admissionpolicy/
	UPDATE_GOLDEN=1 go test -count=1 -run 'TestREADMEValuesTableIsGenerated' ./test/chartextras/
	UPDATE_GOLDEN=1 go test -count=1 -run 'TestValuesSchemaIsGenerated' ./config/

.PHONY: lint
lint: ## go vet and golangci-lint.
	go vet ./...
	@test -x $(BIN)/golangci-lint || GOBIN=$(BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
	$(BIN)/golangci-lint run ./...

.PHONY: chart-lint
chart-lint: tools ## helm lint --strict the chart.
	$(BIN)/helm lint --strict --kube-version v1.37.2 charts/istio-guardrail

.PHONY: vulncheck
vulncheck: build ## govulncheck on ./... and bin/istio-guardrail against the pinned local vulnerability database (GOVULNDB=<url> overrides).
	./hack/vulncheck.sh

.PHONY: verify
verify: docs vulncheck ## Regenerate generated files and fail if anything changed.
	git diff --exit-code -- docs/ README.md charts/istio-guardrail/files/ charts/istio-guardrail/values.schema.json
	gofmt -l . | (! grep .)

.PHONY: demo
demo: tools build ## Local control plane with the webhook enforcing; prints KUBECONFIG.
	./hack/demo.sh up

.PHONY: demo-down
demo-down: ## Stop the demo and remove its state.
	./hack/demo.sh down

.PHONY: help
help:
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'
