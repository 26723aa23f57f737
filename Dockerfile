# syntax=docker/dockerfile:1
# The istio-guardrail image: a static binary built with exactly the flags of
# `make build` (test/chart checks that they stay equal), on a distroless,
# non-root base with no shell and no package manager.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t istio-guardrail .

# The builder is go.mod's toolchain release (a patched Go; test/chart checks it):
# the golang images set GOTOOLCHAIN=local, so the tag is what the binary gets.
FROM golang:1.26.11 AS build
WORKDIR /src
# Dependencies first, so source edits do not invalidate the module cache layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/istio-guardrail ./cmd/istio-guardrail

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/istio-guardrail /istio-guardrail
# The distroless "nonroot" user; matches runAsUser/runAsGroup in the chart.
USER 65532:65532
EXPOSE 9443 8080 8081
ENTRYPOINT ["/istio-guardrail"]
CMD ["serve"]
