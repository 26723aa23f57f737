{{/*
The failurePolicy of the validating webhook for Istio objects and
Namespaces: Ignore when the ValidatingAdmissionPolicies are the backstop
(vap.enabled, vap.mode backstop), else webhook.failurePolicy.
*/}}
{{- define "istio-guardrail.validatingFailurePolicy" -}}
{{- if and .Values.vap.enabled (eq .Values.vap.mode "backstop") }}Ignore{{ else }}{{ .Values.webhook.failurePolicy }}{{ end }}
{{- end }}

{{/*
The RE2 expression matching exactly the namespaces a list of names and
globs matches (admissionpolicy.globsRegex): the chart translates names,
'*' and '?' and refuses anything else.
*/}}
{{- define "istio-guardrail.vap.globsRegex" -}}
{{- $alts := list }}
{{- range . }}
{{- if not (regexMatch "^[a-z0-9.*?-]+$" .) }}
{{- fail (printf "vap.enabled: namespace pattern %q: the chart translates names, '*' and '?' only; generate the policies with `istio-guardrail vap` instead" .) }}
{{- end }}
{{- $alts = append $alts (. | replace "." "\\x{2e}" | replace "-" "\\x{2d}" | replace "*" "[^/]*" | replace "?" "[^/]") }}
{{- end }}
{{- printf "^(?:%s)$" (join "|" $alts) }}
{{- end }}
