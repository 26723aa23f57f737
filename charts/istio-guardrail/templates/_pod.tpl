{{/* The serve flags (the contract shared with the server, the e2e suite and the demo). */}}
{{- define "istio-guardrail.args" -}}
- serve
- --config=/etc/istio-guardrail/config.yaml
- --port={{ .Values.server.port }}
- --health-addr=:{{ .Values.server.healthPort }}
- --metrics-addr=:{{ .Values.server.metricsPort }}
- --namespace=$(POD_NAMESPACE)
{{- if .Values.certManager.enabled }}
- --cert-mode=file
- --cert-dir=/tls
{{- else }}
- --cert-mode=self-managed
- --secret-name={{ include "istio-guardrail.selfManagedSecret" . }}
- --webhook-config-name={{ include "istio-guardrail.fullname" . }}
- --service-name={{ include "istio-guardrail.fullname" . }}
{{- end }}
- --tls-min-version={{ .Values.server.tlsMinVersion }}
{{- if .Values.server.enableHTTP2 }}
- --enable-http2
{{- end }}
- --max-request-bytes={{ int64 .Values.server.maxRequestBytes }}
- --max-connections={{ int64 .Values.server.maxConnections }}
{{- with .Values.server.maxInflightBytes }}
- --max-inflight-bytes={{ int64 . }}
{{- end }}
{{- with .Values.server.maxInflightBytesPerSource }}
- --max-inflight-bytes-per-source={{ int64 . }}
{{- end }}
{{- with .Values.server.maxConnectionsPerSource }}
- --max-connections-per-source={{ int64 . }}
{{- end }}
{{- if .Values.server.clientCA.secretName }}
- --client-ca-file=/client-ca/{{ .Values.server.clientCA.key }}
{{- end }}
- --log-format={{ .Values.server.logFormat }}
- --log-level={{ .Values.server.logLevel }}
- --shutdown-grace={{ .Values.server.shutdownGrace }}
{{- include "istio-guardrail.auditArgs" . }}
{{- with .Values.server.extraArgs }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Scheduling: spread the replicas across nodes and zones so that one node or
zone failure leaves the webhook serving.
*/}}
{{- define "istio-guardrail.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if eq .Values.podAntiAffinity "hard" }}
affinity:
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "istio-guardrail.selectorLabels" . | nindent 12 }}
{{- else if eq .Values.podAntiAffinity "soft" }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "istio-guardrail.selectorLabels" . | nindent 14 }}
{{- end }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: {{ .Values.topologySpread.hostname }}
    matchLabelKeys: [pod-template-hash]
    labelSelector:
      matchLabels:
        {{- include "istio-guardrail.selectorLabels" . | nindent 8 }}
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: {{ .Values.topologySpread.zone }}
    matchLabelKeys: [pod-template-hash]
    labelSelector:
      matchLabels:
        {{- include "istio-guardrail.selectorLabels" . | nindent 8 }}
{{- end }}
