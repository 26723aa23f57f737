#!/usr/bin/env bash
# Runs every Go fuzz target of the repository for a fixed time each.
#
# Usage: hack/fuzz.sh [DURATION]   (default 10s per target; `make fuzz` passes 60s)
#
# Targets are discovered, not listed: packages whose _test.go files declare
# `func Fuzz...` are asked for their targets with `go test -list`, and each
# target runs alone with `go test -run '^$' -fuzz '^Name$' -fuzztime DURATION`
# (go test allows one fuzz target per invocation). New inputs that fail are
# written by go test under the package's testdata/fuzz/<Name>/; commit them
# as seeds once fixed. Exits non-zero if any target fails; all targets run.
# Environment: FUZZ_PARALLEL (go test -parallel, default: GOMAXPROCS).
set -euo pipefail
cd "$(dirname "$0")/.."
# Build with go.mod's toolchain (a patched Go release; see the README) also
# where `go env GOTOOLCHAIN` is "local".
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

fuzztime=${1:-10s}
parallel=()
if [[ -n ${FUZZ_PARALLEL:-} ]]; then
	parallel=(-parallel "$FUZZ_PARALLEL")
fi
module=$(go list -m)

# Packages with fuzz targets: directories of _test.go files that declare one.
mapfile -t pkgs < <(grep -rl --include='*_test.go' -E '^func Fuzz[A-Z0-9_a-z]*\(' . \
	| grep -v '/testdata/' | xargs -r -n1 dirname | sort -u)
if [[ ${#pkgs[@]} -eq 0 ]]; then
	echo "hack/fuzz.sh: no fuzz targets found" >&2
	exit 1
fi

failed=()
total=0
for pkg in "${pkgs[@]}"; do
	# `go test -list` prints the matching names, then "ok <pkg> <time>".
	if ! listing=$(go test -list '^Fuzz' "$pkg" 2>&1); then
		echo "$listing" >&2
		failed+=("$pkg (does not compile)")
		continue
	fi
	for name in $(grep -E '^Fuzz' <<<"$listing"); do
		total=$((total + 1))
		echo "=== fuzz ${pkg#./} $name for $fuzztime" >&2
		if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "${parallel[@]}" "$pkg"; then
			failed+=("${module}/${pkg#./}.$name")
		fi
	done
done

if [[ ${#failed[@]} -gt 0 ]]; then
	echo "hack/fuzz.sh: ${#failed[@]} of $total fuzz targets failed:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "hack/fuzz.sh: $total fuzz targets passed ($fuzztime each)" >&2
