package policy

import (
	"strings"

	extensionsapi "istio.io/api/extensions/v1alpha1"
)

// wasmModuleRemote reports whether a WasmPlugin url is fetched at run time:
// oci:// (also the default without a scheme), http:// or https://, not a
// file:// inside the proxy container.
func wasmModuleRemote(url string) bool {
	u := strings.ToLower(strings.TrimSpace(url))
	return !strings.HasPrefix(u, "file://")
}

// wasmModulePinned reports whether the module's content is fixed: a sha256
// field, or an OCI reference by digest (`@sha256:`).
func wasmModulePinned(w *extensionsapi.WasmPlugin) bool {
	return w.GetSha256() != "" || strings.Contains(w.GetUrl(), "@sha256:")
}
