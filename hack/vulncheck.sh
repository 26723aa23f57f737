#!/usr/bin/env bash
# `make vulncheck`: govulncheck on the module's source (./...) and on the built
# bin/istio-guardrail (binary mode), against a Go vulnerability database built
# here from the Go module proxy, so the scan needs no access to the public
# database. Exits non-zero (govulncheck's 3) when anything is found.
#
# The data is the data/osv folder of golang.org/x/vulndb at the pseudo-version
# pinned in hack/tools/vulndb/go.mod; that module's cmd/indexdb turns it into
# the v1 database folder govulncheck reads with -db file://... Both are built
# into bin/ (git-ignored) once, and again only when the pin changes (the stamp
# file bin/vulndb.version holds the version they were built from).
#
# GOVULNDB=<url> (e.g. https://vuln.go.dev) scans against that database instead.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
BIN="$ROOT/bin"
mkdir -p "$BIN"
GOVULNCHECK_VERSION=v1.9.0
TOOLS="$ROOT/hack/tools/vulndb"
# Take the Go toolchain go.mod's toolchain line names (a patched release; see
# the README), also where `go env GOTOOLCHAIN` is "local": both the source scan
# (which reads the standard library's version from `go env GOVERSION`) and the
# binary it scans must be of that release.
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

step() { printf '[vulncheck] %s\n' "$*" >&2; }

# govulncheck, rebuilt when GOVULNCHECK_VERSION changes.
if [[ ! -x "$BIN/govulncheck" || "$(cat "$BIN/govulncheck.version" 2>/dev/null)" != "$GOVULNCHECK_VERSION" ]]; then
  step "building govulncheck $GOVULNCHECK_VERSION (once)..."
  start=$SECONDS
  GOBIN="$BIN" CGO_ENABLED=0 go install -trimpath "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION"
  echo "$GOVULNCHECK_VERSION" > "$BIN/govulncheck.version"
  step "built govulncheck in $((SECONDS - start))s"
fi

if [[ -n "${GOVULNDB:-}" ]]; then
  DB="$GOVULNDB"
else
  # The pinned version and its commit time, without touching the network
  # when the module is already in the module cache.
  read -r PIN PIN_TIME < <(cd "$TOOLS" && go list -m -f '{{.Version}} {{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' golang.org/x/vulndb)
  DBDIR="$BIN/vulndb"
  if [[ ! -f "$DBDIR/index/db.json" || "$(cat "$BIN/vulndb.version" 2>/dev/null)" != "$PIN" ]]; then
    step "building the vulnerability database from golang.org/x/vulndb@$PIN (once per pin)..."
    start=$SECONDS
    (cd "$TOOLS" && CGO_ENABLED=0 go build -trimpath -o "$BIN/indexdb" golang.org/x/vulndb/cmd/indexdb)
    step "  built indexdb in $((SECONDS - start))s"
    osv="$(cd "$TOOLS" && go mod download golang.org/x/vulndb && go list -m -f '{{.Dir}}' golang.org/x/vulndb)/data/osv"
    [[ -d "$osv" ]] || { step "no OSV folder at $osv"; exit 1; }
    rm -rf "$DBDIR.tmp"
    "$BIN/indexdb" -vulns "$osv" -out "$DBDIR.tmp"
    # indexdb leaves the database's "modified" time at zero; stamp it with the
    # pinned commit's time so govulncheck's "DB updated:" line tells how old
    # the data is.
    printf '{"modified":"%s"}' "$PIN_TIME" > "$DBDIR.tmp/index/db.json"
    gzip -n -c "$DBDIR.tmp/index/db.json" > "$DBDIR.tmp/index/db.json.gz"
    rm -rf "$DBDIR"
    mv "$DBDIR.tmp" "$DBDIR"
    echo "$PIN" > "$BIN/vulndb.version"
    step "built the database ($(ls "$osv" | wc -l) entries, data of $PIN_TIME) in $((SECONDS - start))s"
  fi
  DB="file://$DBDIR"
fi

[[ -x "$BIN/istio-guardrail" ]] || { step "bin/istio-guardrail is missing: run make build (make vulncheck does)"; exit 1; }

step "source scan of ./..."
"$BIN/govulncheck" -db "$DB" -show version ./...
# The binary is stripped (-s -w, as the image's), so govulncheck reports every
# known vulnerability of each module and Go release linked into it, called or not.
step "binary scan of bin/istio-guardrail"
"$BIN/govulncheck" -db "$DB" -show version -mode binary "$BIN/istio-guardrail"
