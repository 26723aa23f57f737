// Package certs supplies the webhook server's serving certificate through a
// Source, modelled on cert-manager's CertificateSource (pkg/server/tls):
// GetCertificate for tls.Config, Start to run until the context ends, Healthy
// for readiness and Expiry for the expiry metric.
//
// Two sources exist:
//
//   - FileSource serves tls.crt/tls.key from a directory (the cert-manager
//     mode: the chart mounts the Secret cert-manager writes). It is a thin
//     wrapper of controller-runtime's pkg/certwatcher, which watches both
//     files with fsnotify (re-arming the watch after kubelet's atomic symlink
//     swap), re-reads every ten seconds as a safety net, and keeps the last
//     good pair when a write is half done or the key does not match. The pair
//     must be valid at construction; an expired leaf is served but unhealthy.
//   - SelfManaged keeps a long-lived CA and a CA-signed ECDSA P-256 serving
//     leaf in one Secret (ca.crt, ca.key, tls.crt, tls.key), creates the
//     Secret if absent (create-if-absent with conflict handling, so several
//     replicas converge on the one CA that won the race), injects the CA (not
//     the leaf) into this release's Validating and Mutating webhook
//     configurations by name, and renews the leaf at two thirds of its life.
//     Because the API server trusts the CA, a new leaf is trusted the moment
//     it is served: rotation never opens a window where bundle and serving
//     certificate disagree. The CA is rolled over at two thirds of its life
//     (or when the stored one is unusable) with an overlap during which the
//     bundle carries the old and the new CA.
//   - BundleTrust is the readiness check that the served leaf chains to the
//     caBundle the API server holds for this release.
//
// What we use from cert-manager and why: the PKI helpers of
// github.com/cert-manager/cert-manager/pkg/util/pki (key generation, signing,
// PEM encoding and decoding), which are small, well tested and already a
// dependency. We do not use pkg/server/tls/authority.DynamicAuthority: it
// builds its own client from a rest.Config (so it cannot be tested against a
// fake clientset), keeps only the CA in its Secret and does not maintain
// webhook caBundles, all of which we need.
package certs
