package policy

import "strings"

func ruleIGR608() *Rule {
	return &Rule{
		ID:    "IGR608",
		Title: "No access log, or access log not JSON",
		Description: "Access logs are the record of who called what in the mesh; without them an incident cannot be " +
			"reconstructed, and text logs are hard to query reliably. The rule accepts `accessLogFile` with " +
			"`accessLogEncoding: JSON`, or `defaultProviders.accessLogging` naming providers that log structured " +
			"data (`envoyFileAccessLog` with `logFormat.labels`, or the gRPC/OpenTelemetry access log providers). " +
			"Access logging enabled only through a Telemetry resource is not visible here: exempt the source with a reason. " +
			cpMeshSourcesDoc,
		Remediation:   "set meshConfig.accessLogFile: /dev/stdout and meshConfig.accessLogEncoding: JSON",
		Istio:         "MeshConfig proto: `accessLogFile` unset means no access log; `accessLogEncoding` defaults to TEXT.",
		Targets:       cpMeshTargets(),
		DefaultAction: ActionDeny,
		CELGap:        celMeshConfig,
		Params:        ParamsOf(defaultMeshRoot()),
		Check: cpMeshCheck(func(src cpMeshSource, _ *MeshRootParams) []Violation {
			return igr608AccessLog(src.Mesh)
		}),
	}
}

// igr608AccessLog checks the file access log, else the default providers.
func igr608AccessLog(mesh cpNode) []Violation {
	file := mesh.get("accessLogFile")
	if s, _ := file.str(); strings.TrimSpace(s) != "" {
		return igr608Encoding(mesh)
	}
	names := mesh.get("defaultProviders", "accessLogging")
	if len(names.list()) == 0 {
		return []Violation{Required(file.path, "is unset, so no access log is written")}
	}
	var out []Violation
	for i := range names.list() {
		out = append(out, igr608Provider(mesh, names.at(i))...)
	}
	return out
}

// igr608Encoding checks accessLogEncoding is JSON (Istio's default is TEXT).
func igr608Encoding(mesh cpNode) []Violation {
	enc := mesh.get("accessLogEncoding")
	s, _ := enc.str()
	switch {
	case strings.EqualFold(s, "JSON"):
		return nil
	case enc.set:
		return []Violation{Invalid(enc.path, enc.val, "must be JSON")}
	default:
		return []Violation{Required(enc.path, "defaults to TEXT; must be JSON")}
	}
}

// igr608Provider checks one provider named in defaultProviders.accessLogging.
// Unknown names are left to istiod, which rejects them.
func igr608Provider(mesh, name cpNode) []Violation {
	want, _ := name.str()
	if want == "envoy" { // the built-in provider honours accessLogEncoding
		return igr608Encoding(mesh)
	}
	providers := mesh.get("extensionProviders")
	for i := range providers.list() {
		p := providers.at(i)
		if n, _ := p.get("name").str(); n != want {
			continue
		}
		file := p.get("envoyFileAccessLog")
		if !file.set {
			return nil // gRPC and OpenTelemetry providers are structured
		}
		if len(cpMap(file.get("logFormat", "labels").val)) > 0 {
			return nil
		}
		return []Violation{Required(file.path.Child("logFormat", "labels"), "must be set so the access log is JSON")}
	}
	return nil
}
