package policy

import (
	"fmt"
	"regexp"
	"strconv"
)

// IstioVersion is the Istio minor release whose behaviour the engine follows
// where Istio's behaviour changed between releases (Settings.IstioVersion,
// the configuration's istioVersion). Each difference is a method here, named
// after what changed, with the release that changed it.
type IstioVersion struct{ Minor int }

// Oldest and newest Istio minor releases whose behaviour the catalogue has
// been checked against (the second is the istio.io/api and istio.io/istio
// line it is built on). A newer release is judged as the newest known one.
const (
	oldestIstioMinor = 24
	newestIstioMinor = 31
)

// DefaultIstioVersion is the release judged when the configuration names none.
var DefaultIstioVersion = IstioVersion{Minor: newestIstioMinor}

var istioVersionRE = regexp.MustCompile(`^v?1\.(\d{1,3})(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?$`)

// ParseIstioVersion reads "1.26", "1.26.3", "v1.26" or "1.27.0-rc.0"; "" is
// the default. Releases older than the oldest known one are refused: the
// catalogue has not been checked against them.
func ParseIstioVersion(s string) (IstioVersion, error) {
	if s == "" {
		return DefaultIstioVersion, nil
	}
	m := istioVersionRE.FindStringSubmatch(s)
	if m == nil {
		return IstioVersion{}, fmt.Errorf("istioVersion %q: want a release such as \"1.%d\"", s, newestIstioMinor)
	}
	minor, _ := strconv.Atoi(m[1])
	if minor < oldestIstioMinor {
		return IstioVersion{}, fmt.Errorf("istioVersion %q: releases before 1.%d are not supported", s, oldestIstioMinor)
	}
	return IstioVersion{Minor: minor}, nil
}

// String renders the release as "1.N".
func (v IstioVersion) String() string { return "1." + strconv.Itoa(v.Minor) }

// orDefault is v, or the default for the zero value.
func (v IstioVersion) orDefault() IstioVersion {
	if v.Minor == 0 {
		return DefaultIstioVersion
	}
	return v
}

// strictInjectValues: from 1.27 the injector reads sidecar.istio.io/inject as
// exactly "true" or "false" and any other value falls back to the default
// policy; up to 1.26 "y", "yes", "true" and "on" (any case) inject and every
// other non-empty value disables injection (istio/istio#56737).
func (v IstioVersion) strictInjectValues() bool { return v.orDefault().Minor >= 27 }

// nativeSidecarsAuto: from 1.27 ENABLE_NATIVE_SIDECARS is "true", "false" or
// "auto" (the default: native where every kubelet supports it); up to 1.26 it
// is a boolean that defaults to false (istio/istio#56428).
func (v IstioVersion) nativeSidecarsAuto() bool { return v.orDefault().Minor >= 27 }
