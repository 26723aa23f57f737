package policy

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR304 prefers credentialName (SDS) over key material mounted as files.
func ruleIGR304() *Rule {
	return &Rule{
		ID:    "IGR304",
		Title: "Gateway TLS key material from files instead of credentialName",
		Description: "A Gateway server in mode SIMPLE, MUTUAL or OPTIONAL_MUTUAL that reads its certificate, key or " +
			"CA bundle from file paths (`serverCertificate`, `privateKey`, `caCertificates`, `tlsCertificates[]`) " +
			"instead of `credentialName` needs the secret mounted into the gateway pods: the key lives in the " +
			"deployment's volumes, rotation needs a pod restart, and anyone who can edit the gateway deployment " +
			"can read it. With `credentialName` the gateway fetches the secret over SDS and picks up renewals " +
			"(for example from cert-manager) without restarts.",
		Remediation:   "put the certificate in a kubernetes.io/tls Secret and set tls.credentialName",
		Istio:         "ServerTLSSettings proto: `credentialName` (SDS) is mutually exclusive with file paths and picks up secret rotation without restarts.",
		Targets:       []Kind{KindGateway},
		DefaultAction: ActionWarn,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			return forEachGatewayServer(obj, checkGatewayCredentialSource)
		},
	}
}

// checkGatewayCredentialSource applies IGR304 to one server.
func checkGatewayCredentialSource(s *networkingapi.Server, path *field.Path) []Violation {
	tls := s.GetTls()
	if !gatewayTLSTerminates(tls) || tls.GetCredentialName() != "" || len(tls.GetCredentialNames()) > 0 {
		return nil
	}
	files := gatewayTLSFileFields(tls)
	if len(files) == 0 {
		return nil
	}
	return []Violation{Required(path.Child("tls", "credentialName"), "is unset; key material is read from files").
		WithFix("move " + strings.Join(files, ", ") + " into a kubernetes.io/tls Secret and set tls.credentialName")}
}

// gatewayTLSFileFields names the file-path fields set in tls, in API order.
func gatewayTLSFileFields(tls *networkingapi.ServerTLSSettings) []string {
	var names []string
	for _, f := range []struct {
		name, value string
	}{
		{"serverCertificate", tls.GetServerCertificate()},
		{"privateKey", tls.GetPrivateKey()},
		{"caCertificates", tls.GetCaCertificates()},
	} {
		if f.value != "" {
			names = append(names, f.name)
		}
	}
	if len(tls.GetTlsCertificates()) > 0 {
		names = append(names, "tlsCertificates")
	}
	return names
}
