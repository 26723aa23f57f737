{{/* serve's flags of the background audit (audit.*). */}}
{{- define "istio-guardrail.auditArgs" -}}
{{- if .Values.audit.enabled }}
- --audit
- --audit-interval={{ .Values.audit.interval }}
- --audit-max-results={{ int64 .Values.audit.maxResultsPerReport }}
- --audit-writes-per-second={{ .Values.audit.writesPerSecond }}
- --audit-sync-timeout={{ .Values.audit.syncTimeout }}
- --audit-discovery-interval={{ .Values.audit.discoveryInterval }}
{{- end }}
{{- end }}
