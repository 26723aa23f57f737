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
The kinds the server validates: every kind a rule of the catalogue targets
(except ConfigMaps, which have their own narrowly scoped webhook).
*/}}
{{- define "istio-guardrail.validatingRules" -}}
- apiGroups: [security.istio.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [peerauthentications, requestauthentications, authorizationpolicies]
  scope: Namespaced
- apiGroups: [networking.istio.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [destinationrules, gateways, sidecars, virtualservices, envoyfilters]
  scope: Namespaced
- apiGroups: [install.istio.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [istiooperators]
  scope: Namespaced
- apiGroups: [cert-manager.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [certificates]
  scope: Namespaced
- apiGroups: [""]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [namespaces]
  scope: Cluster
- apiGroups: [""]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [pods]
  scope: Namespaced
- apiGroups: [apps]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [deployments, statefulsets, daemonsets, replicasets]
  scope: Namespaced
- apiGroups: [batch]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [jobs, cronjobs]
  scope: Namespaced
{{- end }}

{{/* The kinds the server mutates: Pods always; Namespaces and workloads as configured. */}}
{{- define "istio-guardrail.mutatingRules" -}}
- apiGroups: [""]
  apiVersions: [v1]
  operations: [CREATE]
  resources: [pods]
  scope: Namespaced
{{- if .Values.config.mutation.namespaces }}
- apiGroups: [""]
  apiVersions: [v1]
  operations: [CREATE]
  resources: [namespaces]
  scope: Cluster
{{- end }}
{{- if .Values.config.mutation.workloads }}
- apiGroups: [apps]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [deployments, statefulsets, daemonsets, replicasets]
  scope: Namespaced
- apiGroups: [batch]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [jobs, cronjobs]
  scope: Namespaced
{{- end }}
{{- end }}
