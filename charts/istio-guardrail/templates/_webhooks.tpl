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
  scope: "*"
- apiGroups: [networking.istio.io]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [destinationrules, gateways, sidecars, virtualservices, envoyfilters]
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
- apiGroups: [""]
  apiVersions: ["*"]
  operations: [CREATE, UPDATE]
  resources: [pods]
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

{{/* The kinds the server mutates: Pods always; Namespaces and workloads as configured. */}}
{{- define "istio-guardrail.mutatingRules" -}}
- apiGroups: [""]
  apiVersions: ["*"]
  operations: [CREATE]
  resources: [pods]
  scope: "*"
{{- if .Values.config.mutation.namespaces }}
- apiGroups: [""]
  apiVersions: ["*"]
  operations: [CREATE]
  resources: [namespaces]
  scope: "*"
{{- end }}
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
