package policy

import (
	extensionsapi "istio.io/api/extensions/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ruleIGR708 requires WasmPlugin modules to be pinned by digest or checksum.
func ruleIGR708() *Rule {
	return &Rule{
		ID:    "IGR708",
		Title: "WasmPlugin module not pinned by digest",
		Description: "A WasmPlugin `url` that references an OCI image by tag (or without a scheme, which means " +
			"`oci://`) or an `http(s)://` file, with no `sha256`, runs whatever the registry serves when each proxy " +
			"fetches it: a pushed tag or a compromised registry changes the code in every proxy, and proxies started " +
			"at different times run different code. Pin it with `@sha256:` in the OCI reference or the `sha256` " +
			"field. `imagePullPolicy: Always` on an unpinned module (also the default for a `latest` tag) re-fetches " +
			"it whenever the plugin configuration changes, and is reported with it. `file://` modules ship inside the " +
			"proxy image and are not judged.",
		Remediation: "pin the module: reference the OCI image by @sha256: digest or set spec.sha256",
		Istio: "WasmPlugin proto: no scheme means oci://; `sha256` must match an `@sha256:` digest and verifies a tag after " +
			"pulling; `imagePullPolicy` is \"only relevant when referencing Wasm module without any digest\" and defaults " +
			"to IfNotPresent, Always for an OCI `latest` tag.",
		Targets:       []Kind{KindWasmPlugin},
		DefaultAction: ActionDeny,
		CELGap:        celNotYet,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			w, _ := bodyAs[extensionsapi.WasmPlugin](obj)
			if w == nil || !wasmModuleRemote(w.GetUrl()) || wasmModulePinned(w) {
				return nil
			}
			spec := field.NewPath("spec")
			out := []Violation{Invalid(spec.Child("url"), w.GetUrl(), "is not pinned by an @sha256: digest and spec.sha256 is unset")}
			if w.GetImagePullPolicy() == extensionsapi.PullPolicy_Always {
				out = append(out, Invalid(spec.Child("imagePullPolicy"), "Always", "re-fetches a module that is not pinned").
					WithFix("pin the module by digest or sha256 (imagePullPolicy is then irrelevant)"))
			}
			return out
		},
	}
}
