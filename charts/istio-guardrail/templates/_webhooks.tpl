{{/*
Settings shared by every webhook: the API server's good practice (no side
effects, v1 reviews only, equivalent versions matched, short timeout) and the
self-exclusion by namespace name.
*/}}
{{- define "istio-guardrail.webhookCommon" -}}
sideEffects: None
admissionReviewVersions: [v1]
matchPolicy: Equivalent
timeoutSeconds: {{ .Values.webhook.timeoutSeconds }}
{{- end }}

{{/* The Service clientConfig; dict keys: root (the chart context), path. */}}
{{- define "istio-guardrail.clientConfig" -}}
clientConfig:
  service:
    name: {{ include "istio-guardrail.fullname" .root }}
    namespace: {{ .root.Release.Namespace }}
    path: {{ .path }}
    port: 443
{{- end }}

{{/* The cert-manager CA injection annotation (cert-manager mode only). */}}
{{- define "istio-guardrail.injectCA" -}}
{{- if .Values.certManager.enabled }}
annotations:
  cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/{{ include "istio-guardrail.servingCertificate" . }}
{{- end }}
{{- end }}

{{/*
The kinds the server validates cluster-wide: every kind a rule of the
catalogue targets except Pods and workloads (sent only from mesh namespaces)
and ConfigMaps (only from the mesh-config namespaces).
*/}}
{{- define "istio-guardrail.validatingRules" -}}
- apiGroups: [security.istio.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [peerauthentications, requestauthentications, authorizationpolicies]
  scope: "*"
- apiGroups: [networking.istio.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [destinationrules, gateways, sidecars, virtualservices, envoyfilters, serviceentries, proxyconfigs]
  scope: "*"
{{- /* Kinds whose CRDs a cluster may not have (Gateway API, Telemetry,
WasmPlugin): a rule for an unserved resource is accepted by the API server
and matches nothing until the CRD is installed. */}}
- apiGroups: [gateway.networking.k8s.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [gateways, listenersets, referencegrants]
  scope: "*"
- apiGroups: [telemetry.istio.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [telemetries]
  scope: "*"
- apiGroups: [extensions.istio.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [wasmplugins]
  scope: "*"
- apiGroups: [install.istio.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [istiooperators]
  scope: "*"
- apiGroups: [cert-manager.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [certificates]
  scope: "*"
- apiGroups: [""]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [namespaces]
  scope: "*"
{{- end }}

{{/*
The Pods and workloads the server validates (only in mesh namespaces).
Ephemeral containers (kubectl debug) are added to running Pods through the
pods/ephemeralcontainers subresource, whose requests carry the whole Pod.
*/}}
{{- define "istio-guardrail.validatingWorkloadRules" -}}
- apiGroups: [""]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [pods, pods/ephemeralcontainers]
  scope: "*"
- apiGroups: [apps]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [deployments, statefulsets, daemonsets, replicasets]
  scope: "*"
- apiGroups: [batch]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [jobs, cronjobs]
  scope: "*"
{{- end }}

{{/* The Pods and workloads the server mutates (only in mesh namespaces). */}}
{{- define "istio-guardrail.mutatingWorkloadRules" -}}
- apiGroups: [""]
  apiVersions: ["*"]
  operations: [CREATE]
  resources: [pods]
  scope: "*"
{{- if .Values.config.mutation.workloads }}
- apiGroups: [apps]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [deployments, statefulsets, daemonsets, replicasets]
  scope: "*"
- apiGroups: [batch]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [jobs, cronjobs]
  scope: "*"
{{- end }}
{{- end }}

{{/*
The mesh namespaces, as Istio's injector selects them: the two selectors
(istio-injection=enabled; istio.io/rev set and no istio-injection label),
each with the exclusions by name. A list of {name, selector} whose names
prefix the webhook names.
*/}}
{{- define "istio-guardrail.meshSelectors" -}}
- name: injection
  selector:
    matchExpressions:
      - key: istio-injection
        operator: In
        values: [enabled]
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
          {{- include "istio-guardrail.excludedNamespaces" . | nindent 10 }}
- name: revision
  selector:
    matchExpressions:
      - key: istio.io/rev
        operator: Exists
      - key: istio-injection
        operator: DoesNotExist
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
          {{- include "istio-guardrail.excludedNamespaces" . | nindent 10 }}
{{- end }}

{{/*
The control-plane namespaces whose Pods and workloads are validated although
they are not injected (istiod's Deployment for IGR601-IGR604, gateways for
IGR605): the mesh namespaces of the chart's configuration and
webhook.workloadNamespaces, by name.
*/}}
{{- define "istio-guardrail.controlPlaneNamespaces" -}}
{{- $ns := include "istio-guardrail.meshNamespaces" . | fromYamlArray }}
{{- range .Values.webhook.workloadNamespaces }}{{ $ns = append $ns . }}{{ end }}
{{- toYaml ($ns | uniq) }}
{{- end }}

{{/*
Ambient namespaces, as the istio-cni chart's default enablementSelectors
select them, with the exclusions by name. Validation only: ambient pods
have no sidecar for the mutators to configure.
*/}}
{{- define "istio-guardrail.ambientSelector" -}}
matchExpressions:
  - key: istio.io/dataplane-mode
    operator: In
    values: [ambient]
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values:
      {{- include "istio-guardrail.excludedNamespaces" . | nindent 6 }}
{{- end }}
