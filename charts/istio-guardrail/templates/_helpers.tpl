{{/*
Naming and labels. Every object of a release shares istio-guardrail.labels;
selectors use only the two immutable istio-guardrail.selectorLabels.
*/}}

{{/* The chart name, overridable with nameOverride. */}}
{{- define "istio-guardrail.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's objects. It is also the name of both webhook
configurations, which the server patches by name in self-managed mode.
*/}}
{{- define "istio-guardrail.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Common labels. */}}
{{- define "istio-guardrail.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "istio-guardrail.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: admission-webhook
{{- end }}

{{/* Selector labels: immutable for the life of the release. */}}
{{- define "istio-guardrail.selectorLabels" -}}
app.kubernetes.io/name: {{ include "istio-guardrail.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The image reference: repository@digest, or repository:tag (default appVersion). */}}
{{- define "istio-guardrail.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The self-managed Secret holding the CA and the serving certificate. */}}
{{- define "istio-guardrail.selfManagedSecret" -}}
{{- default (printf "%s-tls" (include "istio-guardrail.fullname" .)) .Values.selfManaged.secretName }}
{{- end }}

{{/* The cert-manager serving Certificate and its Secret. */}}
{{- define "istio-guardrail.servingCertificate" -}}
{{- printf "%s-serving" (include "istio-guardrail.fullname" .) }}
{{- end }}

{{/*
The namespaces neither webhook is ever called for, matched on the
kubernetes.io/metadata.name label that the API server sets and users cannot forge.
*/}}
{{- define "istio-guardrail.excludedNamespaces" -}}
{{- $ns := list "kube-system" "kube-node-lease" .Release.Namespace }}
{{- range .Values.webhook.excludeNamespaces }}
{{- $ns = append $ns . }}
{{- end }}
{{- toYaml ($ns | uniq) }}
{{- end }}

{{/* The namespaceSelector shared by every webhook. */}}
{{- define "istio-guardrail.namespaceSelector" -}}
matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values:
      {{- include "istio-guardrail.excludedNamespaces" . | nindent 6 }}
{{- end }}

{{/* Parses a Go duration of whole seconds/minutes ("15s", "1m", "1m30s") into seconds. */}}
{{- define "istio-guardrail.durationSeconds" -}}
{{- $d := . }}
{{- $total := 0 }}
{{- $m := regexFind "^[0-9]+m" $d }}
{{- if $m }}{{ $total = add $total (mul (trimSuffix "m" $m | atoi) 60) }}{{ $d = trimPrefix $m $d }}{{ end }}
{{- $s := regexFind "^[0-9]+s$" $d }}
{{- if $s }}{{ $total = add $total (trimSuffix "s" $s | atoi) }}{{ end }}
{{- $total }}
{{- end }}

{{/*
The mesh's control-plane namespaces: the mesh-config namespaces
(webhook.meshConfig.namespaces) and the root namespace of every rule that
reads one (parameter rootNamespace of IGR101 and IGR606-IGR610, default
istio-system), as set in config.rules.
*/}}
{{- define "istio-guardrail.meshNamespaces" -}}
{{- $ns := list }}
{{- range .Values.webhook.meshConfig.namespaces }}{{ $ns = append $ns . }}{{ end }}
{{- $rules := .Values.config.rules | default dict }}
{{- range $id := list "IGR101" "IGR606" "IGR607" "IGR608" "IGR609" "IGR610" }}
{{- $root := "istio-system" }}
{{- with index $rules $id }}{{ with .params }}{{ with .rootNamespace }}{{ $root = . }}{{ end }}{{ end }}{{ end }}
{{- $ns = append $ns $root }}
{{- end }}
{{- toYaml ($ns | uniq) }}
{{- end }}

{{/*
Fails the render on value combinations the schema cannot express.
*/}}
{{- define "istio-guardrail.validate" -}}
{{- range (include "istio-guardrail.meshNamespaces" . | fromYamlArray) }}
{{- if eq . $.Release.Namespace }}
{{- fail (printf "the release namespace %q is a mesh root or mesh-config namespace (rootNamespace of IGR101/IGR606-IGR610 or webhook.meshConfig.namespaces): both webhooks exclude the release namespace, so installing here would silently switch off validation of the mesh-wide PeerAuthentication, istiod and the mesh config; install into a namespace of its own, e.g. istio-guardrail" $.Release.Namespace) }}
{{- end }}
{{- end }}
{{- $grace := include "istio-guardrail.durationSeconds" .Values.server.shutdownGrace | atoi }}
{{- if lt (int .Values.terminationGracePeriodSeconds) (add .Values.preStopSleepSeconds $grace 1) }}
{{- fail (printf "terminationGracePeriodSeconds (%v) must exceed preStopSleepSeconds (%v) + server.shutdownGrace (%ds), or in-flight admissions are cut off" .Values.terminationGracePeriodSeconds .Values.preStopSleepSeconds $grace) }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled (le (int .Values.replicaCount) (int .Values.podDisruptionBudget.minAvailable)) }}
{{- fail (printf "replicaCount (%v) must exceed podDisruptionBudget.minAvailable (%v), or no node can ever be drained" .Values.replicaCount .Values.podDisruptionBudget.minAvailable) }}
{{- end }}
{{- if and .Values.certManager.issuerRef (not .Values.certManager.issuerRef.name) }}
{{- fail "certManager.issuerRef.name is required when certManager.issuerRef is set" }}
{{- end }}
{{- end }}

{{/*
The API server calls mutating webhook configurations in order of their name,
and Istio's injector (istio-sidecar-injector, istio-revision-tag-<tag>) uses
reinvocationPolicy Never: our mutations that the injector reads (proxy
resources, proxy.istio.io/config) only take effect if our configuration sorts
before istio-revision-tag-, and hence before istio-sidecar-injector too.
Renders a warning when it does not (empty otherwise).
*/}}
{{- define "istio-guardrail.webhookOrderWarning" -}}
{{- $name := include "istio-guardrail.fullname" . }}
{{- if and .Values.webhook.mutating.enabled (not (lt $name "istio-revision-tag-")) -}}
WARNING: the MutatingWebhookConfiguration "{{ $name }}" sorts after Istio's injector
(istio-revision-tag-*, istio-sidecar-injector). The API server calls mutating webhooks in
name order and the injector is not reinvoked, so the proxy settings the mutators add
(IGR9xx) are not seen when the sidecar is injected. Reinstall with a release name that
sorts before "istio-r", e.g. istio-guardrail, or set fullnameOverride.
{{- end }}
{{- end }}

{{/*
A CEL expression that is true when field (a dotted path) is absent from both
a and b, or present in both and equal; dict keys: a, b, field.
*/}}
{{- define "istio-guardrail.sameField" -}}
{{- $a := printf "%s.%s" .a .field }}
{{- $b := printf "%s.%s" .b .field }}
{{- printf "(has(%s) == has(%s) && (!has(%s) || %s == %s))" $a $b $a $a $b }}
{{- end }}
