//go:build tools

// Package tools pins the Go vulnerability database that `make vulncheck`
// scans against: the OSV entries in golang.org/x/vulndb's data/osv folder at
// the pseudo-version in go.mod, and the cmd/indexdb of that same version,
// which turns them into the v1 database folder govulncheck reads with
// -db file://... (see hack/vulncheck.sh). To refresh the data, bump the pin:
//
//	cd hack/tools/vulndb && go get golang.org/x/vulndb@latest && go mod tidy
package tools

import _ "golang.org/x/vulndb/cmd/indexdb"
