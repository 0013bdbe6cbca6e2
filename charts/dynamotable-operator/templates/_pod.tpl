{{/* Arguments of `dynamotable run` (the image's entrypoint). */}}
{{- define "dynamotable-operator.args" -}}
{{- if include "dynamotable-operator.peering" . }}
- --peering={{ include "dynamotable-operator.peeringName" . }}
- --priority=$(POD_INDEX)
- --shard-count={{ int .Values.shards }}
- --shard-index={{ .shardIndex | default 0 }}
{{- else }}
- --standalone
{{- end }}
{{- if include "dynamotable-operator.allNamespaces" . }}
- --all-namespaces
{{- else }}
{{- range .Values.operator.watchNamespaces }}
- --namespace={{ . }}
{{- end }}
{{- end }}
- --liveness=http://0.0.0.0:{{ .Values.health.port }}/healthz
- --metrics-port={{ .Values.metrics.port }}
- --log-format={{ .Values.operator.logFormat }}
{{- if eq .Values.operator.logLevel "verbose" }}
- --verbose
{{- else if eq .Values.operator.logLevel "debug" }}
- --debug
{{- end }}
{{- with .Values.operator.extraArgs }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The operator's pod template, shared by the Deployment and the hot-standby StatefulSet. */}}
{{- define "dynamotable-operator.podTemplate" -}}
metadata:
  labels:
    {{- include "dynamotable-operator.podSelectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "dynamotable-operator.serviceAccountName" . }}
  automountServiceAccountToken: true
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  containers:
    - name: operator
      image: {{ include "dynamotable-operator.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        {{- include "dynamotable-operator.args" . | trim | nindent 8 }}
      env:
        - name: DYNAMOTABLE_REGION
          value: {{ .Values.aws.region | quote }}
        - name: AWS_REGION
          value: {{ .Values.aws.region | quote }}
        - name: DYNAMOTABLE_DRIFT_INTERVAL
          value: {{ .Values.operator.driftInterval | quote }}
        - name: DYNAMOTABLE_DEFAULT_DELETION_POLICY
          value: {{ .Values.operator.defaultDeletionPolicy | quote }}
        - name: DYNAMOTABLE_MAX_CONCURRENT_RECONCILES
          value: {{ .Values.operator.maxConcurrentReconciles | quote }}
        {{- $shards := max 1 (int .Values.shards) }}
        - name: DYNAMOTABLE_AWS_REQUESTS_PER_SECOND
          value: {{ divf .Values.aws.requestsPerSecond $shards | quote }}
        - name: DYNAMOTABLE_MAX_TABLE_OPERATIONS
          value: {{ max 1 (div (int .Values.aws.maxTableOperations) $shards) | quote }}
        - name: DYNAMOTABLE_MAX_INDEXED_CREATES
          value: {{ max 1 (div (int .Values.aws.maxIndexedCreates) $shards) | quote }}
        {{- with .Values.aws.endpointUrl }}
        - name: DYNAMOTABLE_ENDPOINT_URL
          value: {{ . | quote }}
        {{- end }}
        {{- with .Values.operator.clusterId }}
        - name: DYNAMOTABLE_CLUSTER_ID
          value: {{ . | quote }}
        {{- end }}
        {{- if .Values.accounts.rules }}
        - name: DYNAMOTABLE_ACCOUNTS_CONFIG_MAP
          value: {{ printf "%s-accounts" (include "dynamotable-operator.fullname" .) | quote }}
        - name: DYNAMOTABLE_ACCOUNTS_NAMESPACE
          value: {{ .Release.Namespace | quote }}
        - name: DYNAMOTABLE_ACCOUNTS_REFRESH
          value: {{ .Values.accounts.refresh | quote }}
        {{- end }}
        {{- if include "dynamotable-operator.peering" . }}
        - name: POD_INDEX
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels['apps.kubernetes.io/pod-index']
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.aws.credentialsSecret }}
      envFrom:
        - secretRef:
            name: {{ . }}
      {{- end }}
      ports:
        - name: health
          containerPort: {{ .Values.health.port }}
          protocol: TCP
        - name: metrics
          containerPort: {{ .Values.metrics.port }}
          protocol: TCP
      startupProbe:
        httpGet:
          path: /healthz
          port: health
        periodSeconds: 2
        failureThreshold: 30
      livenessProbe:
        httpGet:
          path: /healthz
          port: health
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 3
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        {{- toYaml .Values.containerSecurityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ .Values.tmpSizeLimit }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
