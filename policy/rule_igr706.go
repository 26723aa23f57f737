package policy

import (
	"fmt"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// IGR706Params are the parameters of IGR706.
type IGR706Params struct {
	MaxDuration                   time.Duration `yaml:"maxDuration" desc:"longest allowed spec.duration"`
	MinRSASize                    int           `yaml:"minRSASize" desc:"smallest allowed RSA key size in bits"`
	MinECDSASize                  int           `yaml:"minECDSASize" desc:"smallest allowed ECDSA key size in bits"`
	RequireExplicitRotationPolicy bool          `yaml:"requireExplicitRotationPolicy" desc:"report an unset privateKey.rotationPolicy (cert-manager before 1.18 defaults it to Never)"`
}

func ruleIGR706() *Rule {
	return &Rule{
		ID:    "IGR706",
		Title: "cert-manager Certificate with weak lifetime, renewal or key settings",
		Description: "Certificates used by gateways and workloads should be short-lived, renewed ahead of expiry " +
			"and re-keyed on renewal. The rule rejects a `duration` above `maxDuration` (unset means cert-manager's " +
			"90 days, which is fine), `renewal.policy: Disabled`, `privateKey.rotationPolicy: Never` (a renewed " +
			"certificate keeps the old, possibly leaked key), and RSA keys under `minRSASize` or ECDSA keys under " +
			"`minECDSASize` bits (an unset algorithm is RSA; an unset size is cert-manager's 2048/256). " +
			"An unset `rotationPolicy` is accepted because cert-manager 1.18 and later default it to `Always`; set " +
			"`requireExplicitRotationPolicy` on clusters running older releases, where the default was `Never`. " +
			"A certificate without `renewBefore` or `renewBeforePercentage` is a warning only: cert-manager then " +
			"renews at two thirds of the lifetime, which works but leaves the renewal margin implicit.",
		Remediation:   "set duration <= 2160h, renewBefore, privateKey.rotationPolicy: Always and an RSA >= 2048 or ECDSA >= 256 key",
		Istio:         "cert-manager v1 Certificate API (not Istio): duration default 90d, `privateKey.rotationPolicy` default Always since 1.18.",
		Targets:       []Kind{KindCertificate},
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Params:        ParamsOf(IGR706Params{MaxDuration: 2160 * time.Hour, MinRSASize: 2048, MinECDSASize: 256}),
		Check: checkWith(func(_ *Context, obj *Object, p *IGR706Params) []Violation {
			c, ok := obj.Body.(*cmapi.Certificate)
			if !ok || c == nil {
				return nil
			}
			spec := field.NewPath("spec")
			out := igr706Lifetime(spec, &c.Spec, p.MaxDuration)
			return append(out, igr706Key(spec.Child("privateKey"), c.Spec.PrivateKey, p)...)
		}),
	}
}

// igr706Lifetime checks duration and renewal.
func igr706Lifetime(spec *field.Path, s *cmapi.CertificateSpec, maxDuration time.Duration) []Violation {
	var out []Violation
	if s.Duration != nil && s.Duration.Duration > maxDuration {
		out = append(out, Invalid(spec.Child("duration"), s.Duration.Duration.String(), "must be at most "+maxDuration.String()))
	}
	if s.Renewal != nil && s.Renewal.Policy == cmapi.CertificateRenewalPolicyDisabled {
		out = append(out, Invalid(spec.Child("renewal", "policy"), string(s.Renewal.Policy), "means the certificate is never renewed"))
	} else if s.RenewBefore == nil && s.RenewBeforePercentage == nil {
		out = append(out, Required(spec.Child("renewBefore"), "is unset, as is renewBeforePercentage: the renewal margin is implicit").AsAdvisory())
	}
	return out
}

// igr706Key checks the private key's rotation policy, algorithm and size.
func igr706Key(p *field.Path, k *cmapi.CertificatePrivateKey, params *IGR706Params) []Violation {
	var out []Violation
	var key cmapi.CertificatePrivateKey
	if k != nil {
		key = *k
	}
	switch {
	case key.RotationPolicy == cmapi.RotationPolicyNever:
		out = append(out, Invalid(p.Child("rotationPolicy"), string(key.RotationPolicy), "must be Always"))
	case key.RotationPolicy == "" && params.RequireExplicitRotationPolicy:
		out = append(out, Required(p.Child("rotationPolicy"), "must be Always (older cert-manager defaults to Never)"))
	}
	minSize := 0
	switch key.Algorithm {
	case "", cmapi.RSAKeyAlgorithm:
		minSize = params.MinRSASize
	case cmapi.ECDSAKeyAlgorithm:
		minSize = params.MinECDSASize
	}
	if key.Size != 0 && key.Size < minSize {
		alg := key.Algorithm
		if alg == "" {
			alg = cmapi.RSAKeyAlgorithm
		}
		out = append(out, Invalid(p.Child("size"), key.Size, fmt.Sprintf("is too small for %s; must be at least %d", alg, minSize)))
	}
	return out
}
