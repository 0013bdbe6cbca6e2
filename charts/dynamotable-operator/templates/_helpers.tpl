{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "dynamotable-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects. */}}
{{- define "dynamotable-operator.fullname" -}}
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

{{- define "dynamotable-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dynamotable-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "dynamotable-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "dynamotable-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "dynamotable-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dynamotable-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "dynamotable-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* kopf's peering object name: per release, so other kopf operators in the cluster are never paused. */}}
{{- define "dynamotable-operator.peeringName" -}}
{{- include "dynamotable-operator.fullname" . }}
{{- end }}

{{/* "true" when the operator serves every namespace (-A). */}}
{{- define "dynamotable-operator.allNamespaces" -}}
{{- if empty .Values.operator.watchNamespaces }}true{{ end }}
{{- end }}

{{/* "true" when the operator runs with kopf peering: hot standby, or more than one shard. */}}
{{- define "dynamotable-operator.peering" -}}
{{- if or .Values.hotStandby.enabled (gt (int .Values.shards) 1) }}true{{ end }}
{{- end }}

{{/* Pods per shard: the hot-standby replicas, or one. */}}
{{- define "dynamotable-operator.replicasPerShard" -}}
{{- if .Values.hotStandby.enabled }}{{ .Values.hotStandby.replicas }}{{ else }}1{{ end }}
{{- end }}

{{/* kopf's peering object of shard $index (the operator derives the same name: shards.peering_name). */}}
{{- define "dynamotable-operator.shardPeeringName" -}}
{{- $base := include "dynamotable-operator.peeringName" .root }}
{{- if eq (int .root.Values.shards) 1 }}{{ $base }}{{ else }}{{ printf "%s-shard-%d-of-%d" $base (int .index) (int .root.Values.shards) }}{{ end }}
{{- end }}

{{/* Labels selecting the pods of one workload: a shard's own when sharded (`.shardIndex` set, shards > 1). */}}
{{- define "dynamotable-operator.podSelectorLabels" -}}
{{ include "dynamotable-operator.selectorLabels" . }}
{{- if and (hasKey . "shardIndex") (gt (int .Values.shards) 1) }}
dynamotable.io/shard: {{ .shardIndex | quote }}
{{- end }}
{{- end }}
