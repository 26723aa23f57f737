package main

// kyvernoPolicies are ClusterPolicies written for this benchmark that check
// what the validate policies of Kyverno's policy library for Istio check
// (its istio/ folder: enforce-strict-mtls, enforce-tls-hosts-host-subnets,
// prevent-disabling-injection-pods, enforce-sidecar-injection-namespace):
// mTLS mode UNSET or STRICT, DestinationRule TLS mode not DISABLE, no
// sidecar.istio.io/inject=false on Pods, istio-injection=enabled on
// Namespaces. The library's files are not copied here; these are our own
// equivalents, one pattern rule each, as Kyverno runs them in `apply`. The
// library has no policy for AuthorizationPolicies or Gateways (its
// require-authorizationpolicy needs a cluster through apiCall, and
// create-authorizationpolicy is a generate policy), so on the four-kind
// corpus Kyverno judges the PeerAuthentications and DestinationRules only.
const kyvernoPolicies = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: bench-peerauthentication-mtls-strict
spec:
  background: true
  rules:
  - name: mtls-mode-strict-or-unset
    match:
      any:
      - resources:
          kinds: [PeerAuthentication]
    validate:
      failureAction: Audit
      message: "spec.mtls.mode must be UNSET or STRICT."
      pattern:
        =(spec):
          =(mtls):
            =(mode): "UNSET | STRICT"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: bench-destinationrule-tls-not-disabled
spec:
  background: true
  rules:
  - name: tls-mode-not-disable
    match:
      any:
      - resources:
          kinds: [DestinationRule]
    validate:
      failureAction: Audit
      message: "spec.trafficPolicy.tls.mode must not be DISABLE."
      pattern:
        =(spec):
          =(trafficPolicy):
            =(tls):
              =(mode): "!DISABLE"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: bench-pod-injection-not-disabled
spec:
  background: true
  rules:
  - name: inject-annotation-not-false
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      failureAction: Audit
      message: "sidecar.istio.io/inject must not be false."
      pattern:
        metadata:
          =(annotations):
            =(sidecar.istio.io/inject): "!false"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: bench-namespace-injection-enabled
spec:
  background: true
  rules:
  - name: istio-injection-enabled
    match:
      any:
      - resources:
          kinds: [Namespace]
    validate:
      failureAction: Audit
      message: "Namespaces must carry istio-injection=enabled."
      pattern:
        metadata:
          labels:
            istio-injection: enabled
`
